"""`RedisSlidingWindowLimiter`: Bedful's budget (5 requests per second AND 100 per minute per
key) shared by every gateway process through Redis; the `RateLimiter` of
`gateway.upstreams.ratelimit` for several processes.

It keeps that module's rule, across processes: a slot is granted by a check at the moment the
caller is about to send, and a send counts from its grant until one period after its answer
arrived. All sends of all processes are one sorted set in Redis, scored by when they stop
counting: `now + IN_FLIGHT_BOUND_SECONDS` while in flight (so a process that dies mid-call
frees its slot after that bound, not never), the arrival of the answer once it is back. One
Lua script checks every window and takes the slot atomically, on Redis's clock (`TIME`), so
the processes' own clocks do not matter.

Inside one process callers queue (writes before reads, first come first served within each)
and only the head asks Redis: it sleeps until the slot that blocks it frees, or polls every
`POLL_SECONDS` while the blocker is a send still in flight (another process's answer frees it).
`write_reserve` slots of every window are kept for writes across all processes.

Redis unavailable: the limiter falls back to a `SlidingWindowLimiter` in this process with a
conservative share of each window (`fallback_share`: 1/N of it for N gateway processes), says so
once in the log, and goes back to Redis as soon as it answers. The share starts one shortest
period after the switch, once the sends the shared window granted just before have left it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from gateway.shared.connection import COMMAND_TIMEOUT_SECONDS, SharedRedis, SharedStateUnavailable
from gateway.upstreams.ratelimit import (
    Clock,
    LimiterUsage,
    Priority,
    Sleep,
    SlidingWindowLimiter,
    WaitExceedsDeadline,
    WindowUsage,
)

__all__ = ["RedisSlidingWindowLimiter", "fallback_share"]

logger = logging.getLogger("gateway.redis")

IN_FLIGHT_BOUND_SECONDS = 130.0
"""Longer than any call can take (the upstream timeout is at most 120 s by the settings)."""
POLL_SECONDS = 0.05
"""How often the head of the queue asks again while a send in flight blocks it."""

# KEYS[1] the sends; ARGV[1] a new send's id, ARGV[2] the in-flight bound, then cap and counted
# period of every window. Answers {granted "1"/"0", seconds to wait, "1" if the blocker is in
# flight, used count of every window}.
_GRANT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local windows = (#ARGV - 2) / 2
local horizon = 0
for i = 1, windows do horizon = math.max(horizon, tonumber(ARGV[2 + 2 * i])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - horizon))
local at, in_flight, used = now, '0', {}
for i = 1, windows do
  local cap, period = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local since = '(' .. (now - period)
  local count = redis.call('ZCOUNT', KEYS[1], since, '+inf')
  used[i] = tostring(count)
  if count >= cap then
    local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES',
                              'LIMIT', count - cap, 1)
    local ends = tonumber(oldest[2])
    if ends > now then in_flight = '1' end
    at = math.max(at, ends + period)
  end
end
if at > now then return {'0', tostring(at - now), in_flight, unpack(used)} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[2]) + horizon) * 1000))
return {'1', '0', '0', unpack(used)}
"""

