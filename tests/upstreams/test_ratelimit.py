"""Client-side rate limiting: Bedful's sliding windows and CareHQ's header-driven budget."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.upstreams.ratelimit import RateLimitState, SlidingWindowLimiter, WaitExceedsDeadline

from .builders import FakeClock, max_in_any_window


def test_window_counter() -> None:
    assert max_in_any_window([0, 0.5, 0.99, 1.0, 1.5], 1.0) == 3
    assert max_in_any_window([0, 1, 2], 1.0) == 1


async def test_both_windows_hold_for_a_burst_of_250() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(margin=0.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def one() -> None:
        await limiter.acquire(None)
        sent.append(clock())

    await asyncio.gather(*(one() for _ in range(250)))
    assert len(sent) == 250
    assert max_in_any_window(sent, 1.0) == 5
    assert max_in_any_window(sent, 60.0) == 100
    # Not slower than needed: the 101st send waits for the first minute to pass, no more.
    assert sorted(sent)[100] == pytest.approx(60.0)


async def test_margin_widens_every_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((2, 1.0),), margin=0.25, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await limiter.acquire(None)
    assert clock() == pytest.approx(1.25)


async def test_first_come_first_served() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def one(n: int) -> None:
        await limiter.acquire(None)
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(10)))
    assert order == list(range(10))


async def test_a_wait_past_the_deadline_is_refused_and_takes_no_slot() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((2, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire(None)
    await limiter.acquire(None)
    with pytest.raises(WaitExceedsDeadline) as caught:
        await limiter.acquire(deadline=0.5)
    assert caught.value.wait == pytest.approx(1.0)
    await limiter.acquire(deadline=1.0)  # the refused call did not take the slot at 1.0
    assert clock() == pytest.approx(1.0)


async def test_real_time_concurrent_callers_are_spaced() -> None:
    limiter = SlidingWindowLimiter(((3, 0.05),), margin=0.0)
    sent: list[float] = []

    async def one() -> None:
        await limiter.acquire(time.monotonic() + 5)
        sent.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(9)))
    assert len(sent) == 9
    assert time.monotonic() - started >= 0.1  # three bursts: at 0, 0.05 and 0.1 s


def test_windows_are_validated() -> None:
    with pytest.raises(ValueError, match="windows"):
        SlidingWindowLimiter(((0, 1.0),))
    with pytest.raises(ValueError, match="windows"):
        SlidingWindowLimiter(())


# -- CareHQ's headers ----------------------------------------------------------------------


class Wall(FakeClock):
    def __init__(self, now: float) -> None:
        super().__init__()
        self.now = now
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await super().sleep(seconds)


def headers(limit: str, remaining: str, reset: str) -> dict[str, str]:
    return {
        "X-CareHQ-RateLimit-Limit": limit,
        "X-CareHQ-RateLimit-Remaining": remaining,
        "X-CareHQ-RateLimit-Reset": reset,
    }


async def test_unknown_budget_never_blocks() -> None:
    wall = Wall(100.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    await state.acquire(budget=0.0)
    state.observe({"X-CareHQ-RateLimit-Remaining": "many"})
    await state.acquire(budget=0.0)
    assert wall.slept == []
    assert state.remaining is None


async def test_spent_budget_waits_until_reset() -> None:
    wall = Wall(100.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    state.observe(headers("5", "0", "100.4"))
    await state.acquire(budget=1.0)
    assert wall.slept == [pytest.approx(0.4)]


async def test_a_reset_already_past_does_not_wait() -> None:
    wall = Wall(100.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    state.observe(headers("5", "0", "99.0"))
    await state.acquire(budget=1.0)
    assert wall.slept == []


async def test_a_reset_past_the_budget_is_refused() -> None:
    wall = Wall(100.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    state.observe(headers("5", "0", "103"))
    with pytest.raises(WaitExceedsDeadline) as caught:
        await state.acquire(budget=2.0)
    assert caught.value.wait == pytest.approx(3.0)
    assert wall.slept == []


async def test_budget_is_spent_locally_between_answers() -> None:
    wall = Wall(100.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    state.observe(headers("5", "2", "100.5"))
    await state.acquire(None)
    await state.acquire(None)
    assert wall.slept == []
    await state.acquire(None)  # the third concurrent call would overrun: it waits
    assert wall.slept == [pytest.approx(0.5)]
