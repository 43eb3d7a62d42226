"""`availableRooms(from, to, filter)`: CareHQ rooms no booking blocks during a window.

Checked two ways: on a fresh location whose bookings the test places around the window's edges,
and against a brute-force join of the sandbox's seeded rooms and bookings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from gateway.sandbox import Sandbox
from tests.conftest import Gateway

AVAILABLE = """
query Available($from: Date!, $to: Date!, $filter: RoomFilter) {
  availableRooms(from: $from, to: $to, filter: $filter) { id nameNo }
}
"""


async def available(gateway: Gateway, start: str, end: str, **filter_: Any) -> list[str]:
    data = await gateway.data(AVAILABLE, {"from": start, "to": end, "filter": filter_ or None})
    rooms: list[dict[str, Any]] = data["availableRooms"]
    return [room["id"] for room in rooms]


async def test_a_room_is_free_unless_a_booking_that_is_not_cancelled_overlaps(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    store = sandbox.carehq.store
    location = store.new_id()
    rooms = {name: store.add_room(location=location)["_id"] for name in "ABCDEFGH"}

    def book(room: str, start: str | None, end: str | None, **attrs: Any) -> None:
        store.add_booking(room=rooms[room], start_date=start, end_date=end, **attrs)

    # window [2031-06-01, 2031-06-15); A has no booking at all
    book("B", "2031-06-10", "2031-06-12")  # inside: taken
    book("C", "2031-06-01", "2031-06-02", cancelled="2031-05-01 10:00:00")  # cancelled: free
    book("D", "2031-05-20", "2031-06-01")  # ends on `from`: free
    book("E", "2031-06-15", "2031-06-20")  # starts on `to`: free
    book("F", "2031-05-01", None)  # open-ended, started before: taken
    book("G", "2031-06-14", "2031-06-30", booking_type="out_of_service")  # last night: taken
    book("H", None, "2031-06-02")  # no start date counts as started: taken

    free = await available(gateway, "2031-06-01", "2031-06-15", locations=[location])

    assert free == [rooms[name] for name in "ACDE"]


def _matches(room: dict[str, Any], filter_: dict[str, Any]) -> bool:
    """RoomFilter's meaning, over the sandbox's raw records (archived hidden by default)."""
    archived = filter_.get("archived", False)  # omitted: CareHQ's default hides archived rooms
    if archived is not None and bool(room["archived"]) != archived:
        return False
    checks: dict[str, Callable[[Any], bool]] = {
        "locations": lambda wanted: room["location"] in wanted,
        "floors": lambda wanted: int(room["floor"]) in wanted,
        "suitableFor": lambda wanted: any(v.upper() in wanted for v in room["suitable_for"]),
        "fundingTypes": lambda wanted: any(v.upper() in wanted for v in room["funding_types"]),
    }
    return all(check(filter_[name]) for name, check in checks.items() if name in filter_)


def _overlaps(booking: dict[str, Any], start: str, end: str) -> bool:
    return (booking["start_date"] is None or booking["start_date"] < end) and (
        booking["end_date"] is None or booking["end_date"] > start
    )


WINDOWS = [("2025-03-01", "2025-03-04"), ("2025-06-01", "2025-06-08")]
FILTERS: list[dict[str, Any]] = [
    {},
    {"floors": [1, 2]},
    {"suitableFor": ["RESIDENTIAL_DEMENTIA"], "fundingTypes": ["PRIVATE", "CHC"]},
    {"archived": None},
]


@pytest.mark.parametrize("window", WINDOWS, ids=[w[0] for w in WINDOWS])
@pytest.mark.parametrize("filter_", FILTERS, ids=["none", "floors", "care+funding", "archived"])
async def test_agrees_with_a_brute_force_join_in_a_bounded_number_of_calls(
    gateway: Gateway, sandbox: Sandbox, window: tuple[str, str], filter_: dict[str, Any]
) -> None:
    start, end = window
    store = sandbox.carehq.store
    if filter_.get("archived", 0) is None:  # make sure an archived room is in play
        store.add_room(archived=True)
    matching = {i for i, room in store.rooms.items() if _matches(room, filter_)}
    overlapping = [
        b for b in store.bookings.values() if b["cancelled"] is None and _overlaps(b, start, end)
    ]
    expected = sorted(matching - {b["room"] for b in overlapping})

    free = await available(gateway, start, end, **filter_)

    assert free == expected
    assert 0 < len(free) < len(matching)  # the window and filter leave some rooms out
    rooms_calls = sandbox.carehq.calls("GET", "/v1/rooms")
    booking_calls = sandbox.carehq.calls("GET", "/v1/bookings")
    assert len(rooms_calls) == max(1, math.ceil(len(matching) / 100))
    assert len(booking_calls) == max(1, math.ceil(len(overlapping) / 100))
    assert len(sandbox.carehq.requests) == len(rooms_calls) + len(booking_calls)
    for call in booking_calls:
        assert call.params_of("attributes") == ["room"]
        assert call.param("filters-cancelled") == "no"
        assert call.param("filters-start_date") == start  # ends after `from`
        assert call.param("filters-end_date") == end  # starts before `to`
        assert call.param("per_page") == "100"
    for call in rooms_calls:
        assert set(call.params_of("attributes")) == {"name_no"}
        assert call.param("per_page") == "100"


async def test_the_bookings_call_is_narrowed_by_the_rooms_filter(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    location = sandbox.carehq.store.locations[1]

    await available(gateway, "2026-03-10", "2026-03-13", locations=[location])

    (bookings,) = sandbox.carehq.calls("GET", "/v1/bookings")
    assert bookings.params_of("filters-location") == [location]


async def test_carehq_down_is_null_with_an_error_and_bedful_fields_still_answer(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    sandbox.carehq.inject("down")
    stay = sandbox.bedful.store.add_booking(
        starts_at=date(2031, 6, 2), ends_at=date(2031, 6, 4), units=[1579]
    )
    document = """{
      availableRooms(from: "2031-06-01", to: "2031-06-15") { id }
      stays(from: "2031-06-01", to: "2031-06-15", systems: [BEDFUL]) { id }
    }"""

    body = await gateway.execute(document)

    assert body["data"] == {"availableRooms": None, "stays": [{"id": str(stay["id"])}]}
    (error,) = body["errors"]
    assert error["path"] == ["availableRooms"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["upstream"] == "CAREHQ"


@pytest.mark.parametrize(
    ("start", "end"),
    [("2031-06-01", "2031-06-01"), ("2031-06-02", "2031-06-01"), ("2031-01-01", "2032-01-03")],
    ids=["empty", "backwards", "367-days"],
)
async def test_a_bad_window_is_refused_before_any_upstream_call(
    gateway: Gateway, sandbox: Sandbox, start: str, end: str
) -> None:
    body = await gateway.execute(AVAILABLE, {"from": start, "to": end})

    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["to"]
    assert body["data"] == {"availableRooms": None}
    assert sandbox.carehq.requests == []
