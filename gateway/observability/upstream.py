"""Upstream calls as metrics and spans: the `CallObserver` the upstream clients report to.

Each logical call (retries and rate-limit waits included) is counted by upstream, method, route
template, status class of the last answer and outcome, and timed; with tracing on it is also a
span (`CareHQ GET /v1/bookings`) whose children are the HTTP attempts (httpx instrumentation).
Nothing here sees a path, id, query string or body: only the template the client named.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from gateway.observability.metrics import Metrics, status_class
from gateway.upstreams.errors import (
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
from gateway.upstreams.observe import CallStats

LABELS = {upstream: upstream.value.lower() for upstream in Upstream}
"""The `upstream` label of each system: `carehq`, `bedful`."""

_OUTCOMES: tuple[tuple[type[BaseException], str], ...] = (
    (UpstreamNotFound, "not_found"),
    (UpstreamRateLimited, "rate_limited"),
    (UpstreamAuthError, "auth_error"),
    (UpstreamInvalidRequest, "rejected"),
    (WriteOutcomeUnknown, "outcome_unknown"),
    (UpstreamTimeout, "timeout"),
    (UpstreamUnavailable, "unavailable"),
    (UpstreamError, "error"),
    (asyncio.CancelledError, "cancelled"),
)

current_call: ContextVar[CallStats | None] = ContextVar("gateway_upstream_call", default=None)
"""The logical call in progress, for the httpx span hook (which sees only the raw URL)."""


def outcome_of(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")


class ObserveUpstreams:
    """Counts calls in `metrics` (None: metrics off) and traces them with `tracer` (None:
    tracing off)."""

    def __init__(self, metrics: Metrics | None, tracer: trace.Tracer | None) -> None:
        self._metrics = metrics
        self._tracer = tracer

    @contextmanager
    def call(self, stats: CallStats) -> Iterator[None]:
        token = current_call.set(stats)
        started = time.perf_counter()
        outcome = "ok"
        span: AbstractContextManager[trace.Span | None] = (
            nullcontext()
            if self._tracer is None
            else self._tracer.start_as_current_span(
                f"{stats.upstream.label} {stats.method} {stats.route}",
                kind=SpanKind.INTERNAL,
                record_exception=False,  # the outcome says what failed; no traceback needed
                set_status_on_exception=False,
            )
        )
        try:
            with span as current:
                try:
                    yield
                except BaseException as exc:
                    outcome = outcome_of(exc)
                    raise
                finally:
                    if current is not None:
                        _describe(current, stats, outcome)
        finally:
            current_call.reset(token)
            self._count(stats, outcome, time.perf_counter() - started)

    def waiting_for_budget(self, upstream: Upstream, delta: int) -> None:
        if self._metrics is not None:
            metrics = self._metrics
            metrics.child(metrics.budget_waiting, LABELS[upstream]).inc(delta)

    def _count(self, stats: CallStats, outcome: str, seconds: float) -> None:
        if self._metrics is None:
            return
        m, upstream = self._metrics, LABELS[stats.upstream]
        method, route = stats.method, stats.route
        calls, duration, budget_wait = m.upstream_series(
            upstream, method, route, status_class(stats.status), outcome
        )
        calls.inc()
        duration.observe(seconds)
        if stats.retries:
            m.child(m.upstream_retries, upstream, method, route).inc(stats.retries)
        budget_wait.observe(stats.budget_wait)


def _describe(span: trace.Span, stats: CallStats, outcome: str) -> None:
    span.set_attribute("gateway.upstream", LABELS[stats.upstream])
    span.set_attribute("http.request.method", stats.method)
    span.set_attribute("http.route", stats.route)
    if stats.status is not None:
        span.set_attribute("http.response.status_code", stats.status)
    span.set_attribute("gateway.upstream.retries", stats.retries)
    span.set_attribute("gateway.upstream.budget_wait_ms", round(stats.budget_wait * 1000, 3))
    span.set_attribute("gateway.upstream.outcome", outcome)
    if outcome not in ("ok", "not_found"):
        span.set_status(Status(StatusCode.ERROR, outcome))