# KEYS[1] the sends; ARGV[1] the send whose answer arrived: it counts from now on, not longer.
_RELEASE = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
return 0
"""


def fallback_share(windows: Sequence[tuple[int, float]], processes: int) -> list[tuple[int, float]]:
    """Each window cut to a 1/`processes` share that never adds up to more than the whole:
    5/s for 2 processes is 2/s each; for 6 processes (fewer slots than processes) it is 1 per
    2 s each."""
    share = []
    for limit, period in windows:
        if limit >= processes:
            share.append((limit // processes, period))
        else:
            share.append((1, period * math.ceil(processes / limit)))
    return share


@dataclass(eq=False, slots=True)
class _Waiter:
    priority: Priority
    seq: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def order(self) -> tuple[int, int]:
        return (self.priority, self.seq)


class RedisSlidingWindowLimiter:
    """See the module docstring. `key` names the budget in Redis (one per upstream API key)."""

    def __init__(
        self,
        redis: SharedRedis,
        *,
        key: str,
        windows: Sequence[tuple[int, float]] = ((5, 1.0), (100, 60.0)),
        write_reserve: int = 0,
        margin: float = 0.05,
        processes: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not windows or any(limit < 1 or period <= 0 for limit, period in windows):
            raise ValueError(f"invalid rate-limit windows: {windows!r}")
        self._redis = redis
        self._key = key
        self._windows = tuple((limit, period, period + margin) for limit, period in windows)
        self._reserve = write_reserve
        self._grant_script = redis.client.register_script(_GRANT)
        self._release_script = redis.client.register_script(_RELEASE)
        self._share = fallback_share(windows, processes)
        self._clock = clock
        self._sleep = sleep
        self._fallback = SlidingWindowLimiter(
            self._share,
            write_reserve=min(write_reserve, 1),
            margin=margin,
            clock=clock,
            sleep=sleep,
        )
        self._processes = processes
        self._queue: list[_Waiter] = []
        self._seq = itertools.count()
        self._used: tuple[int, ...] = tuple(0 for _ in windows)
        self._in_flight = 0
        self._on_fallback = False
        self._fallback_from = 0.0  # `clock` time before which the fallback share sends nothing

    @asynccontextmanager
    async def slot(
        self, max_wait: float | None, *, priority: Priority = Priority.READ
    ) -> AsyncIterator[None]:
        """See `gateway.upstreams.ratelimit.RateLimiter.slot`."""
        deadline = None if max_wait is None else self._clock() + max_wait
        send = await self._grant(priority, deadline)
        if send is None:  # Redis is unavailable: this process's share
            # Sends the shared window granted just before the outage are not in the local one:
            # the share starts once they have left the shortest window.
            pause = self._fallback_from - self._clock()
            if pause > 0:
                if deadline is not None and self._clock() + pause > deadline:
                    raise WaitExceedsDeadline(pause)
                await self._sleep(pause)
            left = None if deadline is None else max(0.0, deadline - self._clock())
            async with self._fallback.slot(left, priority=priority):
                yield
            return
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            await self._release(send)

    def usage(self) -> LimiterUsage:
        """Counts as of the last answer from Redis (all processes), waiting callers of this one."""
        if self._on_fallback:
            return self._fallback.usage()
        return LimiterUsage(
            windows=tuple(
                WindowUsage(limit, period, used)
                for (limit, period, _), used in zip(self._windows, self._used, strict=True)
            ),
            in_flight=self._in_flight,
            waiting=len(self._queue),
            waiting_writes=sum(w.priority is Priority.WRITE for w in self._queue),
        )

    async def _grant(self, priority: Priority, deadline: float | None) -> str | None:
        waiter = _Waiter(priority, next(self._seq))
        bisect.insort(self._queue, waiter, key=lambda w: w.order)
        try:
            while self._queue[0] is not waiter:
                waiter.wake.clear()
                await self._wait(waiter.wake.wait(), deadline)
            return await self._take(priority, deadline)
        finally:
            self._queue.remove(waiter)
            if self._queue:
                self._queue[0].wake.set()

    async def _take(self, priority: Priority, deadline: float | None) -> str | None:
        """As the head of the queue: a send id once Redis grants one (None: Redis is down)."""
        send = uuid.uuid4().hex
        args: list[Any] = [send, IN_FLIGHT_BOUND_SECONDS]
        for limit, _, counted in self._windows:
            args += [
                limit if priority is Priority.WRITE else max(1, limit - self._reserve),
                counted,
            ]
        while True:
            try:
                answer = await self._ask(send, args)
            except SharedStateUnavailable:
                self._fell_back()
                return None
            if self._on_fallback:
                self._on_fallback = False
                logger.info("Bedful budget: shared through Redis again")
            granted, wait, blocked_in_flight, *used = answer
            self._used = tuple(int(count) for count in used)
            if granted == "1":
                return send
            wait_seconds = float(wait)
            if blocked_in_flight == "1":
                wait_seconds = min(wait_seconds, POLL_SECONDS)
            elif deadline is not None and self._clock() + wait_seconds > deadline:
                raise WaitExceedsDeadline(wait_seconds)
            logger.debug("shared rate limiter: asking again in %.3f s", wait_seconds)
            await self._wait(self._sleep(wait_seconds), deadline)

    async def _ask(self, send: str, args: list[Any]) -> list[str]:
        """One run of the grant script. If the caller is cancelled meanwhile, a slot Redis may
        have granted is handed back rather than left counting until its in-flight bound."""
        asking = asyncio.ensure_future(
            self._redis.run(
                "Bedful budget", lambda _: self._grant_script(keys=[self._key], args=args)
            )
        )
        try:
            answer: list[str] = await asyncio.shield(asking)
        except asyncio.CancelledError:
            done, _ = await asyncio.wait({asking}, timeout=COMMAND_TIMEOUT_SECONDS)
            if asking in done and asking.exception() is None and asking.result()[0] == "1":
                with contextlib.suppress(SharedStateUnavailable):  # else it counts a while
                    await self._redis.run("Bedful budget", lambda c: c.zrem(self._key, send))
            asking.cancel()
            raise
        return answer

    async def _wait(self, waiting: Any, deadline: float | None) -> None:
        timeout = None if deadline is None else deadline - self._clock()
        try:
            async with asyncio.timeout(timeout):
                await waiting
        except TimeoutError:
            raise WaitExceedsDeadline(POLL_SECONDS) from None

    async def _release(self, send: str) -> None:
        # Redis unavailable: the send counts until its in-flight bound, later, never earlier.
        with contextlib.suppress(SharedStateUnavailable):
            await self._redis.run(
                "Bedful budget", lambda _: self._release_script(keys=[self._key], args=[send])
            )

    def _fell_back(self) -> None:
        if not self._on_fallback:
            self._on_fallback = True
            shortest = min(counted for _, _, counted in self._windows)
            self._fallback_from = self._clock() + shortest
            logger.warning(
                "Bedful budget: Redis is unavailable; this process keeps to 1/%d of it (%s) "
                "until Redis answers again",
                self._processes,
                ", ".join(f"{limit} per {period:g} s" for limit, period in self._fallback_windows),
            )

    @property
    def _fallback_windows(self) -> list[tuple[int, float]]:
        return fallback_share(
            [(limit, period) for limit, period, _ in self._windows], self._processes
        )
