"""Optional access control for `/graphql`: static bearer tokens (`GATEWAY_API_TOKENS`).

The gateway reads and changes residents' and guests' bookings, so a deployment next to real
upstreams should not answer anyone who can reach its port. With tokens configured, every request
that can run a GraphQL operation needs `Authorization: Bearer <one of them>`. The decision is
taken by the GraphQL router itself (`gateway.endpoint`), on the same parsed request that Strawberry
then either renders as the GraphiQL page (a static page that holds no data) or executes; it is
never a separate reading of the raw request. `/healthz` and `/readyz` stay open for probes.

This module is the one place that reads the `Authorization` header. Exactly one header holding
`Bearer <token>` is a credential; two headers, another scheme, or a token with spaces in it are
malformed and never match (with tokens configured: 401). Tokens are compared in constant time and
never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.schema.errors import Unauthenticated

__all__ = ["ANONYMOUS", "Authenticator", "Unauthenticated", "bearer_token", "caller_digest"]

ANONYMOUS = "anonymous"

# RFC 6750 section 2.1: `Bearer` (any case), one or more spaces, a b64token.
_BEARER = re.compile(r"bearer +([A-Za-z0-9\-._~+/]+=*) *", re.IGNORECASE)


def bearer_token(authorization: Sequence[str]) -> str | None:
    """The bearer token of a request, given every value of its `Authorization` header; None when
    there is no usable one (no header, several, another scheme, or a malformed token)."""
    if len(authorization) != 1:
        return None
    match = _BEARER.fullmatch(authorization[0])
    return match.group(1) if match else None


def caller_digest(token: str) -> str:
    """Scopes per-caller state (idempotency keys): a digest of the token, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True, eq=False)
class Authenticator:
    """Decides who is calling. Without tokens everyone may call (a well-formed bearer token still
    scopes the caller's state); with tokens only their holders may."""

    tokens: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return bool(self.tokens)

    def caller(self, authorization: Sequence[str]) -> str:
        """The caller's scope for a request that can run an operation; raises `Unauthenticated`
        when tokens are configured and the request carries none of them."""
        token = bearer_token(authorization)
        if not self.required:
            return caller_digest(token) if token else ANONYMOUS
        if token is None:
            raise Unauthenticated(_why_not(authorization))
        # Compare against every token (no early exit) so timing does not tell which matched.
        matches = [hmac.compare_digest(token.encode(), known.encode()) for known in self.tokens]
        if not any(matches):
            raise Unauthenticated("The bearer token is not one this gateway accepts.")
        return caller_digest(token)


def _why_not(authorization: Sequence[str]) -> str:
    if not authorization:
        return "This gateway needs an `Authorization: Bearer <token>` header."
    if len(authorization) > 1:
        return "Send exactly one `Authorization` header; this request has several."
    return "The `Authorization` header must be `Bearer <token>`."
