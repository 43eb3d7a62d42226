"""Client-side rate limiting of Bedful: the gateway stays under its published limits by itself.

Bedful allows 5 requests per second AND 100 per minute per key, publishes no rate-limit headers,
and the key is shared by every user of the gateway, so we count our own sends. (CareHQ reports
its budget in headers: `carehq.ratelimit.RateLimitState`.)

`RateLimiter` is the seam: the upstream client asks for a `slot` around every attempt and never
knows how slots are counted. `SlidingWindowLimiter` counts in this process; a limiter shared by
several processes (Redis) implements the same Protocol.

The guarantee must not depend on the event loop being responsive. A limiter that books a send
time and then sleeps until it breaks when the loop stalls (a CPU-heavy document): every sleeper
wakes late, at once, and sends together. Here a slot is granted only by a check against the clock
at the moment the caller is about to send, and a send counts from that moment until one period
after its answer arrived: we cannot see when the bytes left, only that they left in between, so
a send delayed after its grant (the loop stalled again) still counts in every window it could
fall in. Whatever the scheduling, no window ever holds more sends than its limit.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

__all__ = [
    "LimiterUsage",
    "Priority",
    "RateLimiter",
    "SlidingWindowLimiter",
    "WaitExceedsDeadline",
    "WindowUsage",
]

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class WaitExceedsDeadline(Exception):
    """No slot can be had before the caller's deadline; `wait` is the seconds to the estimated
    next free slot (what a client should wait before trying again)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"next free slot in {wait:.3f} s is past the deadline")
        self.wait = wait


class Priority(IntEnum):
    """Who is served first when callers wait. Writes go ahead of every waiting read, and a
    reserve of each window is kept for them, so a read flood never starves a create or cancel."""

    WRITE = 0
    READ = 1


@dataclass(frozen=True, slots=True)
class WindowUsage:
    """One window: at most `limit` sends in any `period` seconds; `used` of them are counted now
    (sends in flight included)."""

    limit: int
    period: float
    used: int


@dataclass(frozen=True, slots=True)
class LimiterUsage:
    """What a limiter can report to metrics: the windows, sends in flight, and callers waiting
    for a slot (`waiting_writes` of them writes)."""

    windows: tuple[WindowUsage, ...]
    in_flight: int
    waiting: int
    waiting_writes: int


class RateLimiter(Protocol):
    """A shared send budget. Use as::

        async with limiter.slot(seconds_left, priority=Priority.READ):
            response = await send()          # send at once: the slot is counted from now

    Entering raises `WaitExceedsDeadline` when no slot can be had within `max_wait` seconds
    (None: wait as long as it takes), at once when that is already certain. Leaving tells the
    limiter the answer arrived (or the attempt failed). A caller cancelled while waiting takes
    no slot.
    """

    def slot(
        self, max_wait: float | None, *, priority: Priority = Priority.READ
    ) -> AbstractAsyncContextManager[None]: ...

    def usage(self) -> LimiterUsage:
        """A snapshot for gauges; cheap and never blocking."""
        ...


@dataclass(eq=False, slots=True)
class _Send:
    start: float
    end: float | None = None  # None while in flight: it counts in every window until it ends

    def expiry(self, period: float) -> float:
        """When this send stops counting in a window of `period` seconds."""
        return math.inf if self.end is None else self.end + period


@dataclass(eq=False, slots=True)
class _Waiter:
    priority: Priority
    seq: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def order(self) -> tuple[int, int]:
        return (self.priority, self.seq)


