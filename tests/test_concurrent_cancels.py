"""Cancels of one booking that arrive together make one upstream write (#11: 20 concurrent
`cancelBooking` sent 20 PATCHes; 20 `cancelBedfulBooking` sent 9 updates)."""

from __future__ import annotations

import asyncio

import httpx

from gateway.app import create_app
from gateway.locks import LocalKeyedLocks
from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, only_error, start_gateway
from tests.test_mutations_bedful import CANCEL as CANCEL_BEDFUL
from tests.test_mutations_bedful import stored
from tests.test_mutations_carehq import CANCEL as CANCEL_CAREHQ


async def test_twenty_concurrent_carehq_cancels_make_one_patch(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = sandbox.carehq.store.add_booking()
    sandbox.carehq.latency_ms = 20  # the reads of all twenty overlap
    answers = await asyncio.gather(
        *(gateway.data(CANCEL_CAREHQ, {"id": booking["_id"]}) for _ in range(20))
    )
    assert len(sandbox.carehq.calls("PATCH", f"/v1/bookings/{booking['_id']}")) == 1
    cancelled = {answer["cancelBooking"]["cancelled"] for answer in answers}
    assert len(cancelled) == 1  # every caller sees the one cancellation
    assert None not in cancelled


async def test_concurrent_bedful_cancels_make_one_update(sandbox: Sandbox) -> None:
    """With Bedful's real pace (5/s) the reads and writes of the cancels interleave."""
    booking_id = stored(sandbox, status=100)
    settings = make_settings(bedful_requests_per_second=5, bedful_requests_per_minute=100)
    async for gateway in start_gateway(sandbox, settings):
        answers = await asyncio.gather(
            *(gateway.data(CANCEL_BEDFUL, {"id": str(booking_id)}) for _ in range(10))
        )
    assert len(sandbox.bedful.calls("POST", f"/bookings/{booking_id}/update")) == 1
    assert {answer["cancelBedfulBooking"]["status"] for answer in answers} == {"CANCELLED"}


async def test_cancels_of_different_bookings_do_not_wait_for_each_other(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    ids = [stored(sandbox, status=100) for _ in range(3)]
    await asyncio.gather(*(gateway.data(CANCEL_BEDFUL, {"id": str(n)}) for n in ids))
    updates = [call for call in sandbox.bedful.calls("POST") if call.path.endswith("/update")]
    assert sorted(call.path for call in updates) == sorted(f"/bookings/{n}/update" for n in ids)


async def test_a_cancel_that_waits_too_long_for_another_change_is_coded_busy(
    sandbox: Sandbox,
) -> None:
    """The waiting cancel changes nothing and says so with its own code, not as an outage."""
    booking_id = stored(sandbox, status=100)
    app = create_app(make_settings(), sandbox=sandbox)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as http,
    ):
        locks = LocalKeyedLocks(wait_seconds=0.05)
        app.state.upstreams.locks = locks
        async with locks.hold(f"bedful:booking:{booking_id}"):  # another change of it is running
            body = await Gateway(http).execute(CANCEL_BEDFUL, {"id": str(booking_id)})
    error = only_error(body)
    assert error["extensions"] == {"code": "BOOKING_CHANGE_IN_PROGRESS", "upstream": "BEDFUL"}
    assert "Retry once it has finished" in error["message"]
    assert sandbox.bedful.calls("POST", f"/bookings/{booking_id}/update") == []
