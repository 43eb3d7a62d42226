"""Fan-out is bounded and stops with its request (#11: 100,000 `siteIds` made one Bedful call
each, and calls still went out 9 s after the answer)."""

from __future__ import annotations

import asyncio

from gateway.sandbox import Sandbox
from gateway.schema.stays.queries import MAX_SITE_IDS
from tests.conftest import Gateway, make_settings, start_gateway
from tests.upstreams.builders import SteppedClock

STAYS = """
query Stays($sites: [ID!]) {
  stays(from: "2026-01-01", to: "2026-02-01", systems: [BEDFUL], siteIds: $sites) { id }
}
"""


async def test_too_many_site_ids_are_refused_before_any_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    for count in (MAX_SITE_IDS + 1, 5000):
        body = await gateway.execute(STAYS, {"sites": [str(n) for n in range(1, count + 1)]})
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "siteIds" in error["extensions"]["fields"]
    assert sandbox.bedful.requests == []
    await gateway.data(STAYS, {"sites": [str(n) for n in range(1, MAX_SITE_IDS + 1)]})
    assert len(sandbox.bedful.requests) == MAX_SITE_IDS


async def test_a_failed_site_call_cancels_the_calls_not_sent_yet(sandbox: Sandbox) -> None:
    """At Bedful's pace the 20 site calls would take 5 s; the first one fails, the request is
    answered with that failure, and none of the others is ever sent (the gateway's Bedful budget
    runs on a fake clock that the test moves on 2.5 s past the answer)."""
    sandbox.bedful.inject("error", status=400, times=1)
    settings = make_settings(bedful_requests_per_second=5, bedful_requests_per_minute=100)
    clock = SteppedClock()
    async for gateway in start_gateway(sandbox, settings, clock=clock, sleep=clock.sleep):
        answer = asyncio.ensure_future(
            gateway.execute(STAYS, {"sites": [str(n) for n in range(1, 21)]})
        )
        await clock.run(answer)
        assert answer.result()["errors"][0]["extensions"]["upstream"] == "BEDFUL"
        seen_at_answer = len(sandbox.bedful.requests)
        # long enough for the next two windows' calls to go out
        await clock.run(asyncio.ensure_future(clock.sleep(2.5)))
    assert seen_at_answer <= 4  # the first second's reads (one slot is kept for writes)
    assert len(sandbox.bedful.requests) == seen_at_answer
