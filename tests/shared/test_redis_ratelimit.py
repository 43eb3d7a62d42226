"""The Bedful budget shared through a real Redis: two limiters on one key stand for two gateway
processes. Send times are the ones Redis recorded (`Answers`): the clock the limiter decides on,
not when the callers happened to run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from gateway.shared.connection import SharedRedis
from gateway.shared.ratelimit import (
    IN_FLIGHT_BOUND_SECONDS,
    RedisSlidingWindowLimiter,
    fallback_share,
)
from gateway.upstreams.ratelimit import Priority, WaitExceedsDeadline
from tests.redis_server import RedisServer
from tests.upstreams.builders import SteppedClock

WINDOW = (3, 0.5)  # 3 sends in any half second: short enough for real time


@pytest.fixture
async def two_processes(redis_url: str) -> AsyncIterator[list[RedisSlidingWindowLimiter]]:
    clients = [SharedRedis.from_url(redis_url, display="test") for _ in range(2)]
    yield [
        RedisSlidingWindowLimiter(client, key="budget", windows=(WINDOW,), margin=0.0)
        for client in clients
    ]
    for client in clients:
        await client.aclose()


async def send(limiter: RedisSlidingWindowLimiter, **kwargs: object) -> None:
    async with limiter.slot(10.0, **kwargs):  # type: ignore[arg-type]
        pass


class Answers:
    """When each send's answer arrived on Redis's clock: the score the limiter gives a send once
    its answer is back (a send counts until one period after it), read from the sorted set right
    after each send, before the window could drop it."""

    def __init__(self, redis_url: str) -> None:
        self._redis = SharedRedis.from_url(redis_url, display="test")
        self.at: dict[str, float] = {}  # send id -> answer time

    async def send(
        self, limiter: RedisSlidingWindowLimiter, done: list[str], **kwargs: object
    ) -> None:
        await send(limiter, **kwargs)
        seconds, micros = await self._redis.client.time()
        now = seconds + micros / 1_000_000
        for member, score in await self._redis.client.zrange("budget", 0, -1, withscores=True):
            if score <= now:  # answered: a send in flight is scored IN_FLIGHT_BOUND ahead
                self.at.setdefault(member, score)
        done.append("sent")

    async def aclose(self) -> None:
        await self._redis.aclose()


def most_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max(sum(start <= t < start + period for t in times) for start in times)


def test_each_window_is_cut_into_shares_that_never_add_up_to_more() -> None:
    assert fallback_share([(5, 1.0), (100, 60.0)], 1) == [(5, 1.0), (100, 60.0)]
    assert fallback_share([(5, 1.0), (100, 60.0)], 2) == [(2, 1.0), (50, 60.0)]
    assert fallback_share([(5, 1.0), (100, 60.0)], 6) == [(1, 2.0), (16, 60.0)]
    for processes in range(1, 40):
        for (limit, period), (share, over) in zip(
            [(5, 1.0), (100, 60.0)], fallback_share([(5, 1.0), (100, 60.0)], processes), strict=True
        ):
            assert share * processes * period / over <= limit


async def test_two_processes_together_never_exceed_the_window(
    redis_url: str, two_processes: list[RedisSlidingWindowLimiter]
) -> None:
    # Full use: with sends held in flight (they count until their answer, however slow the
    # machine), the two processes together get the whole window at once, and not one more.
    assert await held_at_once(two_processes, WINDOW[0] + 1) == WINDOW[0]
    answers, sent = Answers(redis_url), []
    await asyncio.gather(*(answers.send(two_processes[i % 2], sent) for i in range(12)))
    assert len(sent) == 12
    assert len(answers.at) == 12
    assert most_in_any_window(list(answers.at.values()), WINDOW[1]) <= WINDOW[0]  # never more
    await answers.aclose()


async def held_at_once(
    limiters: list[RedisSlidingWindowLimiter], asks: int, priority: Priority = Priority.READ
) -> int:
    """How many of `asks` sends, asked one after another from the limiters in turn and held in
    flight meanwhile, get a slot without waiting (the others are refused on Redis's answer)."""
    async with AsyncExitStack() as held:
        return await hold(held, limiters, asks, priority)


async def hold(
    held: AsyncExitStack,
    limiters: list[RedisSlidingWindowLimiter],
    asks: int,
    priority: Priority = Priority.READ,
) -> int:
    """As `held_at_once`, the sends held until `held` closes."""
    granted = 0
    for ask in range(asks):
        try:
            await held.enter_async_context(
                limiters[ask % len(limiters)].slot(0.0, priority=priority)
            )
        except WaitExceedsDeadline:
            continue
        granted += 1
    return granted


async def test_a_send_in_flight_counts_until_its_answer_then_for_a_period(
    redis_url: str, two_processes: list[RedisSlidingWindowLimiter]
) -> None:
    """Times as Redis recorded them (its sorted set of sends): the waiting send was granted a
    whole period after the first answer that freed a slot, on Redis's clock."""
    first, second = two_processes
    answered = asyncio.Event()
    granted: list[float] = []
    redis = SharedRedis.from_url(redis_url, display="test")

    async def slow_send() -> None:
        async with first.slot(10.0):
            await answered.wait()

    async def waiting_send() -> None:
        async with second.slot(10.0):
            sends = await redis.client.zrange("budget", 0, -1, withscores=True)
            # in flight: scored by its grant plus the in-flight bound, the latest by far
            granted.append(max(score for _, score in sends) - IN_FLIGHT_BOUND_SECONDS)

    slow = [asyncio.create_task(slow_send()) for _ in range(3)]
    await asyncio.sleep(0.7)  # longer than the window: in flight, they still count
    waiting = asyncio.create_task(waiting_send())
    await asyncio.sleep(0.3)
    assert granted == []
    answered.set()
    await asyncio.gather(*slow)
    answers = [score for _, score in await redis.client.zrange("budget", 0, -1, withscores=True)]
    assert len(answers) == 3
    await waiting
    (grant,) = granted
    first_answer = min(answers)
    assert grant >= first_answer + WINDOW[1] - 1e-6  # a period after the answers (float slack)
    await redis.aclose()


async def test_a_wait_past_the_deadline_is_refused_at_once(
    redis_url: str, two_processes: list[RedisSlidingWindowLimiter]
) -> None:
    """Redis's first answer says the next slot is past the deadline: refused on it (one run of
    the grant script, the window's wait reported), not after waiting out the deadline."""
    first, second = two_processes
    await asyncio.gather(*(send(first) for _ in range(3)))
    redis = SharedRedis.from_url(redis_url, display="test")
    answers = [score for _, score in await redis.client.zrange("budget", 0, -1, withscores=True)]
    asked = await grant_runs(redis)
    before = await redis_now(redis)
    with pytest.raises(WaitExceedsDeadline) as caught:
        async with second.slot(0.05):
            pytest.fail("granted over the limit")
    after = await redis_now(redis)
    assert await grant_runs(redis) == asked + 1
    # The window's wait, not a poll's: until the oldest answer leaves the window, as Redis saw
    # it at the refusal, which came between `before` and `after` on Redis's clock.
    frees = min(answers) + WINDOW[1]
    assert frees - after - 1e-6 <= caught.value.wait <= frees - before + 1e-6
    await redis.aclose()


async def redis_now(redis: SharedRedis) -> float:
    """Redis's clock, the one the limiter decides on."""
    seconds, micros = await redis.client.time()
    return float(seconds) + micros / 1_000_000


async def grant_runs(redis: SharedRedis) -> int:
    """How many Lua scripts Redis has run so far (the limiter runs one per ask)."""
    stats = await redis.client.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


async def test_writes_keep_a_reserve_that_reads_of_any_process_cannot_take(
    redis_url: str,
) -> None:
    clients = [SharedRedis.from_url(redis_url, display="test") for _ in range(2)]
    reader, writer = (
        RedisSlidingWindowLimiter(c, key="budget", windows=(WINDOW,), write_reserve=1, margin=0)
        for c in clients
    )
    async with AsyncExitStack() as flood:  # reads held in flight: they count however long
        assert await hold(flood, [reader], 6) == 2  # reads use at most limit - reserve
        # The write gets the reserved slot on Redis's first answer: it does not wait.
        assert await held_at_once([writer], 1, Priority.WRITE) == 1
    for client in clients:
        await client.aclose()


async def test_without_redis_each_process_keeps_to_its_share(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis stopped at 0 on a stepped clock: the share waits for the shared window's last sends
    to leave it, then keeps to half of the window."""
    client = SharedRedis.from_url(own_redis_server.url, display="test", retry_seconds=0)
    clock = SteppedClock()
    limiter = RedisSlidingWindowLimiter(
        client,
        key="budget",
        windows=((4, 0.5),),
        margin=0.0,
        processes=2,
        clock=clock,
        sleep=clock.sleep,
    )
    own_redis_server.stop()
    caplog.set_level(logging.INFO, logger="gateway.redis")
    sent: list[float] = []

    async def send_at() -> None:
        async with limiter.slot(10.0):
            sent.append(clock())

    await clock.run(asyncio.gather(*(send_at() for _ in range(6))))
    assert most_in_any_window(sent, 0.5) == 2  # half of 4
    assert min(sent) >= 0.5  # after the shared window's last sends have left it
    assert caplog.text.count("Bedful budget: Redis is unavailable") == 1  # logged once
    await client.aclose()


async def test_when_redis_answers_again_the_process_shares_the_whole_window_again(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = SharedRedis.from_url(own_redis_server.url, display="test", retry_seconds=0)
    limiter = RedisSlidingWindowLimiter(
        client, key="budget", windows=((4, 0.5),), margin=0.0, processes=2
    )
    own_redis_server.stop()
    caplog.set_level(logging.INFO, logger="gateway.redis")
    await send(limiter)  # on this process's share
    own_redis_server.start()
    # The whole window again (4 held at once, where this process's share was 2), not one more.
    assert await held_at_once([limiter], 5) == 4
    assert "Bedful budget: shared through Redis again" in caplog.text
    assert limiter.usage().windows[0].used > 0  # counts as Redis reported them
    await client.aclose()


async def test_a_slot_granted_to_a_caller_cancelled_meanwhile_is_withdrawn(
    own_redis_server: RedisServer,
) -> None:
    client = SharedRedis.from_url(own_redis_server.url, display="test")
    limiter = RedisSlidingWindowLimiter(client, key="budget", windows=(WINDOW,), margin=0.0)
    await send(limiter)  # connected, script loaded
    own_redis_server.pause()  # the next grant waits in Redis's socket...
    waiting = asyncio.create_task(send(limiter))
    await asyncio.sleep(0.2)
    waiting.cancel()  # ...and its caller gives up
    own_redis_server.resume()  # Redis runs the script: granted to nobody
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await client.client.zcard("budget") == 1  # only the first send counts
    await client.aclose()
