"""Every filter and sort argument reaches the upstream as the documented parameter, and changes
the result (counted against the unfiltered list)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox import Sandbox
from tests.conftest import Gateway


def _room_filters(sandbox: Sandbox) -> list[tuple[str, list[tuple[str, str]]]]:
    rooms = list(sandbox.carehq.store.rooms.values())
    some = next(r for r in rooms if r["features"] and not r["archived"])
    middle = sorted(r["modified"] for r in rooms)[len(rooms) // 2]
    iso = middle.replace(" ", "T")
    return [
        (f'ids: ["{some["_id"]}"]', [("filters-ids", some["_id"])]),
        (f'locations: ["{some["location"]}"]', [("filters-location", some["location"])]),
        ("archived: true", [("filters-archived", "yes")]),
        ("archived: null", [("filters-archived", "unset")]),
        (f'features: ["{some["features"][0]}"]', [("filters-features", some["features"][0])]),
        ("floors: [-1, 4]", [("filters-floor", "-1"), ("filters-floor", "4")]),
        ("fundingTypes: [DTA_SPOT]", [("filters-funding_types", "dta_spot")]),
        (
            f'modifiedAfter: "{iso}"',
            [("filters-modified_after", middle)],
        ),
        (
            f'modifiedBefore: "{iso}"',
            [("filters-modified_before", middle)],
        ),
        ('q: "1"', [("filters-q", "1")]),
        ("suitableFor: [BARIATRIC_CARE]", [("filters-suitable_for", "bariatric_care")]),
    ]


def _booking_filters(sandbox: Sandbox) -> list[tuple[str, list[tuple[str, str]]]]:
    some = next(iter(sandbox.carehq.store.bookings.values()))
    return [
        (f'ids: ["{some["_id"]}"]', [("filters-ids", some["_id"])]),
        (f'locations: ["{some["location"]}"]', [("filters-location", some["location"])]),
        (f'rooms: ["{some["room"]}"]', [("filters-room", some["room"])]),
        (
            f'serviceUsers: ["{some["service_user"]}"]',
            [("filters-service_user", some["service_user"])],
        ),
        ("bookingTypes: [OUT_OF_SERVICE]", [("filters-booking_type", "out_of_service")]),
        ("cancelled: true", [("filters-cancelled", "yes")]),
        ("cancelled: false", [("filters-cancelled", "no")]),
        ("checkIn: false", [("filters-check_in", "no")]),
        ("checkout: true", [("filters-checkout", "yes")]),
        ("respite: true", [("filters-respite", "yes")]),
        ('endsAfter: "2026-01-01"', [("filters-start_date", "2026-01-01")]),
        ('startsBefore: "2024-01-01"', [("filters-end_date", "2024-01-01")]),
        ("minRate: 150000", [("filters-min_rate", "150000")]),
        ("maxRate: 100000", [("filters-max_rate", "100000")]),
        (
            'modifiedAfter: "2026-01-01T00:00:00Z"',
            [("filters-modified_after", "2026-01-01 00:00:00")],
        ),
        (
            'modifiedBefore: "2024-07-01T12:00:00+01:00"',
            [("filters-modified_before", "2024-07-01 12:00:00")],
        ),
        ('q: "a"', [("filters-q", "a")]),
    ]


async def _count(gateway: Gateway, field: str, filter_: str | None = None) -> int:
    argument = f"(filter: {{{filter_}}})" if filter_ is not None else ""
    data = await gateway.data(f"{{ {field}{argument} {{ itemCount }} }}")
    count: int = data[field]["itemCount"]
    return count


@pytest.mark.parametrize("index", range(11))
async def test_each_room_filter_reaches_carehq_and_filters(
    gateway: Gateway, sandbox: Sandbox, index: int
) -> None:
    filter_, expected = _room_filters(sandbox)[index]
    everything = await _count(gateway, "rooms")
    sandbox.carehq.reset_calls()
    filtered = await _count(gateway, "rooms", filter_)
    (call,) = sandbox.carehq.calls("GET", "/v1/rooms")
    for pair in expected:
        assert pair in call.params
    assert filtered != everything, filter_


@pytest.mark.parametrize("index", range(17))
async def test_each_booking_filter_reaches_carehq_and_filters(
    gateway: Gateway, sandbox: Sandbox, index: int
) -> None:
    filter_, expected = _booking_filters(sandbox)[index]
    everything = await _count(gateway, "bookings")
    sandbox.carehq.reset_calls()
    filtered = await _count(gateway, "bookings", filter_)
    (call,) = sandbox.carehq.calls("GET", "/v1/bookings")
    for pair in expected:
        assert pair in call.params
    assert filtered != everything, filter_


async def test_an_omitted_tri_state_filter_is_not_sent(gateway: Gateway, sandbox: Sandbox) -> None:
    await _count(gateway, "bookings", 'q: "x"')
    (call,) = sandbox.carehq.calls("GET", "/v1/bookings")
    assert not any(key in call.params for key in ("filters-cancelled", "filters-respite"))
    assert [key for key, _ in call.params if key.startswith("filters-")] == ["filters-q"]


async def test_room_bookings_take_their_own_filter(gateway: Gateway, sandbox: Sandbox) -> None:
    document = "{ rooms(perPage: 5) { items { all: bookings { id } open: bookings(filter: {cancelled: false}, sortBy: [START_DATE_DESC]) { startDate cancelled } } } }"
    data = await gateway.data(document)
    for room in data["rooms"]["items"]:
        assert len(room["open"]) <= len(room["all"])
        assert all(b["cancelled"] is None for b in room["open"])
        starts = [b["startDate"] for b in room["open"]]
        assert starts == sorted(starts, reverse=True)
    filtered = [
        c for c in sandbox.carehq.calls("GET", "/v1/bookings") if c.param("filters-cancelled")
    ]
    assert filtered
    assert all(c.params_of("sort_by") == ["-start_date"] for c in filtered)


@pytest.mark.parametrize(
    ("field", "sort", "wire"),
    [
        ("rooms", "[FLOOR_DESC, NAME_NO]", ["-floor", "name_no"]),
        ("rooms", "[CREATED_DESC, ID]", ["-created", "_id"]),
        ("rooms", "[MODIFIED_DESC]", ["-modified"]),
        ("bookings", "[START_DATE_DESC, ID]", ["-start_date", "_id"]),
        ("bookings", "[END_DATE, CREATED_DESC]", ["end_date", "-created"]),
        ("bookings", "[MODIFIED]", ["modified"]),
    ],
)
async def test_sorts_reach_carehq_and_order_the_result(
    gateway: Gateway, sandbox: Sandbox, field: str, sort: str, wire: list[str]
) -> None:
    default = await gateway.data(f"{{ {field}(perPage: 20) {{ items {{ id }} }} }}")
    sandbox.carehq.reset_calls()
    sorted_ = await gateway.data(f"{{ {field}(perPage: 20, sortBy: {sort}) {{ items {{ id }} }} }}")
    (call,) = sandbox.carehq.calls("GET")
    assert call.params_of("sort_by") == wire
    assert _ids(sorted_, field) != _ids(default, field)


def _ids(data: dict[str, Any], field: str) -> list[str]:
    return [item["id"] for item in data[field]["items"]]


async def test_paging_reaches_carehq(gateway: Gateway, sandbox: Sandbox) -> None:
    data = await gateway.data(
        "{ bookings(page: 3, perPage: 7) { page perPage pageCount itemCount items { id } } }"
    )
    page = data["bookings"]
    total = len(sandbox.carehq.store.bookings)
    assert (page["page"], page["perPage"], page["itemCount"]) == (3, 7, total)
    assert page["pageCount"] == -(-total // 7)
    assert [i["id"] for i in page["items"]] == sorted(sandbox.carehq.store.bookings)[14:21]
    (call,) = sandbox.carehq.calls("GET")
    assert (call.param("page"), call.param("per_page")) == ("3", "7")


@pytest.mark.parametrize(
    ("filter_", "param", "value"),
    [("siteId", "site_id", "site"), ("userId", "user_id", "user"), ("status", "status", None)],
)
async def test_bedful_filters_reach_bedful_and_filter(
    gateway: Gateway, sandbox: Sandbox, filter_: str, param: str, value: str | None
) -> None:
    some = next(iter(sandbox.bedful.store.bookings.values()))
    argument = {"site": str(some["site_id"]), "user": str(some["user_id"])}.get(value or "")
    literal = f'"{argument}"' if argument else "CANCELLED"
    everything = await gateway.data("{ bedfulBookings(limit: 5000) { id } }")
    sandbox.bedful.reset_calls()
    data = await gateway.data(
        f"{{ bedfulBookings(limit: 5000, filter: {{{filter_}: {literal}}}) {{ id siteId userId status }} }}"
    )
    (call,) = sandbox.bedful.calls("GET", "/bookings")
    assert call.param(param) == (argument or "11")
    assert call.param("limit") == "5000"
    assert 0 < len(data["bedfulBookings"]) < len(everything["bedfulBookings"])
