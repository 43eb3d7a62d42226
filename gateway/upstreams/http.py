"""The send loop both upstream clients share: deadline, retries, status -> error, JSON.

One `Sender.call` is one logical upstream call:

- It has ONE overall deadline (`timeout` seconds), enforced with `asyncio.timeout` around
  everything: limiter waits, every attempt, backoff sleeps (a deadline that passes while the call
  waits for a rate-limit slot is `UpstreamRateLimited`, not a timeout). httpx's own timeouts are per
  connect/read and are not enforced at all by in-process transports (ASGI, Mock), so they are
  only a second line of defence.
- GET is retried (at most `max_get_retries` extra attempts, never past the deadline) when no
  answer arrived (connect error/timeout, connection closed or reset before the whole answer was
  read) and on 502/503/504, with exponential backoff and full jitter; on 429 after `Retry-After`
  (or, lacking one, after the wait the client's `retry_after_fallback` knows of).
- Writes (PUT/PATCH/POST/DELETE) are never retried: a retried write can apply twice. When a write
  may have reached the upstream but no usable answer came back, the caller gets
  `WriteOutcomeUnknown`; when it certainly did not leave (connect failed), `UpstreamUnavailable`.
- What each attempt's result means (answer, retry, which error) is `gateway.upstreams.outcomes`.
- Logging is DEBUG only and never includes bodies, query strings or headers: they carry personal
  data and credentials.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from .errors import (
    Upstream,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from .exchange import exchange
from .health import Health
from .observe import NOT_OBSERVED, CallObserver, CallStats, Routes
from .outcomes import NOT_SENT, SAFE_METHODS, Answer, Outcomes, Retry
from .ratelimit import WaitExceedsDeadline
from .statuses import (
    NAMES,
    ErrorDetails,
    UnexpectedShape,
    no_error_details,
)
from .targets import Params, Targets

__all__ = ["Params", "Sender"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


@dataclass(slots=True)
class _Call:
    """One logical call to `url` (a path under the client's base URL; `target` is the whole URL
    with the query). `in_flight`: a request may be on the wire (decides, when the deadline passes
    during a write, between `UpstreamTimeout` and `WriteOutcomeUnknown`)."""

    method: str
    url: str
    target: httpx.URL | str
    content: dict[str, Any]
    stats: CallStats
    in_flight: bool = False
    queued: bool = False  # waiting for a rate-limit slot
    urgent: bool = False  # a read a write depends on: it takes a slot as a write does

    @property
    def write(self) -> bool:
        return self.method not in SAFE_METHODS


class Sender:
    """Sends one upstream's requests through `http` (which carries base URL, auth, transport;
    each attempt goes through `exchange`: straight to an `UpstreamHTTPClient`'s transport).

    Every attempt runs inside `slot(seconds_left, write)` (a client-side rate limiter: entering
    may wait, or raise `WaitExceedsDeadline`; leaving means the answer is in); `after_response`
    sees every response's headers (CareHQ's rate-limit headers); `retry_after_fallback()` gives a
    429's wait when it has no `Retry-After`; `health` learns the outcome of every attempt sent.
    `routes` names the upstream's route templates and `observer` hears of every call (metrics,
    traces), described by template only.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        upstream: Upstream,
        timeout: float,
        max_get_retries: int = 2,
        parse_error_body: Callable[[bytes], ErrorDetails] = no_error_details,
        auth_statuses: Collection[int] = frozenset({401, 403}),
        slot: Callable[[float, bool], AbstractAsyncContextManager[None]] | None = None,
        health: Health | None = None,
        after_response: Callable[[httpx.Headers], None] | None = None,
        retry_after_fallback: Callable[[], float | None] | None = None,
        routes: Routes | None = None,
        observer: CallObserver = NOT_OBSERVED,
        backoff_base: float = 0.1,
        backoff_cap: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if timeout <= 0 or max_get_retries < 0:
            raise ValueError("timeout must be > 0 and max_get_retries >= 0")
        self.upstream = upstream
        self.timeout = timeout
        self._http = http
        self._name = NAMES[upstream]
        self._max_get_retries = max_get_retries
        self._outcomes = Outcomes(
            upstream,
            parse_error_body=parse_error_body,
            auth_statuses=auth_statuses,
            retry_after_fallback=retry_after_fallback,
        )
        self._slot = slot
        self._health = health
        self._after_response = after_response
        self._routes = routes if routes is not None else Routes(())
        self.observer = observer
        self._targets = Targets(http)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._jitter = jitter

    async def call(
        self,
        method: str,
        url: str,
        parse: Callable[[object], T],
        *,
        params: Params | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        urgent: bool = False,
    ) -> T:
        """Send, retrying reads as allowed, and return `parse(JSON answer)` (None for an empty
        answer). `parse` raising (`UnexpectedShape`, `LookupError`, `TypeError`, `ValueError`)
        means the answer is not the documented shape. `urgent`: a read that a write waits on (the
        check before a cancel); it asks the rate limiter for a slot with a write's priority, so
        reads queued by other requests cannot hold the write back."""
        method = method.upper()
        stats = CallStats(self.upstream, method, self._routes.template(url))
        target, params = self._targets.resolve(url, params)
        content = {"params": params, "data": data, "json": json}
        call = _Call(method, url, target, content, stats, urgent=urgent)
        with self.observer.call(stats):
            return self._parse(call, parse, await self._answer(call))

    async def _answer(self, call: _Call) -> Answer:
        scope = asyncio.timeout(self.timeout)
        try:
            async with scope:
                return await self._attempts(call, scope)
        except TimeoutError:
            if not scope.expired():
                raise
            if call.queued:
                raise UpstreamRateLimited(
                    self.upstream, f"{self._name} rate limit: no free slot within the deadline"
                ) from None
            if call.write and call.in_flight:
                raise self._observed(
                    self._outcomes.unknown(f"no answer within {self.timeout:g} s")
                ) from None
            timeout = UpstreamTimeout(
                self.upstream, f"{self._name} did not answer within {self.timeout:g} s"
            )
            raise self._observed(timeout) if call.in_flight else timeout from None

    def _parse(self, call: _Call, parse: Callable[[object], T], answer: Answer) -> T:
        try:
            return parse(answer.payload)
        except (LookupError, TypeError, ValueError) as exc:
            # Our own shape messages and a missing key name carry no data; others might quote it.
            why = str(exc) if isinstance(exc, UnexpectedShape | KeyError) else type(exc).__name__
            logger.debug(
                "%s %s %s: unexpected answer shape: %s", self._name, call.method, call.url, why
            )
            if call.write:
                raise self._observed(
                    self._outcomes.unknown("the answer was not in the documented shape")
                ) from None
            raise self._observed(
                UpstreamUnavailable(self.upstream, f"{self._name} answered in an unexpected shape")
            ) from None

    async def _attempts(self, call: _Call, scope: asyncio.Timeout) -> Answer:
        loop = asyncio.get_running_loop()
        deadline = scope.when()
        if deadline is None:  # pragma: no cover - `call` always sets one
            deadline = loop.time() + self.timeout
        attempt = 0
        while True:
            try:
                return await self._attempt_in_slot(call, attempt, deadline - loop.time())
            except Retry as retry:
                if call.write or attempt >= self._max_get_retries:
                    raise retry.error from None
                delay = retry.delay
                if delay is None:
                    delay = self._jitter() * min(self._backoff_cap, self._backoff_base * 2**attempt)
                if loop.time() + delay >= deadline:
                    raise retry.error from None
                logger.debug("%s %s %s: retry in %.3f s", self._name, call.method, call.url, delay)
                await self._sleep(delay)
                attempt += 1
                call.stats.retries = attempt

    async def _attempt_in_slot(self, call: _Call, attempt: int, seconds_left: float) -> Answer:
        if self._slot is None:
            return await self._attempt(call, attempt)
        loop = asyncio.get_running_loop()
        waiting_since = loop.time()
        call.queued = True
        self.observer.waiting_for_budget(self.upstream, 1)
        try:
            async with self._slot(seconds_left, call.write or call.urgent):
                self._stop_waiting(call, waiting_since)
                return await self._attempt(call, attempt)
        except WaitExceedsDeadline as exc:
            raise UpstreamRateLimited(
                self.upstream,
                f"{self._name} rate limit: no free slot within the deadline",
                retry_after=exc.wait,
            ) from None
        finally:
            if call.queued:  # refused, or the deadline passed while waiting
                self._stop_waiting(call, waiting_since)
                call.queued = True  # tells `_answer` why the deadline passed

    def _stop_waiting(self, call: _Call, waiting_since: float) -> None:
        call.queued = False
        self.observer.waiting_for_budget(self.upstream, -1)
        call.stats.budget_wait += asyncio.get_running_loop().time() - waiting_since

    async def _attempt(self, call: _Call, attempt: int) -> Answer:
        request = self._http.build_request(call.method, call.target, **call.content)
        started = time.perf_counter()
        call.in_flight = True
        try:
            response = await exchange(self._http, request)
        except httpx.RequestError as exc:
            call.in_flight = not isinstance(exc, NOT_SENT)
            raise self._observed(self._outcomes.of_transport_error(exc, call.write)) from None
        try:
            if self._after_response is not None:
                self._after_response(response.headers)
            status = call.stats.status = response.status_code
            logger.debug(
                "%s %s %s -> %d (attempt %d, %.0f ms)",
                self._name,
                call.method,
                request.url.path,
                status,
                attempt + 1,
                (time.perf_counter() - started) * 1000,
            )
            try:
                body = await response.aread()
            except httpx.RequestError as exc:
                if 200 <= status < 300:
                    raise self._outcomes.of_transport_error(exc, call.write) from None
                body = b""
        finally:
            await response.aclose()
        call.in_flight = False
        try:
            answer = self._outcomes.of_answer(status, response.headers, body, call.write)
        except (Retry, UpstreamError) as error:
            raise self._observed(error) from None
        if self._health is not None:
            self._health.observe_answer()
        return answer

    def _observed(self, error: E) -> E:
        """Tell `health` about the failure of an attempt that was sent; return `error` to raise."""
        failure = error.error if isinstance(error, Retry) else error
        if self._health is not None and isinstance(failure, UpstreamError):
            self._health.observe(failure)
        return error
