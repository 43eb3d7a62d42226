"""Optional bearer tokens on /graphql (GATEWAY_API_TOKENS), tried as an attacker would."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from starlette.types import Message

from gateway.app import create_app
from gateway.auth import Authenticator, Unauthenticated, bearer_token
from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, start_gateway
from tests.processes import run_gateway, start_gateway_process
from tests.test_mutations_carehq import CREATE, booking_input

QUERY = {"query": "{ __typename }"}
READ = "{bookings(perPage:1){items{id serviceUser}}}"
TOKEN = "first-token"


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


@pytest.fixture
async def guarded(sandbox: Sandbox) -> Iterator[Gateway]:
    settings = make_settings(gateway_api_tokens=f"{TOKEN}, second-token")
    async for gateway in start_gateway(sandbox, settings):
        yield gateway


# Each: (method, raw path and query string, headers, body). None may return data.
BYPASSES = [
    ("GET", f"/graphql?%71uery={READ}", {}, None),
    ("GET", f"/graphql?q%75ery={READ}", {}, None),
    ("GET", f"/graphql?%71%75%65%72%79={READ}", {"Accept": "text/html"}, None),
    ("GET", f"/graphql?query={READ}", {"Accept": "text/html"}, None),
    ("GET", f"/graphql?query=&query={READ}", {"Accept": "text/html"}, None),
    ("GET", f"/graphql?query={READ}&query=", {"Accept": "text/html"}, None),
    ("GET", f"/graphql?%71uery={READ}&query=", {}, None),
    ("GET", f"/graphql/?query={READ}", {}, None),
    ("GET", f"/graphql?query={READ}", {"Accept": "*/*"}, None),
    ("GET", f"/graphql?query={READ}#", {}, None),
    ("GET", f"/graph%71l?query={READ}", {}, None),
    ("HEAD", f"/graphql?query={READ}", {}, None),
    ("OPTIONS", f"/graphql?query={READ}", {}, None),
    ("PUT", "/graphql", {"Content-Type": "application/json"}, f'{{"query":"{READ}"}}'),
    ("POST", "/graphql", {"Content-Type": "application/json"}, f'{{"query":"{READ}"}}'),
    ("POST", f"/graphql?%71uery={READ}", {"Accept": "text/html"}, None),
    ("POST", "/graphql", {"Content-Type": "text/plain"}, f'{{"query":"{READ}"}}'),
    ("POST", "/graphql", {"Content-Type": "application/x-www-form-urlencoded"}, f"query={READ}"),
    ("POST", "/graphql/", {"Content-Type": "application/json"}, f'{{"query":"{READ}"}}'),
    (
        "POST",
        "/graphql",
        {"Content-Type": "application/json; charset=utf-8"},
        f'{{"query":"{READ}"}}',
    ),
]

BAD_AUTHORIZATION = [
    [],
    ["Bearer nope"],
    ["Bearer"],
    ["Bearer "],
    [f"Basic {TOKEN}"],
    [TOKEN],
    [f"Bearer {TOKEN} extra"],
    [f"Bearer {TOKEN}, Bearer nope"],
    [f"Bearer nope, Bearer {TOKEN}"],
    [f"Bearer {TOKEN}", "Bearer nope"],
    ["Bearer nope", f"Bearer {TOKEN}"],
    [f"Bearer {TOKEN}", f"Bearer {TOKEN}"],
    [f"Bearer {TOKEN}x"],
    [f"Bearer {TOKEN[:-1]}"],
    [f"Bearer\t{TOKEN}"],
    [f"Bearer {TOKEN}\x00"],
]


def _raw_request(
    base: str, method: str, target: str, headers: dict[str, str], body: str | None
) -> tuple[int, bytes]:
    """One HTTP/1.1 request sent byte for byte (no client normalises the target)."""
    parts = urlsplit(base)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    data = (body or "").encode()
    if body is not None:
        lines.append(f"Content-Length: {len(data)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + data
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received


@pytest.fixture(scope="module")
def real_guarded() -> Iterator[str]:
    base, process = start_gateway_process(
        "serve", ready_path="/healthz", env={"GATEWAY_API_TOKENS": TOKEN}
    )
    try:
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize(("method", "target", "headers", "body"), BYPASSES)
def test_no_bypass_over_real_http(
    real_guarded: str, method: str, target: str, headers: dict[str, str], body: str | None
) -> None:
    status, received = _raw_request(real_guarded, method, target, headers, body)
    assert b"serviceUser" not in received, received
    assert b'"data"' not in received, received
    assert status in (307, 400, 401, 404, 405, 415), received
    # With the token, the same request is either served or refused for what it is, not for
    # want of a token: proof the request did reach the GraphQL endpoint above.
    status, _ = _raw_request(
        real_guarded, method, target, {**headers, "Authorization": f"Bearer {TOKEN}"}, body
    )
    assert status != 401


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
async def test_malformed_or_wrong_authorization_is_refused(
    guarded: Gateway, sandbox: Sandbox, authorization: list[str]
) -> None:
    headers = [("Authorization", value) for value in authorization]
    for response in (
        await guarded.http.post("/graphql", json={"query": READ}, headers=headers),
        await guarded.http.get("/graphql", params={"query": READ}, headers=headers),
    ):
        assert response.status_code == 401, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert TOKEN not in response.text
        assert "data" not in response.json()
    assert sandbox.carehq.requests == []


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER   {TOKEN}  "]
)
async def test_a_well_formed_bearer_token_is_accepted(guarded: Gateway, authorization: str) -> None:
    response = await guarded.http.post(
        "/graphql", json=QUERY, headers={"Authorization": authorization}
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_the_ide_page_and_its_assets_stay_open(guarded: Gateway) -> None:
    page = await guarded.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    asset = await guarded.http.get("/graphiql-assets/favicon.svg")
    assert asset.status_code == 200


async def test_no_websocket_carries_operations(sandbox: Sandbox) -> None:
    """The schema has no subscriptions; a WebSocket would otherwise run queries. The handshake
    is refused (closed before it is accepted: HTTP 403), even with a valid token."""
    app = create_app(make_settings(gateway_api_tokens=TOKEN), sandbox=sandbox)
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        incoming: list[Message] = [
            {"type": "websocket.connect"},
            {"type": "websocket.receive", "text": '{"type":"connection_init"}'},
            {
                "type": "websocket.receive",
                "text": f'{{"id":"1","type":"subscribe","payload":{{"query":"{READ}"}}}}',
            },
        ]
        sent: list[Message] = []

        async def receive(incoming: list[Message] = incoming) -> Message:
            return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"authorization", f"Bearer {TOKEN}".encode()), (b"host", b"gateway.test")],
            "subprotocols": [protocol],
            "scheme": "ws",
            "server": ("gateway.test", 80),
            "client": ("127.0.0.1", 1),
        }
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)
        assert [message["type"] for message in sent] == ["websocket.close"], sent
    assert sandbox.carehq.requests == []


def test_one_reading_of_the_authorization_header() -> None:
    assert bearer_token([f"Bearer {TOKEN}"]) == TOKEN
    assert bearer_token([f"Bearer {TOKEN}", f"Bearer {TOKEN}"]) is None
    open_gateway = Authenticator(())
    assert open_gateway.caller([]) == "anonymous"
    assert open_gateway.caller(["Basic abc"]) == "anonymous"
    assert open_gateway.caller(["Bearer a", "Bearer b"]) == "anonymous"
    assert open_gateway.caller(["Bearer a"]) == Authenticator(("a",)).caller(["Bearer a"])
    with pytest.raises(Unauthenticated):
        Authenticator(("a",)).caller(["Bearer a", "Bearer a"])


@pytest.mark.parametrize("tokens", ["", ", ", " , ,", "a b", "tok\u00e9n"])
def test_a_token_list_without_a_usable_token_is_refused_at_start_up(tokens: str) -> None:
    result = run_gateway("serve", "--port", "9", env={"GATEWAY_API_TOKENS": tokens})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "GATEWAY_API_TOKENS" in lines[0]
    assert "Traceback" not in result.stderr
