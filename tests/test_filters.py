"""Every filter and sort argument reaches the upstream as the documented parameter, and changes
the result (counted against the unfiltered list).

The tests are parametrized by the names in the built schema (the fields of each filter input,
the values of each sort enum), so a filter or sort added without a case here fails its test."""

from __future__ import annotations

from typing import Any

import graphql
import pytest

from gateway.sandbox import Sandbox
from gateway.schema import build_schema
from tests.conftest import Gateway

SCHEMA = graphql.build_schema(build_schema().as_str())


def input_fields(name: str) -> list[str]:
    type_ = SCHEMA.type_map[name]
    assert isinstance(type_, graphql.GraphQLInputObjectType)
    return list(type_.fields)


def enum_values(name: str) -> list[str]:
    type_ = SCHEMA.type_map[name]
    assert isinstance(type_, graphql.GraphQLEnumType)
    return list(type_.values)


Case = tuple[str, list[tuple[str, str]]]  # (filter fields as GraphQL, expected wire params)


def cases_of(name: str, cases: list[Case]) -> list[Case]:
    """The cases for one filter field (a case's GraphQL starts with the field's name)."""
    found = [case for case in cases if case[0].split(":")[0] == name]
    assert found, f"filter {name!r} has no case in tests/test_filters.py: add one"
    return found


def test_every_case_is_for_a_filter_the_schema_has() -> None:
    sandbox = Sandbox(seed=1)
    for type_, cases in (
        ("RoomFilter", _room_filters(sandbox)),
        ("BookingFilter", _booking_filters(sandbox)),
    ):
        assert {case[0].split(":")[0] for case in cases} == set(input_fields(type_)), type_
    assert set(BEDFUL_FILTERS) == set(input_fields("BedfulBookingFilter"))
    assert set(ROOM_SORTS) == set(enum_values("RoomSort"))
    assert set(BOOKING_SORTS) == set(enum_values("BookingSort"))


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


@pytest.mark.parametrize("name", input_fields("RoomFilter"))
async def test_each_room_filter_reaches_carehq_and_filters(
    gateway: Gateway, sandbox: Sandbox, name: str
) -> None:
    everything = await _count(gateway, "rooms")
    for filter_, expected in cases_of(name, _room_filters(sandbox)):
        sandbox.carehq.reset_calls()
        filtered = await _count(gateway, "rooms", filter_)
        (call,) = sandbox.carehq.calls("GET", "/v1/rooms")
        for pair in expected:
            assert pair in call.params
        assert filtered != everything, filter_


@pytest.mark.parametrize("name", input_fields("BookingFilter"))
async def test_each_booking_filter_reaches_carehq_and_filters(
    gateway: Gateway, sandbox: Sandbox, name: str
) -> None:
    everything = await _count(gateway, "bookings")
    for filter_, expected in cases_of(name, _booking_filters(sandbox)):
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


# Each sort value of the schema: a sortBy that uses it (first, unless it is the default order)
# and what CareHQ must be sent for it.
ROOM_SORTS: dict[str, tuple[str, list[str]]] = {
    "ID": ("[FLOOR, ID]", ["floor", "_id"]),
    "ID_DESC": ("[ID_DESC]", ["-_id"]),
    "CREATED": ("[FLOOR_DESC, CREATED]", ["-floor", "created"]),
    "CREATED_DESC": ("[CREATED_DESC, ID]", ["-created", "_id"]),
    "FLOOR": ("[FLOOR, NAME_NO_DESC]", ["floor", "-name_no"]),
    "FLOOR_DESC": ("[FLOOR_DESC, NAME_NO]", ["-floor", "name_no"]),
    "MODIFIED": ("[MODIFIED]", ["modified"]),
    "MODIFIED_DESC": ("[MODIFIED_DESC]", ["-modified"]),
    "NAME_NO": ("[NAME_NO]", ["name_no"]),
    "NAME_NO_DESC": ("[NAME_NO_DESC]", ["-name_no"]),
}
BOOKING_SORTS: dict[str, tuple[str, list[str]]] = {
    "ID": ("[START_DATE_DESC, ID]", ["-start_date", "_id"]),
    "ID_DESC": ("[ID_DESC]", ["-_id"]),
    "CREATED": ("[END_DATE_DESC, CREATED]", ["-end_date", "created"]),
    "CREATED_DESC": ("[END_DATE, CREATED_DESC]", ["end_date", "-created"]),
    "END_DATE": ("[END_DATE]", ["end_date"]),
    "END_DATE_DESC": ("[END_DATE_DESC]", ["-end_date"]),
    "MODIFIED": ("[MODIFIED]", ["modified"]),
    "MODIFIED_DESC": ("[MODIFIED_DESC]", ["-modified"]),
    "START_DATE": ("[START_DATE]", ["start_date"]),
    "START_DATE_DESC": ("[START_DATE_DESC, ID]", ["-start_date", "_id"]),
}


@pytest.mark.parametrize(
    ("field", "value"),
    [("rooms", value) for value in enum_values("RoomSort")]
    + [("bookings", value) for value in enum_values("BookingSort")],
)
async def test_sorts_reach_carehq_and_order_the_result(
    gateway: Gateway, sandbox: Sandbox, field: str, value: str
) -> None:
    cases = ROOM_SORTS if field == "rooms" else BOOKING_SORTS
    assert value in cases, f"sort {value} of {field} has no case in tests/test_filters.py"
    sort, wire = cases[value]
    assert value in sort.strip("[]").split(", ")
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


# Each Bedful filter: the value to send (a key of `_bedful_values`), the parameter Bedful must
# get, and what that parameter's value must be (None: the same as sent).
BEDFUL_FILTERS: dict[str, tuple[str, str, str | None]] = {
    "id": ("booking", "id", None),
    "siteId": ("site", "site_id", None),
    "userId": ("user", "user_id", None),
    "status": ("CANCELLED", "status", "11"),
}


def _bedful_values(sandbox: Sandbox) -> dict[str, str]:
    some = next(iter(sandbox.bedful.store.bookings.values()))
    return {
        "booking": f'"{some["id"]}"',
        "site": f'"{some["site_id"]}"',
        "user": f'"{some["user_id"]}"',
        "CANCELLED": "CANCELLED",
    }


@pytest.mark.parametrize("filter_", input_fields("BedfulBookingFilter"))
async def test_bedful_filters_reach_bedful_and_filter(
    gateway: Gateway, sandbox: Sandbox, filter_: str
) -> None:
    assert filter_ in BEDFUL_FILTERS, f"Bedful filter {filter_} has no case in this module"
    value, param, wire = BEDFUL_FILTERS[filter_]
    literal = _bedful_values(sandbox)[value]
    everything = await gateway.data("{ bedfulBookings(limit: 5000) { id } }")
    sandbox.bedful.reset_calls()
    data = await gateway.data(
        f"{{ bedfulBookings(limit: 5000, filter: {{{filter_}: {literal}}}) {{ id siteId userId status }} }}"
    )
    (call,) = sandbox.bedful.calls("GET", "/bookings")
    assert call.param(param) == (wire or literal.strip('"'))
    assert call.param("limit") == "5000"
    assert 0 < len(data["bedfulBookings"]) < len(everything["bedfulBookings"])
