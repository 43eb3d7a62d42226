"""CareHQ's per-key budget, followed from the `X-CareHQ-RateLimit-*` headers of its answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from gateway.upstreams.ratelimit import WaitExceedsDeadline

__all__ = ["RateLimitState"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimitState:
    """CareHQ's per-key budget as last reported by its `X-CareHQ-RateLimit-*` headers.

    `limit` is requests per second for the key, `remaining` what is left of it, `reset` the
    epoch time (seconds, float, so `time.time`) when it refills. Between answers we spend the
    budget locally, so a burst of concurrent calls waits for the reset instead of collecting
    429s. Unknown values (no response yet, unparsable headers) never block a request.
    """

    LIMIT_HEADER = "X-CareHQ-RateLimit-Limit"
    REMAINING_HEADER = "X-CareHQ-RateLimit-Remaining"
    RESET_HEADER = "X-CareHQ-RateLimit-Reset"

    def __init__(self, *, clock: Clock = time.time, sleep: Sleep = asyncio.sleep) -> None:
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        self._clock = clock
        self._sleep = sleep

    def observe(self, headers: Mapping[str, str]) -> None:
        """Record the headers of any response (errors and 429s included)."""
        limit = _number(headers.get(self.LIMIT_HEADER))
        remaining = _number(headers.get(self.REMAINING_HEADER))
        reset = _number(headers.get(self.RESET_HEADER))
        if limit is not None:
            self.limit = int(limit)
        if remaining is not None:
            self.remaining = int(remaining)
        if reset is not None:
            self.reset = reset

    def seconds_to_reset(self) -> float | None:
        """Seconds until the budget refills, if the upstream told us and it is in the future."""
        if self.reset is None:
            return None
        wait = self.reset - self._clock()
        return wait if wait > 0 else None

    @asynccontextmanager
    async def slot(self, budget: float | None, write: bool = False) -> AsyncIterator[None]:
        """`acquire` as the send loop's slot hook (CareHQ treats reads and writes alike)."""
        await self.acquire(budget)
        yield

    async def acquire(self, budget: float | None) -> None:
        """Spend one request of the budget, first waiting for the reset if it is used up.

        `budget` is how many seconds the caller can still wait (None = unbounded); if the reset
        is further away, raise `WaitExceedsDeadline` at once rather than sleep in vain.
        """
        if self.remaining is not None and self.remaining <= 0:
            wait = self.seconds_to_reset()
            if wait is not None:
                if budget is not None and wait > budget:
                    raise WaitExceedsDeadline(wait)
                logger.debug("CareHQ rate limit spent: waiting %.3f s for the reset", wait)
                await self._sleep(wait)
            # The budget has refilled; the next answer tells us by how much.
            self.remaining = None
        elif self.remaining is not None:
            self.remaining -= 1


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        logger.debug("ignoring an unparsable rate-limit header value")
        return None
