"""An ASGI HTTP scope as a server (uvicorn) hands it to the app, for tests that drive the app
with scripted messages: what a client sends when, and what it never sends."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope


def http_scope(
    headers: Iterable[tuple[bytes, bytes]], *, method: str = "POST", path: str = "/graphql"
) -> Scope:
    """One request to `path` on `gateway.test` from a loopback client, with `headers` (`host`
    is added when missing)."""
    given = list(headers)
    if not any(name == b"host" for name, _ in given):
        given.insert(0, (b"host", b"gateway.test"))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": given,
        "client": ("127.0.0.1", 50000),
        "server": ("gateway.test", 80),
    }
