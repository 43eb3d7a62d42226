"""Client-side rate limiting, so the gateway stays under the upstreams' limits by itself.

Two shapes, one per upstream:

- `SlidingWindowLimiter` (Bedful): Bedful publishes hard limits (5 requests per second AND 100
  per minute per key) but no headers and no documented 429, so we count our own sends.
- `RateLimitState` (CareHQ): CareHQ answers every request with `X-CareHQ-RateLimit-*` headers;
  we follow them, waiting for the reset when the budget is spent.

Both refuse (raise `WaitExceedsDeadline`) instead of waiting past the caller's deadline; the send
loop in `http.py` turns that into `UpstreamRateLimited` for the right upstream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence

__all__ = ["RateLimitState", "SlidingWindowLimiter", "WaitExceedsDeadline"]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class WaitExceedsDeadline(Exception):
    """The next free slot is later than the caller's deadline; `wait` is the seconds to it."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"next free slot in {wait:.3f} s is past the deadline")
        self.wait = wait


class SlidingWindowLimiter:
    """At most `limit` sends in any `period` seconds, for every `(limit, period)` window at once.

    Each `acquire` reserves the earliest instant at which a send fits in every window, counting
    all earlier reservations (including ones still sleeping), then sleeps until that instant:
    the request is counted at the moment it is sent. Reservations are made under an
    `asyncio.Lock` and never go back in time, so callers are served first come, first served.

    `margin` (seconds) widens every window a little to absorb jitter between our send and the
    upstream's own count. A reservation whose caller is cancelled while sleeping keeps its slot
    (safe: we only ever under-use the limit). `clock` and `sleep` are injectable for tests;
    deadlines are on `clock`'s time base (`time.monotonic` by default).
    """

    def __init__(
        self,
        windows: Sequence[tuple[int, float]] = ((5, 1.0), (100, 60.0)),
        *,
        margin: float = 0.05,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not windows or any(limit < 1 or period <= 0 for limit, period in windows):
            raise ValueError(f"invalid rate-limit windows: {windows!r}")
        self.clock = clock
        self._sleep = sleep
        # Per window: the send instants of its last `limit` reservations, oldest first.
        self._windows = [(period + margin, deque[float](maxlen=limit)) for limit, period in windows]
        self._last = float("-inf")
        self._lock = asyncio.Lock()

    async def acquire(self, deadline: float | None) -> None:
        """Wait until a send fits in every window; raise `WaitExceedsDeadline` if it would not
        fit before `deadline` (on `self.clock`'s time base; None = no deadline)."""
        async with self._lock:
            now = self.clock()
            at = max(now, self._last)
            for period, sent in self._windows:
                if len(sent) == sent.maxlen:
                    # Full: the oldest of the last `limit` sends must leave the window first.
                    at = max(at, sent[0] + period)
            if deadline is not None and at > deadline:
                raise WaitExceedsDeadline(at - now)
            for _, sent in self._windows:
                sent.append(at)
            self._last = at
        if at > now:
            logger.debug("rate limiter: waiting %.3f s for a slot", at - now)
            await self._sleep(at - now)


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
