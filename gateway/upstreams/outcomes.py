"""What one attempt's result means for its call: an answer, a retry, or an error.

The send loop (`gateway.upstreams.http`) decides when to try again; this decides what each
result is, for a read and for a write:

- 2xx: the answer's JSON (None when empty). A body that is not JSON is `UpstreamUnavailable` for
  a read and `WriteOutcomeUnknown` for a write.
- A write answered 502/504 (a gateway in between gave up): `WriteOutcomeUnknown`.
- 429 and 502/503/504: `Retry` (after `Retry-After`, or the wait the client knows of, for 429);
  the loop retries reads only.
- Any other status: the error of the status table (`gateway.upstreams.statuses`).
- A transport error: "never sent" (`NOT_SENT`: the connection or the request could not be made)
  is safe to report as not done, even for a write; any other makes a write's outcome unknown;
  a read is `Retry` when no (complete) answer came (`RETRY_GET`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

import httpx
import orjson

from .errors import (
    Upstream,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
    WriteOutcomeUnknown,
)
from .statuses import NAMES, ErrorDetails, error_for_status, retry_after_seconds

__all__ = [
    "NOT_SENT",
    "RETRY_GET",
    "RETRY_STATUSES",
    "SAFE_METHODS",
    "UNKNOWN_WRITE_STATUSES",
    "Answer",
    "Outcomes",
    "Retry",
]

logger = logging.getLogger("gateway.upstreams.http")  # the send loop's lines, as before the split

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
UNKNOWN_WRITE_STATUSES = frozenset({502, 504})
"""A gateway between us and the upstream gave up: the upstream may have applied the write."""

# Raised before anything reached the upstream: safe to report as "not done", even for writes.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
# GET failures a new attempt may fix: no (complete) answer came. ReadError covers a pooled
# keep-alive connection the server had already reset. Read timeouts are not retried: a slow
# upstream would only get slower, and the deadline bounds the call anyway.
RETRY_GET = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)


class Retry(Exception):
    """A result a read may retry (after `delay` seconds, if given); `error` is what the call
    ends with when it may not."""

    def __init__(self, error: UpstreamError, delay: float | None = None) -> None:
        self.error = error
        self.delay = delay


@dataclass(slots=True)
class Answer:
    """A usable answer: its decoded JSON (None for an empty one)."""

    payload: object


class Outcomes:
    """One upstream's reading of its attempts' results. `parse_error_body` reads an error
    answer's body, `auth_statuses` are the statuses that mean bad credentials, and
    `retry_after_fallback()` gives a 429's wait when it has no `Retry-After`."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        parse_error_body: Callable[[bytes], ErrorDetails],
        auth_statuses: Collection[int],
        retry_after_fallback: Callable[[], float | None] | None,
    ) -> None:
        self.upstream = upstream
        self.name = NAMES[upstream]
        self._parse_error_body = parse_error_body
        self._auth_statuses = auth_statuses
        self._retry_after_fallback = retry_after_fallback

    def of_answer(self, status: int, headers: httpx.Headers, body: bytes, write: bool) -> Answer:
        if 200 <= status < 300:
            if status == 204 or not body.strip():
                return Answer(None)
            try:
                # orjson: 4-6x the json module's speed on a page of records. Stricter too: UTF-8
                # only (as RFC 8259 says), no NaN or Infinity, no number past a double's range;
                # anything else is an answer that is not JSON, as a truncated one is.
                return Answer(orjson.loads(body))
            except ValueError:
                if write:
                    raise self.unknown("the answer was not JSON") from None
                raise UpstreamUnavailable(
                    self.upstream,
                    f"{self.name} answered with a body that is not JSON",
                    status=status,
                ) from None
        if write and status in UNKNOWN_WRITE_STATUSES:
            raise self.unknown(f"a gateway answered {status}")
        retry_after = None
        if status == 429:
            retry_after = retry_after_seconds(headers.get("Retry-After"))
            if retry_after is None and self._retry_after_fallback is not None:
                retry_after = self._retry_after_fallback()
        error = error_for_status(
            self.upstream,
            status,
            self._parse_error_body(body),
            auth_statuses=self._auth_statuses,
            retry_after=retry_after,
        )
        if status == 429 or status in RETRY_STATUSES:
            raise Retry(error, retry_after)
        raise error

    def of_transport_error(self, exc: httpx.RequestError, write: bool) -> Exception:
        logger.debug("%s transport error: %s", self.name, type(exc).__name__)
        if write and not isinstance(exc, NOT_SENT):
            return self.unknown(f"the connection failed ({type(exc).__name__})")
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            error: UpstreamError = UpstreamTimeout(
                self.upstream, f"{self.name} did not answer in time"
            )
        else:
            error = UpstreamUnavailable(
                self.upstream, f"{self.name} could not be reached ({type(exc).__name__})"
            )
        if not write and isinstance(exc, RETRY_GET):
            return Retry(error)
        return error

    def unknown(self, why: str) -> WriteOutcomeUnknown:
        return WriteOutcomeUnknown(
            self.upstream,
            f"{self.name} may or may not have applied the change ({why}): the outcome is "
            "unknown; check the record before trying again",
        )
