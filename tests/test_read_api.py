"""The read API as frontends use it: call budgets, selection-driven attributes, batching,
filters and sorts reaching CareHQ, and validation before any upstream call."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gateway.sandbox import Sandbox
from tests.conftest import Gateway


def carehq_gets(sandbox: Sandbox, path: str | None = None) -> list[Any]:
    return sandbox.carehq.calls("GET", path)


@pytest.mark.parametrize("n", [1, 10, 100])
async def test_a_page_of_bookings_with_their_rooms_costs_two_calls(
    gateway: Gateway, sandbox: Sandbox, n: int
) -> None:
    data = await gateway.data(
        "query($n: Int!) { bookings(perPage: $n) { items { room { nameNo } } } }", {"n": n}
    )
    assert len(data["bookings"]["items"]) == n
    page, rooms = carehq_gets(sandbox)  # exactly two calls
    assert page.path == "/v1/bookings"
    assert page.params_of("attributes") == ["room"]
    assert rooms.path == "/v1/rooms"
    assert rooms.params_of("attributes") == ["name_no"]
    page_room_ids = {
        sandbox.carehq.store.bookings[b]["room"]
        for b in _page_ids(sandbox, "bookings", page.param("per_page"))
    }
    assert sorted(rooms.params_of("filters-ids")) == sorted(page_room_ids)
    assert all(item["room"]["nameNo"] for item in data["bookings"]["items"])


def _page_ids(sandbox: Sandbox, resource: str, per_page: str | None) -> list[str]:
    """The ids of page 1 in CareHQ's default order (by `_id`)."""
    store = getattr(sandbox.carehq.store, resource)
    return sorted(store)[: int(per_page or 10)]


@pytest.mark.parametrize("n", [1, 10, 100])
async def test_rooms_with_their_bookings_cost_one_call_per_upstream_page(
    gateway: Gateway, sandbox: Sandbox, n: int
) -> None:
    data = await gateway.data(
        "query($n: Int!) { rooms(perPage: $n) { items { id bookings { startDate } } } }", {"n": n}
    )
    rooms = data["rooms"]["items"]
    room_ids = {room["id"] for room in rooms}
    expected = [b for b in sandbox.carehq.store.bookings.values() if b["room"] in room_ids]
    assert sum(len(room["bookings"]) for room in rooms) == len(expected)
    calls = carehq_gets(sandbox)
    assert len(calls) == 1 + max(1, math.ceil(len(expected) / 100))
    booking_calls = calls[1:]
    assert all(set(c.params_of("filters-room")) == room_ids for c in booking_calls)
    assert sorted(c.param("page") for c in booking_calls) == sorted(
        str(p) for p in range(1, len(booking_calls) + 1)
    )
    assert booking_calls[0].params_of("attributes") == ["room", "start_date"]


async def test_by_id_lookups_in_one_document_are_one_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    a, b = sorted(sandbox.carehq.store.bookings)[:2]
    data = await gateway.data(
        "query($a: ID!, $b: ID!) { a: booking(id: $a) { id } b: booking(id: $b) { notes } }",
        {"a": a, "b": b},
    )
    assert data["a"]["id"] == a
    (call,) = carehq_gets(sandbox)
    assert sorted(call.params_of("filters-ids")) == sorted([a, b])
    assert call.params_of("attributes") == ["notes"]


async def test_the_same_bedful_booking_twice_is_one_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    first, second = sorted(sandbox.bedful.store.bookings)[:2]
    document = "query($a: ID!, $b: ID!) { x: bedfulBooking(id: $a) { name } y: bedfulBooking(id: $a) { email } z: bedfulBooking(id: $b) { id } }"
    data = await gateway.data(document, {"a": str(first), "b": str(second)})
    assert data["z"]["id"] == str(second)
    paths = sorted(call.path for call in sandbox.bedful.calls("GET"))
    assert paths == sorted([f"/bookings/{first}", f"/bookings/{second}"])


