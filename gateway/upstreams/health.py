"""What the gateway knows of an upstream's availability, without spending its budget on it.

Every real call tells us something: an answer (any status but 5xx and the auth refusals) means
the upstream is up; a refused connection, a timeout, a 5xx, an unreadable answer or a refused key
means it is not. `Health` keeps the latest of these outcomes. Readiness reads it and probes the
upstream (its cheapest call) only when nothing was learnt for `interval` seconds, at most once
per interval however many readiness checks arrive: Bedful's 100 requests a minute are shared by
every user, and an open `/readyz` must not be a way to spend them.

A call our own rate limiter refused was never sent and tells nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .errors import UpstreamAuthError, UpstreamError, UpstreamUnavailable

__all__ = ["Health", "HealthReport"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """`ok`, or why not in a short, secret-free sentence; `at`: when it was learnt (clock time)."""

    ok: bool
    reason: str
    at: float


class Health:
    """One upstream's latest known state. `observe_*` are called by the send loop on every real
    call; `check()` is what readiness awaits. `probe` is the upstream's cheapest call (it goes
    through the same send loop, so its outcome is observed like any other); it is bounded by
    `probe_timeout` seconds. `clock` is injectable for tests."""

    def __init__(
        self,
        name: str,
        *,
        interval: float,
        probe_timeout: float = 5.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if interval <= 0 or probe_timeout <= 0:
            raise ValueError("interval and probe_timeout must be > 0")
        self.name = name
        self.interval = interval
        self._probe: Callable[[], Awaitable[None]] | None = None
        self._probe_timeout = probe_timeout
        self._clock = clock
        self._last: HealthReport | None = None
        self._probed_at: float | None = None
        self._probing: asyncio.Task[None] | None = None
        self.probes = 0  # probes started, for tests and metrics

    def set_probe(self, probe: Callable[[], Awaitable[None]]) -> None:
        self._probe = probe

    def observe_answer(self) -> None:
        """A real call got an answer from the upstream (whatever it said)."""
        self._last = HealthReport(True, "ok", self._clock())

    def observe_failure(self, error: UpstreamError | TimeoutError) -> None:
        """A real call got no usable answer, or the upstream refused our credentials."""
        self._last = HealthReport(False, _reason(error), self._clock())

    def observe(self, error: UpstreamError) -> None:
        """A real call ended in `error`: a failure of the upstream, or an answer it gave."""
        if isinstance(error, UpstreamUnavailable | UpstreamAuthError):
            self.observe_failure(error)
        else:  # 404, 400/422, its own 429: the upstream is there and answering
            self.observe_answer()

    @property
    def last(self) -> HealthReport | None:
        return self._last

    async def check(self) -> HealthReport:
        """The state learnt within the last `interval`, or else the outcome of a probe (one at
        a time, at most one per interval: concurrent checks share it)."""
        now = self._clock()
        fresh = self._last is not None and now - self._last.at < self.interval
        probed_recently = self._probed_at is not None and now - self._probed_at < self.interval
        if self._probing is None and not fresh and not probed_recently:
            if self._probe is None:
                raise RuntimeError(f"{self.name} health has no probe")
            self._probed_at = now
            self.probes += 1
            self._probing = asyncio.create_task(self._run_probe(self._probe))
        if self._probing is not None:
            await asyncio.shield(self._probing)
        if self._last is None:  # the probe told nothing (our own limiter had no slot)
            return HealthReport(False, "unavailable: not checked yet", now)
        return self._last

    async def _run_probe(self, probe: Callable[[], Awaitable[None]]) -> None:
        try:
            async with asyncio.timeout(self._probe_timeout):
                await probe()
        except TimeoutError as error:
            self.observe_failure(error)
        except UpstreamError:
            pass  # the send loop has observed it (or it was never sent)
        except Exception:  # a bug must not wedge readiness; say so without details
            logger.exception("%s readiness probe failed unexpectedly", self.name)
            self._last = HealthReport(False, "unavailable: probe failed", self._clock())
        finally:
            self._probing = None


def _reason(error: UpstreamError | TimeoutError) -> str:
    """A short reason made of our own words only (never an upstream body or a credential)."""
    if isinstance(error, UpstreamError):
        return f"unavailable: {type(error).__name__}: {error.message}"
    return "unavailable: no answer in time"
