"""The HTTP surface of `gateway serve`: health, readiness, errors' shape, the request log."""

from __future__ import annotations

import logging

import pytest

from gateway.app import create_app
from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, start_gateway
from tests.upstreams.builders import FakeClock


async def test_typename(gateway: Gateway) -> None:
    assert await gateway.data("{ __typename }") == {"__typename": "Query"}


async def test_graphql_over_get_for_queries(gateway: Gateway) -> None:
    response = await gateway.http.get("/graphql", params={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_healthz(gateway: Gateway) -> None:
    response = await gateway.http.get("/healthz")
    assert response.status_code == 200


async def test_readyz_names_the_upstream_that_does_not_answer(sandbox: Sandbox) -> None:
    clock = FakeClock()
    settings = make_settings(gateway_readiness_interval_seconds=30)
    async for gateway in start_gateway(sandbox, settings, clock=clock):
        assert (await gateway.http.get("/readyz")).status_code == 200
        sandbox.bedful.inject("down")
        clock.now += 30  # what the last probe learnt is now too old: probe again
        response = await gateway.http.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["carehq"] == "ok"
    assert body["bedful"].startswith("unavailable")


async def test_readyz_never_shows_credentials(sandbox: Sandbox) -> None:
    settings = make_settings(
        carehq_base_url="http://127.0.0.1:9",  # discard port: nothing listens
        carehq_account_id="acct-visible",
        carehq_api_key="key-hidden-1",
        carehq_api_secret="secret-hidden-2",
        carehq_timeout_seconds=1.0,
    )
    async for gateway in start_gateway(sandbox, settings):
        response = await gateway.http.get("/readyz")
        assert response.status_code == 503
        assert "key-hidden-1" not in response.text
        assert "secret-hidden-2" not in response.text
        assert response.json()["carehq"].startswith("unavailable")


async def test_document_errors_carry_a_code(gateway: Gateway) -> None:
    body = await gateway.execute("{ rooms(perPage: 1) { items { nope } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gateway.execute("{ rooms(")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_bad_variables_are_bad_user_input_naming_the_field(gateway: Gateway) -> None:
    body = await gateway.execute(
        "mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }",
        {"i": {"rate": 1, "ratePeriod": "WEEKLY", "room": "x", "serviceUser": "y"}},
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["bookingType"]
    body = await gateway.execute(
        "query($n: Int!) { rooms(perPage: $n) { itemCount } }", {"n": "ten"}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gateway.execute(
        "query($d: Date!) { bookings(filter: {endsAfter: $d}) { itemCount } }", {"d": "2026-13-01"}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "month must be in 1..12" in body["errors"][0]["message"]


async def test_query_depth_and_aliases_are_limited(gateway: Gateway) -> None:
    deep = "{ rooms { items " + "{ bookings { room " * 5 + "{ id }" + " } }" * 5 + " } }"
    body = await gateway.execute(deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    body = await gateway.execute(aliases)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    fragment = (
        "query { ...F } fragment F on Query { "
        + " ".join(f"b{i}: __typename" for i in range(40))
        + " }"
    )
    body = await gateway.execute(fragment)
    assert "errors" in body, "fragments must not bypass the alias limit"


async def test_documents_that_would_explode_are_refused_before_any_upstream_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    nested = "{ rooms(perPage: 100) { items " + "{ bookings { room " * 4 + "{ id }" + " } }" * 4
    body = await gateway.execute(nested + " } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "perPage" in body["errors"][0]["message"]
    assert sandbox.carehq.requests == []
    page = "{ rooms(perPage: 100) { items { nameNo bookings { startDate room { nameNo } } } } }"
    assert len((await gateway.data(page))["rooms"]["items"]) == 100


async def test_one_log_line_per_request_without_personal_data(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_guest = "Guest.Person@example.com"
    await gateway.execute(
        "query FindGuest($q: String) { bookings(filter: {q: $q}) { itemCount } }",
        {"q": secret_guest},
    )
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.request"]
    assert len(lines) == 1
    assert "op=FindGuest" in lines[0]
    assert "status=200" in lines[0]
    assert "POST /graphql" in lines[0]
    info_and_above = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any(secret_guest.lower() in m.lower() for m in info_and_above)


async def test_graphiql_can_be_turned_off(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings(gateway_graphiql=False)):
        page = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        answer = await gateway.http.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("limited", [True, False])
def test_the_built_in_sandboxes_rate_limits_can_be_lifted_for_load_tests(limited: bool) -> None:
    overrides = {} if limited else {"gateway_sandbox_rate_limits": False}
    sandbox: Sandbox = create_app(make_settings(**overrides)).state.sandbox
    assert sandbox.carehq.rate_limits is limited
    assert sandbox.bedful.rate_limits is limited
    assert sandbox.carehq.signature_check  # never lifted for `gateway serve`
