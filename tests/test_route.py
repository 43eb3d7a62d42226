"""GET and POST /graphql go straight to the GraphQL endpoint (`gateway.route.GraphQLFirst`);
every other request at that path takes FastAPI's routing and is answered exactly as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.types import Message

from gateway.app import create_app
from gateway.sandbox import Sandbox
from tests.conftest import make_settings

QUERY = json.dumps({"query": "{ __typename }"}).encode()


async def call(
    sandbox: Sandbox, method: str, path: str = "/graphql", root_path: str = ""
) -> tuple[dict[str, Any], list[Message]]:
    """The scope as the app left it, and what it sent."""
    app = create_app(make_settings(), sandbox=sandbox)
    sent: list[Message] = []
    body = QUERY if method == "POST" else b""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    query = b"query=%7B__typename%7D" if method == "GET" else b""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "root_path": root_path,
        "query_string": query,
        "headers": [(b"content-type", b"application/json"), (b"host", b"gateway.test")],
        "server": ("gateway.test", 80),
        "client": ("127.0.0.1", 1),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    return scope, sent


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_graphql_requests_skip_the_router(sandbox: Sandbox, method: str) -> None:
    scope, sent = await call(sandbox, method)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"data": {"__typename": "Query"}}
    assert "router" not in scope  # FastAPI's router marks every request it routes


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD", "PATCH"])
async def test_other_methods_are_refused_by_fastapi_as_before(
    sandbox: Sandbox, method: str
) -> None:
    scope, sent = await call(sandbox, method)
    assert "router" in scope
    assert sent[0]["status"] == 405
    allowed = dict(sent[0]["headers"])[b"allow"].decode().split(", ")
    assert sorted(allowed) == ["GET", "POST"]


async def test_graphql_under_a_root_path_is_routed_by_fastapi(sandbox: Sandbox) -> None:
    scope, sent = await call(sandbox, "POST", root_path="/api")
    assert "router" in scope
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"data": {"__typename": "Query"}}


async def test_a_trailing_slash_is_routed_by_fastapi(sandbox: Sandbox) -> None:
    scope, sent = await call(sandbox, "POST", path="/graphql/")
    assert "router" in scope
    assert sent[0]["status"] == 307
    assert dict(sent[0]["headers"])[b"location"] == b"http://gateway.test/graphql"
