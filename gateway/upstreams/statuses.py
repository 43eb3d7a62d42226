"""How an upstream's answer becomes an `UpstreamError`: status codes, error bodies, Retry-After.

The table (documented for CareHQ, applied to Bedful too, which publishes no error bodies):
400/422 -> `UpstreamInvalidRequest`, 401/403 (CareHQ also 405) -> `UpstreamAuthError`,
404 -> `UpstreamNotFound`, 429 -> `UpstreamRateLimited`, 5xx and anything else unexpected ->
`UpstreamUnavailable`. Error messages never quote bodies beyond CareHQ's own `hint`.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .errors import (
    Upstream,
    UpstreamAuthError,
    UpstreamError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)

__all__ = [
    "NAMES",
    "ErrorDetails",
    "UnexpectedShape",
    "error_for_status",
    "no_error_details",
    "parse_hint_and_arg_errors",
    "retry_after_seconds",
]

NAMES = {upstream: upstream.label for upstream in Upstream}
"""How messages name each upstream."""


class UnexpectedShape(ValueError):
    """A JSON answer that is not the documented shape (raised by the clients' parsers)."""


@dataclass(frozen=True, slots=True)
class ErrorDetails:
    """What an upstream error body says about the failure, when it says anything."""

    hint: str | None = None
    arg_errors: dict[str, list[str]] = field(default_factory=dict)


def no_error_details(body: bytes) -> ErrorDetails:
    """For upstreams that publish no error body (Bedful): classify by status code only."""
    return ErrorDetails()


def parse_hint_and_arg_errors(body: bytes) -> ErrorDetails:
    """CareHQ's `{"hint": str, "arg_errors": {arg: [msg, ...]}}`; both optional, and a body that
    is not JSON (a proxy's HTML page) yields no details rather than an error."""
    try:
        doc = json.loads(body)
    except ValueError:
        return ErrorDetails()
    if not isinstance(doc, dict):
        return ErrorDetails()
    hint = doc.get("hint")
    raw_args = doc.get("arg_errors")
    arg_errors: dict[str, list[str]] = {}
    if isinstance(raw_args, dict):
        for arg, messages in raw_args.items():
            items = messages if isinstance(messages, list) else [messages]
            arg_errors[str(arg)] = [str(m)[:500] for m in items]
    return ErrorDetails(hint=str(hint)[:500] if hint is not None else None, arg_errors=arg_errors)


def error_for_status(
    upstream: Upstream,
    status: int,
    details: ErrorDetails,
    *,
    auth_statuses: Collection[int] = frozenset({401, 403}),
    retry_after: float | None = None,
) -> UpstreamError:
    """The exception for a non-2xx answer (the table in `errors.py`)."""
    name = NAMES[upstream]
    if status in (400, 422):
        message = f"{name} rejected the request as invalid"
        if details.hint:
            message += f": {details.hint}"
        return UpstreamInvalidRequest(
            upstream, message, hint=details.hint, arg_errors=details.arg_errors, status=status
        )
    if status in auth_statuses:
        return UpstreamAuthError(
            upstream, f"{name} refused the gateway's credentials ({status})", status=status
        )
    if status == 404:
        return UpstreamNotFound(upstream, f"{name} has no such record", hint=details.hint)
    if status == 429:
        after = f"; retry in {retry_after:.1f} s" if retry_after is not None else ""
        return UpstreamRateLimited(
            upstream, f"{name} rate limit reached{after}", retry_after=retry_after, status=status
        )
    if status >= 500:
        return UpstreamUnavailable(
            upstream, f"{name} answered {status} (server error)", status=status
        )
    return UpstreamUnavailable(upstream, f"{name} answered an unexpected {status}", status=status)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from `now` (the current time unless given): delta-seconds or an
    HTTP date (RFC 9110)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
