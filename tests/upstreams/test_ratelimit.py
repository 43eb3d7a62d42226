"""Bedful's sliding windows: exact outcomes on a virtual clock, stalls of the event loop included."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.upstreams.ratelimit import (
    LimiterUsage,
    Priority,
    SlidingWindowLimiter,
    WaitExceedsDeadline,
    WindowUsage,
)

from .builders import FakeClock, SteppedClock, max_in_any_window, settle


def test_window_counter() -> None:
    assert max_in_any_window([0, 0.5, 0.99, 1.0, 1.5], 1.0) == 3
    assert max_in_any_window([0, 1, 2], 1.0) == 1


async def send_through(
    limiter: SlidingWindowLimiter,
    clock: FakeClock | SteppedClock,
    sent: list[float],
    *,
    priority: Priority = Priority.READ,
    takes: float = 0.0,
) -> None:
    """One caller: take a slot, "send" (recorded at the time it arrives), answer after `takes`."""
    async with limiter.slot(None, priority=priority):
        sent.append(clock())
        if takes:
            await clock.sleep(takes)


async def test_both_windows_hold_for_a_burst_of_250() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(margin=0.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    await asyncio.gather(*(send_through(limiter, clock, sent) for _ in range(250)))
    assert len(sent) == 250
    assert max_in_any_window(sent, 1.0) == 5
    assert max_in_any_window(sent, 60.0) == 100
    # Not slower than needed: the 101st send waits for the first minute to pass, no more.
    assert sorted(sent)[100] == pytest.approx(60.0)


@pytest.mark.parametrize("stall", [(0.5, 3.0), (1.2, 7.5), (30.0, 61.0)])
async def test_a_stalled_loop_never_bursts(stall: tuple[float, float]) -> None:
    """The event loop is blocked from stall[0] to stall[1]: every sleeper due meanwhile wakes at
    the same instant. Each re-checks the window and only as many as it holds send."""
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    work = asyncio.gather(*(send_through(limiter, clock, sent, takes=0.05) for _ in range(130)))
    await clock.run(work, stall=stall)
    assert len(sent) == 130
    assert max_in_any_window(sent, 1.0) == 5
    assert max_in_any_window(sent, 60.0) == 100
    # The stall did happen: five sends at its end, the instant the loop ran again.
    assert sent.count(stall[1]) == 5


async def test_a_send_delayed_after_its_slot_still_counts_until_it_is_answered() -> None:
    """The loop stalls between the grant and the request leaving: the upstream sees the request
    late. Its slot counts until one period after the answer, so nothing joins it."""
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(((2, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    arrived: list[float] = []

    async def late_sender() -> None:
        async with limiter.slot(None):
            await clock.sleep(3.0)  # stalled: the request reaches the upstream at 3.0
            arrived.append(clock())

    work = asyncio.gather(
        late_sender(), late_sender(), *(send_through(limiter, clock, arrived) for _ in range(4))
    )
    await clock.run(work)
    assert arrived == [3.0, 3.0, 4.0, 4.0, 5.0, 5.0]


async def test_first_come_first_served() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def one(n: int) -> None:
        async with limiter.slot(None):
            order.append(n)

    await asyncio.gather(*(one(n) for n in range(10)))
    assert order == list(range(10))


async def test_writes_go_before_waiting_reads_and_have_a_reserve() -> None:
    """100 reads queue up at 5/s; a write arriving at t=10 is sent at once: reads use at most
    4 of every 5 slots, and the write goes ahead of all waiting reads."""
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(write_reserve=1, margin=0.0, clock=clock, sleep=clock.sleep)
    reads: list[float] = []
    writes: list[float] = []

    async def write_at(at: float) -> None:
        await clock.sleep(at)
        await send_through(limiter, clock, writes, priority=Priority.WRITE, takes=0.2)

    work = asyncio.gather(
        *(send_through(limiter, clock, reads, takes=0.2) for _ in range(100)),
        write_at(10.0),
        write_at(10.0),
        write_at(10.5),
    )
    await clock.run(work)
    assert max_in_any_window(reads, 1.0) == 4
    assert max_in_any_window(reads + writes, 1.0) == 5
    assert max_in_any_window(reads + writes, 60.0) <= 100
    assert writes[0] == 10.0
    assert all(sent - asked < 1.0 for sent, asked in zip(writes, [10.0, 10.0, 10.5], strict=True))


async def test_usage_reports_windows_in_flight_and_waiters() -> None:
    clock = SteppedClock()
    windows = ((2, 1.0), (3, 60.0))
    limiter = SlidingWindowLimiter(windows, margin=0.0, clock=clock, sleep=clock.sleep)
    work = asyncio.gather(
        *(send_through(limiter, clock, [], takes=0.5) for _ in range(3)),
        send_through(limiter, clock, [], priority=Priority.WRITE),
    )
    await settle()
    assert limiter.usage() == LimiterUsage(
        windows=(WindowUsage(2, 1.0, 2), WindowUsage(3, 60.0, 2)),
        in_flight=2,
        waiting=2,
        waiting_writes=1,
    )
    await clock.run(work)
    # The write went at 1.5 (after the first two answers, at 0.5, left the 1 s window); the last
    # read waited for them to leave the minute window (60.5) and was answered at 61.0.
    assert clock() == 61.0
    assert limiter.usage().windows == (WindowUsage(2, 1.0, 1), WindowUsage(3, 60.0, 2))


async def test_a_wait_past_the_deadline_is_refused_and_takes_no_slot() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((2, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    for _ in range(2):
        async with limiter.slot(None):
            pass
    with pytest.raises(WaitExceedsDeadline) as caught:
        async with limiter.slot(0.5):
            pytest.fail("no slot is free before 1.0")
    assert caught.value.wait == pytest.approx(1.0)
    async with limiter.slot(1.0):  # the refused call did not take the slot at 1.0
        assert clock() == pytest.approx(1.0)


async def test_a_queue_longer_than_the_deadline_allows_is_refused_at_once() -> None:
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    queued = asyncio.gather(*(send_through(limiter, clock, []) for _ in range(5)))
    await settle()
    with pytest.raises(WaitExceedsDeadline) as caught:
        async with limiter.slot(3.5):
            pytest.fail("four callers are ahead, one per second")
    assert caught.value.wait > 3.5  # at least: the estimate stops once past the deadline
    await clock.run(queued)


async def test_a_caller_cancelled_while_waiting_takes_no_slot() -> None:
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    first = asyncio.ensure_future(send_through(limiter, clock, sent))
    second = asyncio.ensure_future(send_through(limiter, clock, sent))
    third = asyncio.ensure_future(send_through(limiter, clock, sent))
    await settle()
    second.cancel()
    await clock.run(asyncio.gather(first, third))
    assert sent == [0.0, 1.0]
    assert limiter.usage().waiting == 0


async def test_real_time_concurrent_callers_are_spaced() -> None:
    limiter = SlidingWindowLimiter(((3, 0.05),), margin=0.0)
    sent: list[float] = []

    async def one() -> None:
        async with limiter.slot(5.0):
            sent.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(9)))
    assert len(sent) == 9
    assert max_in_any_window(sent, 0.05) <= 3


def test_windows_are_validated() -> None:
    with pytest.raises(ValueError, match="windows"):
        SlidingWindowLimiter(((0, 1.0),))
    with pytest.raises(ValueError, match="windows"):
        SlidingWindowLimiter(())
