"""Clients for the two upstream booking APIs; the only code that speaks their wire formats.

- `carehq`  CareHQ (care homes): rooms and bookings; signed requests (`CareHQSignature`).
- `bedful`  Bedful (holiday / glamping): bookings; HTTP Basic; client-side rate limiting.
- `errors`  the one exception tree every upstream failure is raised as.
- `http`    the send loop both clients share (deadline, retries, status -> error).

Nothing here imports the GraphQL layer or the sandboxes: the sandboxes emulate the upstreams
from the vendors' docs independently, so a misreading here is caught rather than mirrored.
"""

from __future__ import annotations

from .errors import (
    Upstream,
    UpstreamAuthError,
    UpstreamError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    WriteOutcomeUnknown,
)

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
