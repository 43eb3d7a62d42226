"""Optional access control for `/graphql`: static bearer tokens (`GATEWAY_API_TOKENS`).

The gateway reads and changes residents' and guests' bookings, so a deployment next to real
upstreams should not answer anyone who can reach its port. With tokens configured, every GraphQL
request needs `Authorization: Bearer <one of them>`; the GraphiQL page itself (a static page that
holds no data) still opens, and its Headers editor carries the token. `/healthz` and `/readyz`
stay open for probes. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

UNAUTHENTICATED = "UNAUTHENTICATED"


def caller_of(authorization: str | None) -> str:
    """Who is calling, for scoping per-caller state such as idempotency keys: a digest of the
    bearer token (never the token itself), or "anonymous" without one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "anonymous"
    return hashlib.sha256(token.strip().encode()).hexdigest()[:32]


class BearerTokens:
    """ASGI middleware guarding the GraphQL endpoint at `path`."""

    def __init__(self, app: ASGIApp, *, tokens: tuple[str, ...], path: str = "/graphql") -> None:
        self.app = app
        self._tokens = tuple(token.encode() for token in tokens)
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._guards(scope) or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": "This gateway needs an `Authorization: Bearer <token>` header.",
                        "extensions": {"code": UNAUTHENTICATED},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="gateway"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _guards(self, scope: Scope) -> bool:
        if scope["path"].rstrip("/") != self._path:
            return False
        # The IDE page: a browser's GET without a query. It shows no data by itself.
        is_page = scope["method"] == "GET" and b"query=" not in scope.get("query_string", b"")
        return not is_page

    def _authorised(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() != b"bearer" or not token:
            return False
        # Compare against every token (no early exit) so timing does not tell which matched.
        matches = [hmac.compare_digest(token.strip(), known) for known in self._tokens]
        return any(matches)
