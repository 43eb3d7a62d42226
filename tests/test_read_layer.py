"""The read layer as a frontend meets it: many requests, few upstream calls, and every write
seen by the next read of any request (what the sandboxes saw, not wall time)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, start_gateway

SITE = 127
BOOKING = "query B($id: ID!) { bedfulBooking(id: $id) { id status name asOf } }"
SITE_LIST = (
    "query L($site: ID!) { bedfulBookings(filter: {siteId: $site}) { id status name asOf } }"
)
STAYS = """query S($from: Date!, $to: Date!) {
  stays(from: $from, to: $to, systems: [BEDFUL]) { id isCancelled guestName } }"""
CANCEL = "mutation C($id: ID!) { cancelBedfulBooking(id: $id) { id status asOf } }"
UPDATE = """mutation U($id: ID!, $name: String!) {
  updateBedfulBooking(id: $id, input: {name: $name}) { id name } }"""
CREATE = """mutation N($input: CreateBedfulBookingInput!) {
  createBedfulBooking(input: $input) { id status } }"""
ROOMS = "{ rooms(perPage: 5) { items { id nameNo } } }"


def stored(sandbox: Sandbox, **fields: Any) -> int:
    fields = {"starts_at": "2031-05-01", "ends_at": "2031-05-03", "units": [14]} | fields
    booking_id: int = sandbox.bedful.store.add_booking(**fields)["id"]
    return booking_id


def bedful_gets(sandbox: Sandbox) -> list[str]:
    return [call.path for call in sandbox.bedful.calls("GET")]


async def read(gateway: Gateway, booking_id: int) -> dict[str, Any]:
    found: dict[str, Any] = (await gateway.data(BOOKING, {"id": str(booking_id)}))["bedfulBooking"]
    return found


async def test_identical_reads_of_concurrent_requests_are_one_bedful_call(
    sandbox: Sandbox,
) -> None:
    booking = stored(sandbox)
    sandbox.bedful.latency_ms = 300  # the first call is still on its way as the others arrive
    settings = make_settings(gateway_bedful_max_staleness_seconds=0)  # coalescing alone
    async for gateway in start_gateway(sandbox, settings):
        answers = await asyncio.gather(*(read(gateway, booking) for _ in range(10)))
    assert {answer["id"] for answer in answers} == {str(booking)}
    assert bedful_gets(sandbox) == [f"/bookings/{booking}"]


async def test_identical_carehq_reads_of_concurrent_requests_are_one_call(
    sandbox: Sandbox,
) -> None:
    sandbox.carehq.latency_ms = 300
    async for gateway in start_gateway(sandbox, make_settings()):
        answers = await asyncio.gather(*(gateway.data(ROOMS) for _ in range(10)))
    assert len({str(answer) for answer in answers}) == 1
    assert len(sandbox.carehq.calls("GET", "/v1/rooms")) == 1


async def test_repeated_reads_within_the_staleness_are_one_call_and_say_how_old(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = stored(sandbox)
    before = datetime.now(UTC)
    answers = [await read(gateway, booking) for _ in range(20)]
    site = [(await gateway.data(SITE_LIST, {"site": str(SITE)})) for _ in range(5)]
    assert bedful_gets(sandbox) == [f"/bookings/{booking}", "/bookings"]
    as_of = {answer["asOf"] for answer in answers}
    assert len(as_of) == 1
    assert before <= datetime.fromisoformat(as_of.pop()) <= datetime.now(UTC)
    assert len({b["asOf"] for answer in site for b in answer["bedfulBookings"]}) == 1


async def test_a_cancel_through_the_gateway_shows_at_once_in_every_read(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = stored(sandbox, name="Grace Hopper")
    window = {"from": "2031-05-01", "to": "2031-05-02"}
    assert (await read(gateway, booking))["status"] == "CONFIRMED"
    listed = await gateway.data(SITE_LIST, {"site": str(SITE)})
    assert {b["status"] for b in listed["bedfulBookings"] if b["id"] == str(booking)} == {
        "CONFIRMED"
    }
    assert (await gateway.data(STAYS, window))["stays"][0]["isCancelled"] is False
    sandbox.bedful.reset_calls()

    cancelled = (await gateway.data(CANCEL, {"id": str(booking)}))["cancelBedfulBooking"]

    assert cancelled["status"] == "CANCELLED"
    assert (await read(gateway, booking))["status"] == "CANCELLED"
    listed = await gateway.data(SITE_LIST, {"site": str(SITE)})
    assert {b["status"] for b in listed["bedfulBookings"] if b["id"] == str(booking)} == {
        "CANCELLED"
    }
    stays = (await gateway.data(STAYS, window))["stays"]
    assert [(s["id"], s["isCancelled"]) for s in stays] == [(str(booking), True)]
    # The cancel read the booking fresh and wrote it; the by-id read was the write's answer; the
    # site's list and the list of every site were asked again.
    assert bedful_gets(sandbox) == [f"/bookings/{booking}", "/bookings", "/bookings"]
    assert len(sandbox.bedful.calls("POST")) == 1


async def test_an_update_and_a_create_through_the_gateway_show_at_once(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = stored(sandbox, name="Before")
    await read(gateway, booking)
    await gateway.data(SITE_LIST, {"site": str(SITE)})

    await gateway.data(UPDATE, {"id": str(booking), "name": "After"})
    assert (await read(gateway, booking))["name"] == "After"
    new = {
        "name": "Ada Lovelace",
        "siteId": str(SITE),
        "startsAt": "2031-03-01",
        "endsAt": "2031-03-04",
        "units": ["13"],
    }
    created = (await gateway.data(CREATE, {"input": new}))["createBedfulBooking"]

    listed = (await gateway.data(SITE_LIST, {"site": str(SITE)}))["bedfulBookings"]
    names = {b["id"]: b["name"] for b in listed}
    assert names[str(booking)] == "After"
    assert created["id"] in names
    assert (await read(gateway, int(created["id"])))["status"] == created["status"]


async def test_a_read_flood_within_bedfuls_limits_gets_no_429(sandbox: Sandbox) -> None:
    sandbox.bedful.rate_limits = True  # the sandbox answers 429 over 5/s or 100/min
    ids = [stored(sandbox) for _ in range(5)]
    settings = make_settings(bedful_requests_per_second=5, bedful_requests_per_minute=100)
    async for gateway in start_gateway(sandbox, settings):
        answers = await asyncio.gather(*(read(gateway, ids[i % 5]) for i in range(200)))
    assert sorted({int(answer["id"]) for answer in answers}) == ids
    calls = sandbox.bedful.calls("GET")
    assert sorted(call.path for call in calls) == sorted(f"/bookings/{i}" for i in ids)
    assert {call.status for call in calls} == {200}
