"""Optional bearer tokens on /graphql (GATEWAY_API_TOKENS)."""

from __future__ import annotations

from gateway.sandbox import Sandbox
from tests.conftest import make_settings, start_gateway
from tests.processes import start_gateway_process
from tests.test_mutations_carehq import CREATE, booking_input

QUERY = {"query": "{ __typename }"}


async def test_with_tokens_every_graphql_request_needs_one(sandbox: Sandbox) -> None:
    settings = make_settings(gateway_api_tokens="first-token, second-token")
    async for gateway in start_gateway(sandbox, settings):
        missing = await gateway.http.post("/graphql", json=QUERY)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        wrong = await gateway.http.post(
            "/graphql", json=QUERY, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        by_get = await gateway.http.get("/graphql", params=QUERY)
        assert by_get.status_code == 401
        refused = await gateway.http.post("/graphql", json={"query": "{ bookings { itemCount } }"})
        assert refused.status_code == 401
        assert sandbox.carehq.requests == []

        for token in ("first-token", "second-token"):
            ok = await gateway.http.post(
                "/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"}
            )
            assert ok.json() == {"data": {"__typename": "Query"}}

        page = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200, (
            "the GraphiQL page opens; its Headers editor holds the token"
        )
        assert (await gateway.http.get("/healthz")).status_code == 200
        assert (await gateway.http.get("/readyz")).status_code == 200


async def test_without_tokens_graphql_is_open(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings()):
        response = await gateway.http.post("/graphql", json=QUERY)
        assert response.json() == {"data": {"__typename": "Query"}}


def test_a_real_upstream_without_tokens_is_warned_about() -> None:
    env = {"BEDFUL_BASE_URL": "https://api.bedful.com", "BEDFUL_API_KEY": "k"}
    _, process = start_gateway_process("serve", ready_path="/healthz", env=env)
    process.terminate()
    output, _ = process.communicate(timeout=10)
    assert "GATEWAY_API_TOKENS is not set" in output
    assert "Bedful: https://api.bedful.com" in output


async def test_idempotency_keys_belong_to_their_caller(sandbox: Sandbox) -> None:
    """Two clients that happen to pick the same key neither collide nor see each other's
    booking."""
    settings = make_settings(gateway_api_tokens="alice-token,bob-token")
    async for gateway in start_gateway(sandbox, settings):
        created = {}
        for who, rate in (("alice", 100000), ("bob", 90000)):
            response = await gateway.http.post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {"input": booking_input(sandbox, rate=rate, idempotencyKey="k1")},
                },
                headers={"Authorization": f"Bearer {who}-token"},
            )
            body = response.json()
            assert "errors" not in body, body
            created[who] = body["data"]["createBooking"]
    assert created["alice"]["id"] != created["bob"]["id"]
    assert len(sandbox.carehq.calls("PUT", "/v1/bookings")) == 2