async def test_only_the_selected_attributes_are_asked_for(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    await gateway.data("{ rooms { items { nameNo } } }")
    (call,) = carehq_gets(sandbox)
    assert call.params_of("attributes") == ["name_no"]
    assert [key for key, _ in call.params].count("attributes") == 1


async def test_fragments_and_aliases_count_towards_the_attributes(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    document = """
      query { bookings(perPage: 3) { items { ...Dates n: notes } } }
      fragment Dates on Booking { startDate endDate totalPrice { amount } }
    """
    await gateway.data(document)
    (call,) = carehq_gets(sandbox)
    assert sorted(call.params_of("attributes")) == sorted(
        ["start_date", "end_date", "notes", "rate", "rate_period"]
    )


async def test_two_selections_of_the_same_rooms_make_one_call(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    a, b = sorted(sandbox.carehq.store.bookings)[:2]
    document = """query($a: ID!, $b: ID!) {
        a: booking(id: $a) { room { nameNo } } b: booking(id: $b) { room { floor } } }"""
    await gateway.data(document, {"a": a, "b": b})
    _bookings, rooms = carehq_gets(sandbox)
    assert sorted(rooms.params_of("attributes")) == ["floor", "name_no"]


async def test_an_unknown_id_is_null_without_an_error(gateway: Gateway) -> None:
    body = await gateway.execute(
        '{ booking(id: "0123456789abcdef01234567") { id } room(id: "0123456789abcdef01234567")'
        ' { id } bedfulBooking(id: "999999999") { id } }'
    )
    assert body == {"data": {"booking": None, "room": None, "bedfulBooking": None}}


async def test_an_archived_room_is_still_found_by_id(gateway: Gateway, sandbox: Sandbox) -> None:
    archived = next(r for r in sandbox.carehq.store.rooms.values() if r["archived"])
    data = await gateway.data(
        "query($id: ID!) { room(id: $id) { id archived } }", {"id": archived["_id"]}
    )
    assert data["room"] == {"id": archived["_id"], "archived": True}


async def test_an_enum_value_carehq_added_later_does_not_break_the_response(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    room = next(iter(sandbox.carehq.store.rooms.values()))
    room["suitable_for"] = ["residential", "hospice_care"]
    data = await gateway.data(
        "query($id: ID!) { room(id: $id) { suitableFor } }", {"id": room["_id"]}
    )
    assert data["room"]["suitableFor"] == ["RESIDENTIAL", "OTHER"]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ("{ rooms(perPage: 0) { itemCount } }", "perPage"),
        ("{ rooms(perPage: 101) { itemCount } }", "perPage"),
        ("{ bookings(page: 0) { itemCount } }", "page"),
        ('{ booking(id: "nope") { id } }', "id"),
        ('{ rooms(filter: {ids: ["x"]}) { itemCount } }', "ids"),
        ("{ rooms(filter: {floors: [7]}) { itemCount } }", "floors"),
        ("{ bookings(filter: {minRate: -1}) { itemCount } }", "minRate"),
        ("{ bookings(filter: {minRate: 10, maxRate: 5}) { itemCount } }", "maxRate"),
        ("{ bookings(filter: {bookingTypes: [OTHER]}) { itemCount } }", "bookingTypes"),
        ('{ bedfulBooking(id: "12a") { id } }', "id"),
        ("{ bedfulBookings(limit: 0) { id } }", "limit"),
        ('{ bedfulBookings(filter: {siteId: "-3"}) { id } }', "siteId"),
    ],
)
async def test_bad_arguments_are_refused_before_any_upstream_call(
    gateway: Gateway, sandbox: Sandbox, document: str, field: str
) -> None:
    body = await gateway.execute(document)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in error["extensions"]["fields"]
    assert sandbox.carehq.requests == []
    assert sandbox.bedful.requests == []
