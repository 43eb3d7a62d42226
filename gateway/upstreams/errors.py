"""
Failures of an upstream call, as one exception tree:

* UpstreamError               .upstream, .message (safe to show a client), .status
  x UpstreamUnavailable       refused or reset connection, 5xx, an unexpected status, a body
    |                         that is not JSON or not the documented shape
    + UpstreamTimeout         no answer before the call's deadline (or an httpx read/pool
    |                         timeout); for a write: it was never sent
    + WriteOutcomeUnknown     a PUT/PATCH/POST may have reached the upstream but no usable
                              answer came back: the write may or may not have happened
  x UpstreamRateLimited       a 429 (or our own limiter) that could not be waited out within
                              the deadline; .retry_after (seconds, or None)
  x UpstreamAuthError         401/403 (CareHQ also 405: the key lacks the permission)
  x UpstreamNotFound          404; .hint
  x UpstreamInvalidRequest    400/422; .hint, .arg_errors (CareHQ's argument names)

`message` never carries credentials, request bodies or response bodies: it is written to be
shown to a GraphQL client as is. `hint` is the upstream's own explanation (CareHQ's error body);
it describes the request, not stored records. `status` is the HTTP status when there was one, for
logs and metrics only.

Programming errors (an unknown field name, a page size out of range) are plain `ValueError`s,
never `UpstreamError`s: they are bugs in the gateway, not failures of an upstream.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Upstream",
    "UpstreamAuthError",
    "UpstreamError",
    "UpstreamInvalidRequest",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "WriteOutcomeUnknown",
]


class Upstream(StrEnum):
    """The system a failure comes from (mapped to `extensions.upstream` by the schema)."""

    CAREHQ = "CAREHQ"
    BEDFUL = "BEDFUL"

    @property
    def label(self) -> str:
        """How messages name the system: "CareHQ", "Bedful"."""
        return {"CAREHQ": "CareHQ", "BEDFUL": "Bedful"}[self.value]


class UpstreamError(Exception):
    """Base class: an upstream call failed. Catch this to handle every upstream failure."""

    def __init__(self, upstream: Upstream, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.upstream = upstream
        self.message = message
        self.status = status


class UpstreamUnavailable(UpstreamError):
    """The upstream could not be reached or gave no usable answer; retrying later may work."""


class UpstreamTimeout(UpstreamUnavailable):
    """No answer before the deadline. Raised for reads, and for writes never sent."""


class WriteOutcomeUnknown(UpstreamUnavailable):
    """A write was (possibly) sent but no usable answer came back.

    The upstream may have applied it. Callers must not blindly repeat the write: look the
    record up first (or rely on an idempotency key).
    """


class UpstreamRateLimited(UpstreamError):
    """The upstream's rate limit (or our own limiter for it) left no slot before the deadline."""

    def __init__(
        self,
        upstream: Upstream,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(upstream, message, status=status)
        self.retry_after = retry_after
        """Seconds until a retry may succeed, when known."""


class UpstreamAuthError(UpstreamError):
    """The upstream refused our credentials: a deployment fault, not the caller's."""


class UpstreamNotFound(UpstreamError):
    """The endpoint or record does not exist (404)."""

    def __init__(
        self,
        upstream: Upstream,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = 404,
    ) -> None:
        super().__init__(upstream, message, status=status)
        self.hint = hint


class UpstreamInvalidRequest(UpstreamError):
    """The upstream rejected the request's arguments (400/422).

    `arg_errors` maps CareHQ's upstream argument names (e.g. `per_page`, `room`) to its
    messages; the schema layer translates the names. Bedful publishes no error body, so it is
    always empty there.
    """

    def __init__(
        self,
        upstream: Upstream,
        message: str,
        *,
        hint: str | None = None,
        arg_errors: dict[str, list[str]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(upstream, message, status=status)
        self.hint = hint
        self.arg_errors: dict[str, list[str]] = arg_errors or {}
