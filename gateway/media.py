"""Which media type a GraphQL response is sent as (GraphQL over HTTP, "Accept" and "Body").

`application/graphql-response+json` when the client accepts it at least as much as
`application/json`; otherwise `application/json`, the legacy type, whose answers stay exactly
as they were (200 for every well-formed GraphQL response). A missing `Accept`, `*/*` and
`application/*` mean `application/json`, as the spec asks of servers in its transition period.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def response_media_type(accept: str | None) -> str:
    graphql_q = json_q = 0.0
    for media_range in (accept or "").split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        q = _quality(parameters)
        match media_type.lower():
            case "application/graphql-response+json":
                graphql_q = max(graphql_q, q)
            case "application/json":
                json_q = max(json_q, q)
    return GRAPHQL_RESPONSE if graphql_q > 0 and graphql_q >= json_q else JSON


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
