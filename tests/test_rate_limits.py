"""The gateway keeps Bedful under its published limits by itself: a burst waits, never fails.

The gateway's Bedful budget and the sandbox's (its 429s, its record of when calls arrived) run
on one fake clock that the test moves from wake-up to wake-up: seconds of Bedful's pace take no
real time. The same over real HTTP and real time, across processes sharing the budget through
Redis: tests/test_processes_redis.py."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from gateway.sandbox import Sandbox
from tests.conftest import make_settings, start_gateway
from tests.upstreams.builders import SteppedClock, max_in_any_window, settle


def on_clock(sandbox: Sandbox) -> SteppedClock:
    """A fake clock for the sandbox's Bedful (its rate limit on, counting and recording on the
    clock); pass it and its `sleep` to `start_gateway`."""
    clock = SteppedClock()
    sandbox.bedful.rate_limits = True  # the sandbox answers 429 over 5/s or 100/min
    sandbox.bedful.limiter.clock = clock
    sandbox.bedful.monotonic = clock
    return clock


async def test_a_burst_of_50_bedful_reads_stays_under_5_per_second(sandbox: Sandbox) -> None:
    clock = on_clock(sandbox)
    ids = sorted(sandbox.bedful.store.bookings)[:50]
    document = (
        "{ "
        + " ".join(f'b{i}: bedfulBooking(id: "{id_}") {{ id }}' for i, id_ in enumerate(ids))
        + " }"
    )
    settings = make_settings(
        bedful_requests_per_second=5,
        bedful_requests_per_minute=100,
        bedful_timeout_seconds=30,
        gateway_max_aliases=60,
    )
    async for gateway in start_gateway(sandbox, settings, clock=clock, sleep=clock.sleep):
        query = asyncio.ensure_future(gateway.data(document))
        await clock.run(query)
        data = query.result()
    assert sorted(int(booking["id"]) for booking in data.values()) == ids
    calls = sandbox.bedful.calls("GET")
    assert len(calls) == 50
    assert {call.status for call in calls} == {200}, "the sandbox answered 429"
    arrivals = sorted(call.at for call in calls)
    busiest_second = max(
        sum(1 for other in arrivals if start <= other < start + 1.0) for start in arrivals
    )
    assert busiest_second <= 5


async def test_a_stalled_event_loop_does_not_make_a_burst(sandbox: Sandbox) -> None:
    """Bedful reads are waiting for slots when a CPU-bound stretch blocks the loop for 2.5 s
    (the clock jumps past every waiter's wake-up at once). When it ends, the waiters re-check
    the windows: Bedful never sees more than 5 in a second."""
    clock = on_clock(sandbox)
    ids = sorted(sandbox.bedful.store.bookings)[:15]
    document = (
        "{ "
        + " ".join(f'b{i}: bedfulBooking(id: "{id_}") {{ id }}' for i, id_ in enumerate(ids))
        + " }"
    )
    settings = make_settings(
        bedful_requests_per_second=5, bedful_requests_per_minute=100, bedful_timeout_seconds=30
    )
    async for gateway in start_gateway(sandbox, settings, clock=clock, sleep=clock.sleep):
        query = asyncio.ensure_future(gateway.data(document))
        await clock.run(query, stall=(0.5, 3.0))
        data = query.result()
    assert sorted(int(booking["id"]) for booking in data.values()) == ids
    calls = sandbox.bedful.calls("GET")
    assert len(calls) == 15
    assert {call.status for call in calls} == {200}, "the sandbox answered 429"
    assert max_in_any_window([call.at for call in calls], 1.0) <= 5
    # The stall did hold requests back: some arrived together once the loop ran again.
    assert max(later.at - earlier.at for earlier, later in pairwise(calls)) >= 2.4


async def test_a_cancel_is_not_held_back_by_reads_queued_for_the_budget(sandbox: Sandbox) -> None:
    """#13: writes are never starved by reads. Twelve uncached reads queue for Bedful's 5/s;
    a cancel sent after them (its check read and its update) goes out ahead of the queue, and
    the sandbox still sees no 429 and never more than 5 calls in a second."""
    clock = on_clock(sandbox)
    ids = sorted(sandbox.bedful.store.bookings)[:12]
    target: int = sandbox.bedful.store.add_booking(
        starts_at="2031-05-01", ends_at="2031-05-03", status=100
    )["id"]
    reads = (
        "{ "
        + " ".join(f'b{i}: bedfulBooking(id: "{id_}") {{ id }}' for i, id_ in enumerate(ids))
        + " }"
    )
    cancel = "mutation Cancel($id: ID!) { cancelBedfulBooking(id: $id) { id status } }"
    settings = make_settings(
        bedful_requests_per_second=5,
        bedful_requests_per_minute=100,
        bedful_timeout_seconds=30,
        gateway_bedful_max_staleness_seconds=0,
    )
    async for gateway in start_gateway(sandbox, settings, clock=clock, sleep=clock.sleep):
        queued = asyncio.ensure_future(gateway.data(reads))
        await settle()
        assert sandbox.bedful.requests, "the reads have started"
        cancelling = asyncio.ensure_future(gateway.data(cancel, {"id": str(target)}))
        await clock.run(cancelling)
        cancelled = cancelling.result()
        assert not queued.done(), "the reads must still be queued when the cancel is answered"
        await clock.run(queued)
        data = queued.result()
    assert cancelled["cancelBedfulBooking"]["status"] == "CANCELLED"
    assert len(data) == 12
    calls = sorted(sandbox.bedful.requests, key=lambda call: call.at)
    assert {call.status for call in calls} == {200}, "the sandbox answered 429"
    assert max_in_any_window([call.at for call in calls], 1.0) <= 5
    order = [call.path for call in calls]
    update = order.index(f"/bookings/{target}/update")
    # Both of the cancel's calls come before most of the twelve queued reads.
    assert order.index(f"/bookings/{target}") < update < 8, order
