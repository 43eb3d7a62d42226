"""Prometheus metrics (prometheus-client) with bounded label sets, and the `/metrics` answer.

Every label value comes from a closed set the gateway controls, so no caller can grow the number
of series: operation names are the named operations that passed validation, the first
`max_operations` distinct ones (later ones count as `other`; anonymous ones as `anonymous`;
documents that never ran as `invalid`; requests refused before GraphQL as `none`); error codes
are `extensions.code` values; upstream routes are templates (`/v1/bookings/{id}`), never a raw
path, id or query string. No label ever carries a variable, a literal or an id.

Several worker processes: set `PROMETHEUS_MULTIPROC_DIR` to an empty directory before the
gateway starts; each process then writes its values there and `/metrics` sums them
(prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, cast

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from gateway.observability.request import CLIENT_CLOSED_REQUEST, Operation
from gateway.settings import ConfigError

__all__ = ["Metrics"]

disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series double the output, unused

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
M = TypeVar("M", bound=MetricWrapperBase)
_CODE = re.compile(r"[A-Z][A-Z_]{0,39}")
_MAX_NAME = 64


class Metrics:
    """The gateway's collectors, registered on `registry` (a fresh one by default, so two apps
    in one process, as in tests, do not share counts)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, *, max_operations: int = 100
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._max_operations = max_operations
        self._operations: set[str] = set()
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self._request_series: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._upstream_series: dict[tuple[str, ...], tuple[Any, Any, Any]] = {}
        r = self.registry
        self.requests = Counter(
            "gateway_graphql_requests",
            "GraphQL requests by operation name, operation type and outcome (ok, partial, error, "
            "cancelled: the client went away before its answer).",
            ["operation", "type", "outcome"],
            registry=r,
        )
        self.request_duration = Histogram(
            "gateway_graphql_request_duration_seconds",
            "Time from request to the last byte of the answer, by operation name and outcome.",
            ["operation", "outcome"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "gateway_graphql_errors",
            "GraphQL errors returned to clients, by extensions.code.",
            ["code"],
            registry=r,
        )
        self.upstream_calls = Counter(
            "gateway_upstream_calls",
            "Logical upstream calls (retries included) by upstream, method, route template, "
            "status class of the last answer (none: no answer) and outcome.",
            ["upstream", "method", "route", "status_class", "outcome"],
            registry=r,
        )
        self.upstream_duration = Histogram(
            "gateway_upstream_call_duration_seconds",
            "Duration of logical upstream calls, budget waits and retries included.",
            ["upstream", "method", "route", "outcome"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.upstream_retries = Counter(
            "gateway_upstream_retries",
            "Upstream requests sent again after a failed attempt.",
            ["upstream", "method", "route"],
            registry=r,
        )
        self.budget_wait = Histogram(
            "gateway_upstream_budget_wait_seconds",
            "Time upstream requests waited for the gateway's own rate-limit budget.",
            ["upstream"],
            buckets=(0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.budget_waiting = Gauge(
            "gateway_upstream_budget_waiting",
            "Upstream requests waiting for rate-limit budget right now.",
            ["upstream"],
            multiprocess_mode="livesum",
            registry=r,
        )
        self.budgets = BudgetCollector()
        r.register(self.budgets)
        self.cache_lookups = Counter(
            "gateway_cache_lookups",
            "Read-cache lookups by cache and result (hit, miss, stale).",
            ["cache", "result"],
            registry=r,
        )
        self.idempotent_replays = Counter(
            "gateway_idempotent_replays",
            "Create mutations answered with the booking an earlier call with the same "
            "idempotency key made, instead of booking again.",
            registry=r,
        )

    def observe_request(self, operations: list[Operation], status: int, seconds: float) -> None:
        """One HTTP request to the GraphQL endpoint, with the operations that ran in it."""
        # A client that went away before its answer started (status 499): not an error of ours.
        failed = "cancelled" if status == CLIENT_CLOSED_REQUEST else "error"
        if not operations:
            if status >= 400:  # refused before GraphQL: no token, a body that is not GraphQL
                self.child(self.requests, "none", "none", failed).inc()
                self.child(self.request_duration, "none", failed).observe(seconds)
            return  # otherwise the GraphiQL page: not a GraphQL request
        for op in operations:
            outcome = failed if status >= 400 else op.outcome
            requests, duration = self.request_series(self.operation_label(op), op.type, outcome)
            requests.inc()
            duration.observe(seconds)
            for code in op.error_codes:
                self.child(self.errors, code if _CODE.fullmatch(code) else "OTHER").inc()

    def operation_label(self, op: Operation) -> str:
        """The operation's name if it is one of the first `max_operations` names seen."""
        if not op.executed:
            return "invalid"
        if op.name is None:
            return "anonymous"
        if op.name in self._operations:
            return op.name
        if len(op.name) > _MAX_NAME or len(self._operations) >= self._max_operations:
            return "other"
        self._operations.add(op.name)
        return op.name

    def child(self, metric: M, *values: str) -> M:
        """`metric.labels(*values)`, remembered: label sets are bounded, and prometheus-client's
        `labels` (validation, a lock) is the largest part of counting on the hot path."""
        key = (id(metric), values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return cast(M, found)

    def request_series(self, operation: str, op_type: str, outcome: str) -> tuple[Any, Any]:
        """The request counter and duration histogram of one label set, bound once: one dict
        lookup per request instead of a `labels` call (or a cache lookup) per metric."""
        key = (operation, op_type, outcome)
        found = self._request_series.get(key)
        if found is None:
            found = self._request_series[key] = (
                self.requests.labels(operation, op_type, outcome),
                self.request_duration.labels(operation, outcome),
            )
        return found

    def upstream_series(
        self, upstream: str, method: str, route: str, status_class: str, outcome: str
    ) -> tuple[Any, Any, Any]:
        """An upstream call's counter, duration histogram and budget-wait histogram, bound
        once per label set (see `request_series`)."""
        key = (upstream, method, route, status_class, outcome)
        found = self._upstream_series.get(key)
        if found is None:
            found = self._upstream_series[key] = (
                self.upstream_calls.labels(upstream, method, route, status_class, outcome),
                self.upstream_duration.labels(upstream, method, route, outcome),
                self.budget_wait.labels(upstream),
            )
        return found

    def cache_lookup(self, cache: str, result: str) -> None:
        """For read caches: `result` is `hit`, `miss` or `stale`; `cache` a fixed name."""
        self.child(self.cache_lookups, cache, result).inc()

    def scrape(self, accept: str = "") -> tuple[bytes, str]:
        """(body, content type) in the format the scraper's `Accept` asks for (Prometheus text
        or OpenMetrics): this process, or every worker's in multiprocess mode."""
        encode, content_type = choose_encoder(accept)
        if os.environ.get(MULTIPROC_DIR):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
            registry.register(self.budgets)  # this worker's limiters, read now
            return encode(registry), content_type
        return encode(self.registry), content_type

    def process_exited(self) -> None:
        """Drops this process's live gauges from a multiprocess directory (at shutdown)."""
        if os.environ.get(MULTIPROC_DIR):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # as above


@contextmanager
def shared_by_workers(workers: int, *, enabled: bool) -> Iterator[None]:
    """Around `gateway serve`: several workers write their values to one directory, so that
    any worker's `/metrics` answers for all. `PROMETHEUS_MULTIPROC_DIR` when the operator set it
    (it must be a directory), otherwise a fresh temporary one, removed when serving ends."""
    given = os.environ.get(MULTIPROC_DIR)
    if not enabled or (workers == 1 and not given):
        yield
        return
    if given:
        if not os.path.isdir(given):
            raise ConfigError(f"{MULTIPROC_DIR}: {given!r} is not a directory")
        yield
        return
    path = tempfile.mkdtemp(prefix="gateway-metrics-")
    os.environ[MULTIPROC_DIR] = path  # the workers inherit it, before they import anything
    try:
        yield
    finally:
        del os.environ[MULTIPROC_DIR]
        shutil.rmtree(path, ignore_errors=True)


def status_class(status: int | None) -> str:
    return "none" if status is None else f"{status // 100}xx"


class WindowUsage(Protocol):
    @property
    def limit(self) -> int: ...
    @property
    def period(self) -> float: ...
    @property
    def used(self) -> int: ...


class BudgetUsage(Protocol):
    """What a rate limiter reports (`gateway.upstreams.ratelimit`'s `usage()`)."""

    @property
    def windows(self) -> Sequence[WindowUsage]: ...


class BudgetCollector(Collector):
    """Rate-limit budgets read when scraped: `gateway_upstream_budget_in_use` and
    `gateway_upstream_budget_limit` by upstream and window (its length in seconds). With several
    workers these are the answering worker's own limiters (a limiter shared through Redis
    reports the shared count)."""

    def __init__(self) -> None:
        self._sources: dict[str, Callable[[], BudgetUsage]] = {}

    def watch(self, upstream: str, usage: Callable[[], BudgetUsage]) -> None:
        self._sources[upstream] = usage

    def collect(self) -> Iterator[Metric]:
        in_use = GaugeMetricFamily(
            "gateway_upstream_budget_in_use",
            "Sends counted in the rate-limit window now, by upstream and window (seconds).",
            labels=["upstream", "window"],
        )
        limit = GaugeMetricFamily(
            "gateway_upstream_budget_limit",
            "Sends the rate-limit window allows, by upstream and window (seconds).",
            labels=["upstream", "window"],
        )
        for upstream, usage in self._sources.items():
            for window in usage().windows:
                labels = [upstream, f"{window.period:g}"]
                in_use.add_metric(labels, window.used)
                limit.add_metric(labels, window.limit)
        yield in_use
        yield limit
