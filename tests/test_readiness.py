"""/readyz spends no shared budget: it reads what real calls taught, and probes an upstream at
most once per interval however many checks arrive (counted from what the sandboxes saw)."""

from __future__ import annotations

import asyncio

from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, start_gateway
from tests.upstreams.builders import FakeClock

MIXED = "{ rooms(perPage: 1) { items { id } } bedfulBookings(limit: 1) { id } }"


async def flood(gateway: Gateway, checks: int) -> set[int]:
    responses = await asyncio.gather(*(gateway.http.get("/readyz") for _ in range(checks)))
    return {response.status_code for response in responses}


def seen(sandbox: Sandbox) -> tuple[int, int]:
    return len(sandbox.carehq.requests), len(sandbox.bedful.requests)


async def test_concurrent_checks_make_one_probe_per_interval(sandbox: Sandbox) -> None:
    clock = FakeClock()
    settings = make_settings(gateway_readiness_interval_seconds=30)
    async for gateway in start_gateway(sandbox, settings, clock=clock):
        assert await flood(gateway, 100) == {200}
        assert seen(sandbox) == (1, 1)
        clock.now += 29.9
        assert await flood(gateway, 100) == {200}
        assert seen(sandbox) == (1, 1)
        clock.now += 0.1
        assert await flood(gateway, 100) == {200}
        assert seen(sandbox) == (2, 2)


async def test_real_calls_answer_for_readiness(sandbox: Sandbox) -> None:
    clock = FakeClock()
    settings = make_settings(
        gateway_readiness_interval_seconds=30,
        gateway_bedful_max_staleness_seconds=0,  # every query reaches Bedful (no cache)
    )
    async for gateway in start_gateway(sandbox, settings, clock=clock):
        for _ in range(5):
            clock.now += 20
            await gateway.data(MIXED)
            before = seen(sandbox)
            assert await flood(gateway, 20) == {200}
            assert seen(sandbox) == before  # the query just told: no probe


async def test_a_failed_real_call_makes_readiness_fail_without_a_probe(sandbox: Sandbox) -> None:
    clock = FakeClock()
    async for gateway in start_gateway(sandbox, make_settings(), clock=clock):
        assert await flood(gateway, 1) == {200}
        sandbox.bedful.inject("down")
        body = await gateway.execute(MIXED)
        assert body["errors"][0]["extensions"]["upstream"] == "BEDFUL"
        refused = sandbox.bedful.refused
        response = await gateway.http.get("/readyz")
        assert response.status_code == 503
        assert response.json()["bedful"].startswith("unavailable: UpstreamUnavailable")
        assert sandbox.bedful.refused == refused  # learnt from the query, not from a probe


async def test_a_readiness_flood_leaves_users_their_bedful_budget(sandbox: Sandbox) -> None:
    """The attack of #11: loops on the open /readyz while a user reads from Bedful. Bedful's
    limits are on in the sandbox and the gateway's are the real ones."""
    sandbox.bedful.rate_limits = True
    settings = make_settings(bedful_requests_per_second=5, bedful_requests_per_minute=100)
    async for gateway in start_gateway(sandbox, settings):
        statuses = await asyncio.gather(
            *(flood(gateway, 50) for _ in range(5)),
            *(gateway.execute("{ bedfulBookings(limit: 1) { id } }") for _ in range(8)),
        )
    readiness, answers = statuses[:5], statuses[5:]
    assert set().union(*readiness) == {200}
    assert all("errors" not in answer for answer in answers)
    calls = sandbox.bedful.calls()
    assert len(calls) <= 1 + 8  # one probe at most, and the user's reads
    assert {call.status for call in calls} == {200}
