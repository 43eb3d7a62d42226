"""Clients for the upstream booking APIs; the only code that speaks their wire formats.

One package per upstream (a third one goes beside them):

- `carehq/`  CareHQ (care homes): rooms and bookings; signed requests (`CareHQSignature`).
- `bedful/`  Bedful (holiday / glamping): bookings; HTTP Basic; client-side rate limiting.

and what every client shares:

- `errors`     the one exception tree every upstream failure is raised as.
- `http`       the send loop (deadline, retries, status -> error); `statuses` maps statuses.
- `ratelimit`  the gateway's own budget for an upstream; `health` what the last calls showed;
  `observe` the hook metrics and tracing watch calls through; `fanout` concurrent calls that
  stop together.

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
