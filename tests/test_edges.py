"""Bad input at the HTTP edge: a coded 4xx JSON error, never a 500 or a traceback, and never
work or memory in proportion to what an attacker sends."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import pytest
from starlette.types import Message

from gateway.app import create_app
from gateway.sandbox import Sandbox
from gateway.schema.limits import MAX_DOCUMENT_LENGTH, MAX_STRING_LENGTH
from tests.asgi import http_scope
from tests.conftest import Gateway, make_settings
from tests.processes import start_gateway_process

NESTED = "[" * 3000 + "]" * 3000
ID = "a" * 24


def _coded(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code, body
    return body


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO)
    yield
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(
    "body",
    ['"x"', "1", "null", "true", "[]", '[{"query": "{ __typename }"}]', NESTED, "{", "", "\xff"],
)
async def test_a_body_that_is_not_a_json_object_is_a_coded_400(gateway: Gateway, body: str) -> None:
    response = await gateway.http.post(
        "/graphql",
        content=body.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    _coded(response, 400, "BAD_REQUEST")


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("variables", NESTED),
        ("variables", '"x"'),
        ("variables", "[1]"),
        ("variables", "{"),
        ("extensions", NESTED),
        ("extensions", "1"),
        ("operationName", None),
    ],
)
async def test_bad_get_parameters_are_a_coded_400(
    gateway: Gateway, name: str, value: str | None
) -> None:
    params = {"query": "{ __typename }"}
    if value is None:  # the parameter given twice
        url = "/graphql?query=%7B__typename%7D&operationName=a&operationName=b"
        response = await gateway.http.get(url)
    else:
        response = await gateway.http.get("/graphql", params={**params, name: value})
    _coded(response, 400, "BAD_REQUEST")


@pytest.mark.usefixtures("no_tracebacks")
async def test_nested_variables_in_a_post_are_refused(gateway: Gateway) -> None:
    deep: Any = "x"
    for _ in range(17):
        deep = [deep]
    response = await gateway.http.post(
        "/graphql", json={"query": "query Q($v: [String]) { __typename }", "variables": {"v": deep}}
    )
    _coded(response, 400, "BAD_USER_INPUT")


async def test_a_long_id_literal_is_refused_without_echoing_it(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    long_id = "a" * (MAX_STRING_LENGTH + 1)
    response = await gateway.http.post(
        "/graphql", json={"query": f'{{ booking(id: "{long_id}") {{ id }} }}'}
    )
    body = response.json()
    assert "longer than" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(response.content) < 1000
    # Under the cap but still not an id: the message quotes enough to recognise it, once.
    response = await gateway.http.post(
        "/graphql", json={"query": f'{{ booking(id: "{long_id[:-2]}") {{ id }} }}'}
    )
    assert len(response.content) < 1000, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert sandbox.carehq.requests == []


async def test_a_long_string_variable_is_refused(gateway: Gateway) -> None:
    response = await gateway.http.post(
        "/graphql",
        json={
            "query": "query Q($id: ID!) { booking(id: $id) { id } }",
            "variables": {"id": "a" * (MAX_STRING_LENGTH + 1)},
        },
    )
    body = _coded(response, 400, "BAD_USER_INPUT")
    assert len(response.content) < 1000, body


async def test_a_long_document_is_refused_before_parsing(gateway: Gateway) -> None:
    document = "{ __typename }" + " " * MAX_DOCUMENT_LENGTH
    response = await gateway.http.post("/graphql", json={"query": document})
    _coded(response, 400, "BAD_USER_INPUT")


async def test_a_body_over_the_limit_is_a_413_by_its_length(gateway: Gateway) -> None:
    ten_mb_literal = "a" * 10_000_000
    response = await gateway.http.post(
        "/graphql", json={"query": f'{{ booking(id: "{ten_mb_literal}") {{ id }} }}'}
    )
    body = _coded(response, 413, "BAD_REQUEST")
    assert "GATEWAY_MAX_BODY_BYTES" in body["errors"][0]["message"]
    assert len(response.content) < 1000


async def test_a_streamed_body_is_refused_without_being_read_whole(sandbox: Sandbox) -> None:
    """A chunked body (no Content-Length) is counted as it arrives: the gateway stops reading
    once it passes the limit, and answers 413."""
    limit = 64 * 1024
    app = create_app(make_settings(gateway_max_body_bytes=limit), sandbox=sandbox)
    chunk = b" " * 16384
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        if pulled > 10_000:  # 160 MB: the gateway would be reading it whole
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = http_scope([(b"content-type", b"application/json")])
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert pulled <= limit // len(chunk) + 1


def test_a_control_character_in_the_path_cannot_forge_a_log_line() -> None:
    base, process = start_gateway_process("serve", ready_path="/healthz")
    try:
        host, port = base.removeprefix("http://").split(":")
        forged = "/graphql%0a2026-01-01%2000:00:00,000%20INFO%20gateway.request:%20FORGED%1b[2J"
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(
                f"GET {forged} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
            )
            while connection.recv(65536):
                pass
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    lines = output.splitlines()
    assert not [line for line in lines if "FORGED" in line and "\\n" not in line], output
    logged = [line for line in lines if "FORGED" in line]
    assert len(logged) == 1, output
    assert "GET /graphql\\n2026-01-01" in logged[0]
    assert "\x1b" not in output