class SlidingWindowLimiter:
    """At most `limit` sends in any `period` seconds, for every `(limit, period)` window at once,
    counted in this process (share ONE per upstream key).

    Callers wait in one queue, writes before reads, first come first served within each. Only the
    head of the queue watches the clock: it sleeps until a slot should be free, then checks again
    at the actual time and takes the slot only if it is free now (so a late wake-up never sends
    into a full window); it then wakes the next caller. `write_reserve` slots of every window are
    kept for writes (reads use at most `limit - write_reserve`, and at least 1). `margin` seconds
    widen every window to absorb the jitter between our clock and the upstream's count.

    `clock` and `sleep` are injectable for tests (time in seconds; `time.monotonic` and
    `asyncio.sleep` by default). `max_wait` is also enforced on the event loop's own clock, so a
    caller stuck behind others never waits past it.
    """

    def __init__(
        self,
        windows: Sequence[tuple[int, float]] = ((5, 1.0), (100, 60.0)),
        *,
        write_reserve: int = 0,
        margin: float = 0.05,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not windows or any(limit < 1 or period <= 0 for limit, period in windows):
            raise ValueError(f"invalid rate-limit windows: {windows!r}")
        if write_reserve < 0 or margin < 0:
            raise ValueError("write_reserve and margin must be >= 0")
        # (limit, published period, period we count over)
        self._windows = tuple((limit, period, period + margin) for limit, period in windows)
        self._horizon = max(counted for _, _, counted in self._windows)
        self._reserve = write_reserve
        self._clock = clock
        self._sleep = sleep
        self._sends: list[_Send] = []
        self._queue: list[_Waiter] = []
        self._seq = itertools.count()

    @asynccontextmanager
    async def slot(
        self, max_wait: float | None, *, priority: Priority = Priority.READ
    ) -> AsyncIterator[None]:
        """See `RateLimiter.slot`."""
        send = await self._grant(max_wait, priority)
        try:
            yield
        finally:
            send.end = self._clock()
            self._wake_head()  # a slot held only by a send in flight may count down from now

    def usage(self) -> LimiterUsage:
        now = self._clock()
        self._prune(now)
        windows = tuple(
            WindowUsage(limit, period, sum(s.expiry(counted) > now for s in self._sends))
            for limit, period, counted in self._windows
        )
        return LimiterUsage(
            windows=windows,
            in_flight=sum(s.end is None for s in self._sends),
            waiting=len(self._queue),
            waiting_writes=sum(w.priority is Priority.WRITE for w in self._queue),
        )

    async def _grant(self, max_wait: float | None, priority: Priority) -> _Send:
        now = self._clock()
        deadline = None if max_wait is None else now + max_wait
        waiter = _Waiter(priority, next(self._seq))
        position = bisect.bisect(self._queue, waiter.order, key=lambda w: w.order)
        ahead = [w.priority for w in self._queue[:position]]
        at = self._estimate(now, [*ahead, priority], deadline)
        if deadline is not None and at > deadline:
            raise WaitExceedsDeadline(at - now)
        self._queue.insert(position, waiter)
        try:
            async with asyncio.timeout(max_wait):
                return await self._wait_turn(waiter, deadline)
        except TimeoutError:
            now = self._clock()
            raise WaitExceedsDeadline(max(0.0, self._free_at(now, priority) - now)) from None
        finally:
            head = self._queue[0] is waiter
            self._queue.remove(waiter)
            if head:
                self._wake_head()

    async def _wait_turn(self, waiter: _Waiter, deadline: float | None) -> _Send:
        while True:
            now = self._clock()
            if self._queue[0] is waiter:
                free_at = self._free_at(now, waiter.priority)
                if free_at <= now:
                    send = _Send(now)
                    self._sends.append(send)
                    return send
                if deadline is not None and deadline < free_at < math.inf:
                    raise WaitExceedsDeadline(free_at - now)
                if free_at < math.inf:
                    logger.debug("rate limiter: next slot in %.3f s", free_at - now)
                    await self._sleep(free_at - now)
                    continue
                # Every counted send is still in flight: the next answer frees a slot.
            waiter.wake.clear()
            await waiter.wake.wait()

    def _wake_head(self) -> None:
        if self._queue:
            self._queue[0].wake.set()

    def _cap(self, limit: int, priority: Priority) -> int:
        return limit if priority is Priority.WRITE else max(1, limit - self._reserve)

    def _prune(self, now: float) -> None:
        self._sends = [s for s in self._sends if s.expiry(self._horizon) > now]

    def _free_at(self, now: float, priority: Priority) -> float:
        """When a slot is free in every window for this priority (inf: once a send ends)."""
        self._prune(now)
        at = now
        for limit, _, counted in self._windows:
            cap = self._cap(limit, priority)
            active = sorted(e for s in self._sends if (e := s.expiry(counted)) > now)
            if len(active) >= cap:
                at = max(at, active[len(active) - cap])
        return at

    def _estimate(self, now: float, priorities: list[Priority], deadline: float | None) -> float:
        """When the last of `priorities` (the queue up to a new caller) would get its slot, if
        the sends in flight ended now; stops early once past `deadline`."""
        self._prune(now)
        books = [
            (limit, counted, sorted(min(s.expiry(counted), now + counted) for s in self._sends))
            for limit, _, counted in self._windows
        ]
        at = now
        for priority in priorities:
            for limit, _, expiries in books:
                cap = self._cap(limit, priority)
                start = bisect.bisect_right(expiries, at)
                if len(expiries) - start >= cap:
                    at = max(at, expiries[len(expiries) - cap])
            for _, counted, expiries in books:
                bisect.insort(expiries, at + counted)
            if deadline is not None and at > deadline:
                break
        return at
