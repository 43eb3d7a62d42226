"""Cross-origin access for browser frontends (`GATEWAY_CORS_ORIGINS`), with Starlette's
`CORSMiddleware`.

Default: no origin is allowed, so a page on another origin can neither read an answer nor pass a
preflight. Allowed origins are exact (`https://app.example.com`; `*` allows any). Credentials
(cookies) are never allowed: the gateway authenticates with a bearer token that the frontend puts
in the `Authorization` header itself, so no ambient credential rides along cross-site, and `*`
cannot be combined with credentials.

CSRF: no browser "simple request" (one sent cross-site without a preflight) can run a mutation or
read data. `/graphql` executes only a JSON body (`application/json` is not a simple content type,
so a browser preflights it) or a GET, and a GET never runs a mutation (405). A form post,
`text/plain` or `multipart/form-data` body is refused with 415 before anything is parsed, and a
GET query's answer cannot be read without an `Access-Control-Allow-Origin` for the page's origin.
tests/test_cors.py tries each; Apollo-style "require a preflight header" enforcement is therefore
not needed.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

# What GraphQL clients send: Apollo Client, urql, graphql-request, Relay, GraphiQL, and the W3C
# trace context and request-id headers of a traced frontend.
REQUEST_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "traceparent",
    "tracestate",
    "baggage",
    "x-request-id",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
)


def allow_origins(app: FastAPI, origins: tuple[str, ...]) -> None:
    """Answers preflights and marks answers readable for `origins` (none: nothing is added)."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=("GET", "POST"),
        allow_headers=REQUEST_HEADERS,
        allow_credentials=False,
        expose_headers=("x-request-id",),
        max_age=600,
    )
