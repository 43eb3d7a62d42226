"""CareHQClient: what goes on the wire, and what comes back parsed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl

import pytest

from gateway.upstreams.carehq import (
    BOOKING_FIELDS,
    ROOM_FIELDS,
    BookingQuery,
    BookingSortKey,
    BookingType,
    CareHQBooking,
    CareHQClient,
    CareHQRoom,
    CareType,
    FundingType,
    NewCareHQBooking,
    RateLimitState,
    RatePeriod,
    RoomQuery,
    RoomRate,
    RoomSortKey,
    Sort,
    YesNo,
    decoding,
)
from gateway.upstreams.errors import (
    Upstream,
    UpstreamAuthError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
    WriteOutcomeUnknown,
)

from .builders import (
    BOOKING_ID,
    ROOM_ID,
    Reply,
    Script,
    carehq_booking,
    carehq_page,
    carehq_room,
    params,
)

Make = Callable[..., CareHQClient]


def form(request_content: bytes) -> list[tuple[str, str]]:
    return parse_qsl(request_content.decode(), keep_blank_values=True)


# -- lists: parameters on the wire ---------------------------------------------------------


async def test_fields_map_to_exactly_those_attributes(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([{"_id": ROOM_ID, "name_no": "01"}])))
    page = await carehq(script).list_rooms(RoomQuery(), fields={"name"})

    assert script.last.url.path == "/v1/rooms"
    assert params(script.last) == [("attributes", "name_no"), ("page", "1"), ("per_page", "10")]
    assert page.items == (CareHQRoom(id=ROOM_ID, name="01"),)


async def test_id_is_never_sent_as_an_attribute(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([{"_id": BOOKING_ID}])))
    page = await carehq(script).list_bookings(BookingQuery(), fields={"id"})

    assert "attributes" not in script.last.url.params
    assert page.items == (CareHQBooking(id=BOOKING_ID),)


async def test_unknown_field_is_a_programming_error(carehq: Make) -> None:
    script = Script()
    with pytest.raises(ValueError, match="starts_at"):
        await carehq(script).list_bookings(BookingQuery(), fields={"starts_at"})
    assert script.count == 0


async def test_room_filters_are_repeated_keys_and_yes_no(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([])))
    query = RoomQuery(
        ids=("a1", "b2"),
        locations=("loc",),
        archived=YesNo.UNSET,
        features=("f1", "f2"),
        floors=(-1, 0, 2),
        funding_types=(FundingType.CHC,),
        modified_after=datetime(2026, 2, 23, 9, 5, 0),
        q="01",
        suitable_for=(CareType.NURSING, CareType.RESIDENTIAL),
    )
    await carehq(script).list_rooms(query, fields=(), page=2, per_page=100)

    assert params(script.last) == [
        ("filters-ids", "a1"),
        ("filters-ids", "b2"),
        ("filters-location", "loc"),
        ("filters-archived", "unset"),
        ("filters-features", "f1"),
        ("filters-features", "f2"),
        ("filters-floor", "-1"),
        ("filters-floor", "0"),
        ("filters-floor", "2"),
        ("filters-funding_types", "chc"),
        ("filters-modified_after", "2026-02-23 09:05:00"),
        ("filters-q", "01"),
        ("filters-suitable_for", "nursing"),
        ("filters-suitable_for", "residential"),
        ("page", "2"),
        ("per_page", "100"),
    ]


async def test_booking_filters_and_the_overlap_pair(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([])))
    query = BookingQuery(
        rooms=("r1", "r2"),
        service_users=("su",),
        booking_types=(BookingType.SERVICE_USER,),
        cancelled=YesNo.NO,
        check_in=YesNo.YES,
        respite=YesNo.NO,
        ends_after=date(2026, 3, 1),
        starts_before=date(2026, 4, 1),
        min_rate=1000,
        max_rate=200000,
        modified_before=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),  # aware -> UK local
    )
    await carehq(script).list_bookings(query, fields=())

    sent = params(script.last)
    assert sent[:4] == [
        ("filters-room", "r1"),
        ("filters-room", "r2"),
        ("filters-service_user", "su"),
        ("filters-booking_type", "service_user"),
    ]
    assert ("filters-cancelled", "no") in sent
    assert ("filters-check_in", "yes") in sent
    assert ("filters-respite", "no") in sent
    assert "filters-checkout" not in dict(sent)  # None: not sent at all
    assert ("filters-start_date", "2026-03-01") in sent  # ends after
    assert ("filters-end_date", "2026-04-01") in sent  # starts before
    assert ("filters-min_rate", "1000") in sent
    assert ("filters-max_rate", "200000") in sent
    assert ("filters-modified_before", "2026-01-01 12:00:00") in sent  # GMT in January


async def test_sort_encoding(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([])))
    sort = [Sort(RoomSortKey.FLOOR), Sort(RoomSortKey.NAME, descending=True)]
    await carehq(script).list_rooms(RoomQuery(), fields=(), sort=sort)
    assert script.last.url.params.get_list("sort_by") == ["floor", "-name_no"]

    await carehq(script).list_bookings(
        BookingQuery(), fields=(), sort=[Sort(BookingSortKey.ID, descending=True)]
    )
    assert script.last.url.params.get_list("sort_by") == ["-_id"]


async def test_empty_list_filter_matches_nothing_without_a_call(carehq: Make) -> None:
    script = Script()
    page = await carehq(script).list_bookings(BookingQuery(rooms=()), fields=(), per_page=5)
    assert script.count == 0
    assert page.items == ()
    assert (page.item_count, page.page, page.page_count, page.per_page) == (0, 1, 0, 5)


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 101)])
async def test_paging_out_of_range_is_a_programming_error(
    carehq: Make, page: int, per_page: int
) -> None:
    with pytest.raises(ValueError, match="per_page"):
        await carehq(Script()).list_rooms(RoomQuery(), fields=(), page=page, per_page=per_page)


def test_queries_are_hashable() -> None:
    assert hash(BookingQuery(rooms=("a",), cancelled=YesNo.NO)) == hash(
        BookingQuery(rooms=("a",), cancelled=YesNo.NO)
    )
    assert len({RoomQuery(floors=(1,)), RoomQuery(floors=(1,)), RoomQuery()}) == 2


def test_field_sets_name_the_dataclass_attributes() -> None:
    assert "id" in ROOM_FIELDS
    assert "name" in ROOM_FIELDS
    assert "_id" not in ROOM_FIELDS
    assert {"start_date", "service_user", "rate"} <= BOOKING_FIELDS


# -- parsing -------------------------------------------------------------------------------


async def test_documented_room_is_parsed(carehq: Make) -> None:
    script = Script(Reply(json=carehq_room()))
    room = await carehq(script).get_room(ROOM_ID)

    assert script.last.url.path == f"/v1/rooms/{ROOM_ID}"
    assert room == CareHQRoom(
        id=ROOM_ID,
        archived=False,
        created=datetime(2024, 4, 11, 13, 34, 28),
        features=("6617e6e308a01173cf893105", "6617e6e308a01173cf89310d"),
        floor=0,
        funding_types=(FundingType.PRIVATE, FundingType.LOCAL_AUTHORITY),
        location="6617e6e308a01173cf893153",
        modified=datetime(2024, 4, 11, 13, 34, 28),
        name="01",
        rates=(
            RoomRate("6617e6e408a01173cf893191", 113000),
            RoomRate("6617e6e408a01173cf893193", 135000),
        ),
        suitable_for=(CareType.RESIDENTIAL,),
    )
    assert room.created is not None
    assert room.created.tzinfo is None  # naive UK local time


async def test_listed_attributes_not_requested_stay_none(carehq: Make) -> None:
    # Even if CareHQ sends more than asked, only the requested attributes are parsed.
    script = Script(Reply(json=carehq_page([carehq_booking(rate="138554")])))
    page = await carehq(script).list_bookings(BookingQuery(), fields={"rate", "start_date"})
    assert page.items == (CareHQBooking(id=BOOKING_ID, rate=138554, start_date=date(2023, 12, 21)),)


def test_each_selection_decodes_its_own_attributes_however_many_there_are() -> None:
    # What to decode is worked out once per selection and kept (at most MAX_PLANS of them):
    # every selection, new or kept, still decodes exactly its own attributes.
    raw = carehq_booking(rate="138554")
    names = sorted(BOOKING_FIELDS - {"id"})
    selections = [
        frozenset({names[i % len(names)], names[(i * 7 + 3) % len(names)]})
        for i in range(decoding._Decoder.MAX_PLANS * 2)
    ] + [frozenset(), None]
    for only in [*selections, *selections]:
        booking = decoding.parse_booking(raw, only)
        full = decoding.parse_booking(raw)
        for name in names:
            wanted = only is None or name in only
            assert getattr(booking, name) == (getattr(full, name) if wanted else None), name
    assert decoding.parse_booking(raw, ["rate"]) == CareHQBooking(id=BOOKING_ID, rate=138554)
    # The create answer's `*_str` dates are read for a selection too.
    created = {"_id": BOOKING_ID, "start_date_str": "2024-05-01"}
    assert decoding.parse_booking(created, {"start_date"}).start_date == date(2024, 5, 1)


async def test_unknown_enum_values_are_other_and_logged(
    carehq: Make, caplog: pytest.LogCaptureFixture
) -> None:
    room = carehq_room(suitable_for=["palliative_care"], funding_types=["new_scheme"])
    got = await carehq(Script(Reply(json=room))).get_room(ROOM_ID)
    assert got is not None
    assert got.suitable_for == (CareType.OTHER,)
    assert got.funding_types == (FundingType.OTHER,)
    warned = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert warned == [
        "CareHQ sent FundingType value 'new_scheme' this gateway does not know",
        "CareHQ sent CareType value 'palliative_care' this gateway does not know",
    ]


async def test_not_the_documented_shape_is_unavailable(carehq: Make) -> None:
    client = carehq(Script(Reply(json=carehq_room(floor="first"))))
    with pytest.raises(UpstreamUnavailable, match="unexpected shape") as caught:
        await client.get_room(ROOM_ID)
    assert caught.value.upstream is Upstream.CAREHQ

    client = carehq(Script(Reply(json={"items": "nope"})))
    with pytest.raises(UpstreamUnavailable):
        await client.list_rooms(RoomQuery(), fields=())


async def test_get_unknown_or_unsafe_id_is_none(carehq: Make) -> None:
    script = Script(Reply(404, json={"hint": "Not found"}))
    client = carehq(script)
    assert await client.get_booking(BOOKING_ID) is None
    assert await client.get_room("../bookings") is None
    assert script.count == 1


# -- writes --------------------------------------------------------------------------------


async def test_create_sends_a_form_and_reads_the_str_dates(carehq: Make) -> None:
    created = carehq_booking(checkout_notes="", notes="")
    for name in ("start_date", "end_date", "proposed_checkout_date"):
        del created[name]
    created |= {"start_date_str": "2026-03-12", "end_date_str": None}
    created["proposed_checkout_date_str"] = "2026-04-01"
    script = Script(Reply(json=created))
    new = NewCareHQBooking(
        room="r1",
        service_user="su1",
        rate=100000,
        rate_period=RatePeriod.WEEKLY,
        start_date=date(2026, 3, 12),
        check_in=True,
        respite=False,
    )
    booking = await carehq(script).create_booking(new)

    assert script.last.method == "PUT"
    assert script.last.url.path == "/v1/bookings"
    assert form(script.last.content) == [
        ("booking_type", "service_user"),
        ("rate", "100000"),
        ("rate_period", "weekly"),
        ("room", "r1"),
        ("service_user", "su1"),
        ("start_date", "2026-03-12"),
        ("check_in", "yes"),
        ("respite", "no"),
    ]
    assert booking.start_date == date(2026, 3, 12)
    assert booking.end_date is None
    assert booking.proposed_checkout_date == date(2026, 4, 1)
    assert booking.check_in is True
    assert booking.notes == ""


async def test_cancel_is_the_assumed_patch(carehq: Make) -> None:
    script = Script(Reply(json=carehq_booking(cancelled="2026-03-20 14:30:00")))
    booking = await carehq(script).cancel_booking(
        BOOKING_ID, at=datetime(2026, 3, 20, 14, 30), reason="moved", notes="family request"
    )

    assert script.last.method == "PATCH"
    assert script.last.url.path == f"/v1/bookings/{BOOKING_ID}"
    assert form(script.last.content) == [
        ("cancelled", "2026-03-20 14:30:00"),
        ("reason_for_checkout", "moved"),
        ("checkout_notes", "family request"),
    ]
    assert booking.cancelled == datetime(2026, 3, 20, 14, 30)


async def test_cancel_with_an_empty_answer_reads_the_booking_back(carehq: Make) -> None:
    script = Script(Reply(204), Reply(json=carehq_booking(cancelled="2026-03-20 14:30:00")))
    booking = await carehq(script).cancel_booking(BOOKING_ID, at=datetime(2026, 3, 20, 14, 30))
    assert [r.method for r in script.requests] == ["PATCH", "GET"]
    assert booking.cancelled is not None


async def test_cancel_unknown_booking_is_not_found(carehq: Make) -> None:
    script = Script(Reply(404))
    with pytest.raises(UpstreamNotFound):
        await carehq(script).cancel_booking(BOOKING_ID, at=datetime(2026, 1, 1))
    with pytest.raises(UpstreamNotFound):
        await carehq(script).cancel_booking("a/b", at=datetime(2026, 1, 1))
    assert script.count == 1


# -- errors --------------------------------------------------------------------------------


async def test_invalid_request_carries_hint_and_arg_errors(carehq: Make) -> None:
    body = {"hint": "Not all parameters are valid", "arg_errors": {"per_page": ["Too big."]}}
    with pytest.raises(UpstreamInvalidRequest) as caught:
        await carehq(Script(Reply(400, json=body))).list_rooms(RoomQuery(), fields=())
    assert caught.value.hint == "Not all parameters are valid"
    assert caught.value.arg_errors == {"per_page": ["Too big."]}
    assert caught.value.status == 400


@pytest.mark.parametrize("status", [401, 403, 405])
async def test_refused_credentials(carehq: Make, status: int) -> None:
    with pytest.raises(UpstreamAuthError) as caught:
        await carehq(Script(Reply(status))).get_room(ROOM_ID)
    assert caught.value.upstream is Upstream.CAREHQ


async def test_write_errors_are_not_retried(carehq: Make) -> None:
    script = Script(Reply(429, headers={"Retry-After": "0"}))
    new = NewCareHQBooking(room="r", service_user="s", rate=1, rate_period=RatePeriod.DAILY)
    with pytest.raises(UpstreamRateLimited):
        await carehq(script).create_booking(new)
    assert script.count == 1

    script = Script(Reply(504))
    with pytest.raises(WriteOutcomeUnknown, match="outcome is unknown"):
        await carehq(script).create_booking(new)
    assert script.count == 1


# -- rate limit headers --------------------------------------------------------------------

RATE_HEADERS = {
    "X-CareHQ-RateLimit-Limit": "5",
    "X-CareHQ-RateLimit-Remaining": "0",
    "X-CareHQ-RateLimit-Reset": "1000.75",
}


class FakeWall:
    """`time.time` stand-in whose sleep advances it."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_waits_for_the_reset_when_remaining_is_zero(carehq: Make) -> None:
    wall = FakeWall(1000.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    script = Script(Reply(json=carehq_room(), headers=RATE_HEADERS), Reply(json=carehq_room()))
    client = carehq(script, rate_limit=state)

    await client.get_room(ROOM_ID)
    assert (state.limit, state.remaining, state.reset) == (5, 0, 1000.75)
    assert wall.slept == []
    await client.get_room(ROOM_ID)
    assert wall.slept == [pytest.approx(0.75)]
    assert script.count == 2
    assert client.rate_limit is state


async def test_a_reset_past_the_deadline_is_rate_limited_at_once(carehq: Make) -> None:
    wall = FakeWall(1000.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    state.observe(RATE_HEADERS | {"X-CareHQ-RateLimit-Reset": "1060"})
    script = Script()
    with pytest.raises(UpstreamRateLimited) as caught:
        await carehq(script, rate_limit=state, timeout=1.0).get_room(ROOM_ID)
    assert caught.value.retry_after == pytest.approx(60)
    assert script.count == 0


async def test_429_without_retry_after_waits_for_the_reset(carehq: Make) -> None:
    wall = FakeWall(1000.0)
    state = RateLimitState(clock=wall, sleep=wall.sleep)
    limited = Reply(429, json={"hint": "Rate limit exceeded"}, headers=RATE_HEADERS)
    script = Script(limited, Reply(json=carehq_page([])))
    await carehq(script, rate_limit=state, sleep=wall.sleep).list_rooms(RoomQuery(), fields=())
    assert script.count == 2
    assert wall.slept[0] == pytest.approx(0.75)


async def test_ping_is_one_cheap_list_call(carehq: Make) -> None:
    script = Script(Reply(json=carehq_page([], per_page=1)))
    await carehq(script).ping()
    assert params(script.last) == [("page", "1"), ("per_page", "1")]
