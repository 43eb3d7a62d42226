"""What the send loop reports about each upstream call, for metrics and traces.

The upstream layer only describes its calls; `gateway.observability.upstream` turns that into
Prometheus counters and OpenTelemetry spans. A call is described by its route TEMPLATE
(`/v1/bookings/{id}`), never its path or query string: those carry ids and filter values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from .errors import Upstream

__all__ = ["NOT_OBSERVED", "CallObserver", "CallStats", "Routes"]

OTHER_ROUTE = "other"


@dataclass(slots=True)
class CallStats:
    """One logical call as the send loop saw it: `status` of the last answer (None: none came),
    `retries` (attempts after the first), `budget_wait` (seconds spent waiting for the
    client-side rate limiter)."""

    upstream: Upstream
    method: str
    route: str
    status: int | None = None
    retries: int = 0
    budget_wait: float = 0.0


class CallObserver(Protocol):
    def call(self, stats: CallStats) -> AbstractContextManager[None]:
        """Wraps one logical call; `stats` is filled in while it runs, and an exception leaving
        the block is the call's outcome."""

    def waiting_for_budget(self, upstream: Upstream, delta: int) -> None:
        """+1 when a request starts waiting for the rate limiter, -1 when it stops."""


class _NotObserved:
    @contextmanager
    def call(self, stats: CallStats) -> Iterator[None]:
        yield

    def waiting_for_budget(self, upstream: Upstream, delta: int) -> None:
        pass


NOT_OBSERVED: CallObserver = _NotObserved()


class Routes:
    """An upstream's route templates, e.g. `("/v1/bookings", "/v1/bookings/{id}")`: maps a
    request path to its template. Templates are tried in order; a path matching none is
    `other`, so an unexpected path can never become a label."""

    def __init__(self, templates: Sequence[str]) -> None:
        self._patterns = [
            (re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(t))), t) for t in templates
        ]

    def template(self, path: str) -> str:
        path = path.split("?", 1)[0]
        for pattern, template in self._patterns:
            if pattern.fullmatch(path):
                return template
        return OTHER_ROUTE
