"""CareHQ's header-driven budget: wait for the reset when it is spent, never past the deadline."""

from __future__ import annotations

import pytest

from gateway.upstreams.carehq.ratelimit import RateLimitState
from gateway.upstreams.ratelimit import WaitExceedsDeadline

from .builders import FakeClock


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
