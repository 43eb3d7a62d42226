"""BedfulClient: wire format, parsing, the 401 ambiguity and staying under the rate limits."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from gateway.upstreams.bedful import (
    BLOCKING_STATUSES,
    BedfulBookingChanges,
    BedfulClient,
    BedfulExtra,
    BedfulItem,
    BedfulStatus,
    BedfulUnit,
    NewBedfulBooking,
    SlidingWindowLimiter,
)
from gateway.upstreams.bedful.wire import parse_ages, parse_utc
from gateway.upstreams.errors import (
    Upstream,
    UpstreamAuthError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)

from .builders import (
    FakeClock,
    Reply,
    Script,
    SteppedClock,
    bedful_booking,
    max_in_any_window,
    params,
)
from .conftest import BEDFUL_KEY

Make = Callable[..., BedfulClient]


async def test_documented_booking_is_parsed(bedful: Make) -> None:
    script = Script(Reply(json=bedful_booking()))
    booking = await bedful(script).get_booking(3175464)

    request = script.last
    assert (request.method, request.url.path) == ("GET", "/bookings/3175464")
    expected_auth = "Basic " + base64.b64encode(f"{BEDFUL_KEY}:".encode()).decode()
    assert request.headers["Authorization"] == expected_auth

    assert booking is not None
    assert booking.id == 3175464
    assert booking.status == BedfulStatus.CONFIRMED
    assert booking.blocks_availability
    assert booking.created == datetime(2019, 9, 11, 13, 49, 32, tzinfo=UTC)
    assert booking.arrival == datetime(2019, 9, 16, tzinfo=UTC)
    assert booking.expires is None  # the zero time
    assert booking.ages == (40, 40)
    assert booking.marketing_subscribe is False
    assert booking.currency_rate == 1.0
    assert booking.items == (BedfulItem(4276051, 13, 3175464, 0, 0, "", (40, 40)),)
    assert booking.units == (BedfulUnit(13, "Bell Tent"),)
    assert booking.extras == ()
    assert booking.commission is None  # only list answers carry it


def test_zero_time_and_ages() -> None:
    assert parse_utc("0001-01-01T00:00:00Z") is None
    assert parse_utc("") is None
    assert parse_utc("2019-09-16T01:00:00+01:00") == datetime(2019, 9, 16, tzinfo=UTC)
    assert parse_ages("40, 40") == (40, 40)
    assert parse_ages("7,3") == (7, 3)
    assert parse_ages("") == ()
    assert parse_ages(None) == ()


async def test_unknown_status_and_lenient_extras_parse(bedful: Make) -> None:
    raw = bedful_booking(
        status=42, items=None, extras=[{"id": 9, "name": "Firewood", "quantity": 2}, 10]
    )
    booking = await bedful(Script(Reply(json=raw))).get_booking(1)
    assert booking is not None
    assert (booking.status, booking.status_code) == (BedfulStatus.OTHER, 42)
    assert not booking.blocks_availability
    assert booking.items == ()
    assert booking.extras == (BedfulExtra(9, "Firewood", 2, None), BedfulExtra(10))


async def test_a_booking_without_its_id_is_unavailable(bedful: Make) -> None:
    raw = bedful_booking()
    del raw["id"]
    with pytest.raises(UpstreamUnavailable, match="unexpected shape"):
        await bedful(Script(Reply(json=raw))).get_booking(1)


async def test_list_sends_only_given_filters(bedful: Make) -> None:
    answer = {"bookings": [bedful_booking(commission=150, fees=20)]}
    script = Script(Reply(json=answer))
    bookings = await bedful(script).list_bookings(
        site_id=127, status=BedfulStatus.UNAVAILABLE, limit=50
    )

    assert script.last.url.path == "/bookings"
    assert params(script.last) == [("site_id", "127"), ("status", "12"), ("limit", "50")]
    assert [b.id for b in bookings] == [3175464]
    assert (bookings[0].commission, bookings[0].fees) == (150, 20)


async def test_a_null_list_is_empty(bedful: Make) -> None:
    assert await bedful(Script(Reply(json={"bookings": None}))).list_bookings() == []


async def test_create_posts_json_to_the_assumed_path(bedful: Make) -> None:
    script = Script(Reply(json=bedful_booking(status=10)))
    new = NewBedfulBooking(
        name="User Name",
        site_id=133,
        arrival=date(2018, 10, 25),
        departure=date(2018, 10, 29),
        units=(1579,),
        ages=(40, 7),
        adults=1,
    )
    booking = await bedful(script).create_booking(new)

    assert (script.last.method, script.last.url.path) == ("POST", "/bookings/create")
    assert script.last.headers["Content-Type"] == "application/json"
    assert json.loads(script.last.content) == {
        "name": "User Name",
        "site_id": 133,
        "starts_at": "2018-10-25T00:00:00Z",
        "ends_at": "2018-10-29T00:00:00Z",
        "units": [1579],
        "adults": 1,
        "ages": "40, 7",
    }
    assert booking.status == BedfulStatus.PROVISIONAL


async def test_update_sends_only_the_changes(bedful: Make) -> None:
    script = Script(Reply(json=bedful_booking(name="New Name")))
    changes = BedfulBookingChanges(name="New Name", departure=date(2019, 9, 20), email="")
    booking = await bedful(script).update_booking(3175464, changes)

    assert (script.last.method, script.last.url.path) == ("POST", "/bookings/3175464/update")
    assert json.loads(script.last.content) == {
        "name": "New Name",
        "ends_at": "2019-09-20T00:00:00Z",
        "email": "",
    }
    assert booking.name == "New Name"


async def test_cancel_is_an_update_to_status_11(bedful: Make) -> None:
    script = Script(Reply(json=bedful_booking(status=11)))
    booking = await bedful(script).cancel_booking(3175464)
    assert script.count == 1
    assert script.last.url.path == "/bookings/3175464/update"
    assert json.loads(script.last.content) == {"status": 11}
    assert booking.status not in BLOCKING_STATUSES


async def test_unknown_booking(bedful: Make) -> None:
    script = Script(Reply(404))
    client = bedful(script)
    assert await client.get_booking(99) is None
    assert await client.get_booking(0) is None  # no such id: not even asked
    with pytest.raises(UpstreamNotFound):
        await client.cancel_booking(99)
    assert script.count == 2


async def test_401_for_another_channels_booking_is_not_found(bedful: Make) -> None:
    script = Script(Reply(401), Reply(json={"bookings": []}))
    assert await bedful(script).get_booking(5) is None
    assert [r.url.path for r in script.requests] == ["/bookings/5", "/bookings"]


async def test_401_with_a_bad_key_stays_an_auth_error(bedful: Make) -> None:
    script = Script(Reply(401))
    with pytest.raises(UpstreamAuthError) as caught:
        await bedful(script).update_booking(5, BedfulBookingChanges(name="x"))
    assert caught.value.upstream is Upstream.BEDFUL
    assert script.count == 2


async def test_bedful_errors_have_no_arg_errors(bedful: Make) -> None:
    script = Script(Reply(400, json={"arg_errors": {"name": ["?"]}, "hint": "?"}))
    with pytest.raises(UpstreamInvalidRequest) as caught:
        await bedful(script).list_bookings()
    assert caught.value.arg_errors == {}
    assert caught.value.hint is None


async def test_ping_is_one_booking_at_most(bedful: Make) -> None:
    script = Script(Reply(json={"bookings": []}))
    await bedful(script).ping()
    assert params(script.last) == [("limit", "1")]


# -- rate limits ---------------------------------------------------------------------------


@pytest.mark.parametrize("calls", [50, 150])
async def test_concurrent_calls_stay_under_both_limits(bedful: Make, calls: int) -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep)  # Bedful's 5/s and 100/min
    script = Script(Reply(json={"bookings": []}), clock=clock)
    client = bedful(script, limiter=limiter, timeout=3600)

    results = await asyncio.gather(*(client.list_bookings(site_id=n) for n in range(calls)))

    assert len(results) == calls
    assert script.count == calls
    assert max_in_any_window(script.times, 1.0) <= 5
    assert max_in_any_window(script.times, 60.0) <= 100


async def test_retries_take_a_slot_too(bedful: Make) -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), clock=clock, sleep=clock.sleep)
    script = Script(Reply(503), Reply(json={"bookings": []}), clock=clock)
    await bedful(script, limiter=limiter, timeout=3600).list_bookings()
    assert script.count == 2
    assert script.times[1] - script.times[0] >= 1.0


async def test_a_full_limiter_past_the_deadline_is_rate_limited(bedful: Make) -> None:
    limiter = SlidingWindowLimiter(((1, 60.0),))
    script = Script(Reply(json={"bookings": []}))
    client = bedful(script, limiter=limiter, timeout=0.5)
    await client.list_bookings()
    with pytest.raises(UpstreamRateLimited) as caught:
        await client.list_bookings()
    assert caught.value.retry_after == pytest.approx(60.05, abs=0.1)
    assert script.count == 1


async def test_a_deadline_passing_while_queued_is_rate_limited(bedful: Make) -> None:
    """The only slot is held by a slow call: the next call waits for it, and its deadline passing
    in the queue is a rate limit (the request was never sent), not a timeout."""
    limiter = SlidingWindowLimiter(((1, 0.01),), margin=0.0)
    script = Script(Reply(json={"bookings": []}, delay=1.0))
    client = bedful(script, limiter=limiter, timeout=0.3)
    slow = asyncio.ensure_future(bedful(script, limiter=limiter, timeout=5).list_bookings())
    await asyncio.sleep(0.05)
    with pytest.raises(UpstreamRateLimited):
        await client.list_bookings()
    assert script.count == 1
    await slow


async def test_writes_are_sent_before_waiting_reads(bedful: Make) -> None:
    clock = SteppedClock()
    limiter = SlidingWindowLimiter(((1, 1.0),), clock=clock, sleep=clock.sleep)
    script = Script(Reply(json=bedful_booking()), clock=clock)
    client = bedful(script, limiter=limiter, timeout=3600)
    reads = [client.get_booking(n) for n in range(1, 6)]
    await clock.run(asyncio.gather(*reads, client.cancel_booking(7)))
    assert [request.method for request in script.requests] == ["GET", "POST", *["GET"] * 4]
