"""A page of bookings loads its bookings' rooms before graphql-core completes the page, so each
`room` (and `bookedUnits`) is a value instead of an awaitable per booking: the same upstream
calls, the same answers and the same errors as when each booking loaded its own
(`gateway.schema.carehq.ahead`).
"""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway.sandbox import FaultKind, Sandbox
from gateway.schema import selection
from gateway.schema.carehq import types
from tests.conftest import Gateway

PAGE = """query($n: Int!) {
  bookings(perPage: $n) { items { id startDate room { id nameNo floor } } }
}"""


def page_bookings(sandbox: Sandbox, n: int) -> list[dict[str, Any]]:
    """Page 1 in CareHQ's default order (by `_id`), as the sandbox holds it."""
    store = sandbox.carehq.store
    return [store.bookings[b] for b in sorted(store.bookings)[:n]]


def count_room_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rooms `Booking.room` loads on its own (those not loaded ahead by its page)."""
    loads: list[str] = []
    original = types._load_room

    async def counting(info: Any, room_id: str, fields: frozenset[str]) -> Any:
        loads.append(room_id)
        return await original(info, room_id, fields)

    monkeypatch.setattr(types, "_load_room", counting)
    return loads


@pytest.mark.parametrize("n", [1, 10, 100])
async def test_a_page_with_rooms_makes_the_two_calls_and_answers_from_the_store(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    own_loads = count_room_loads(monkeypatch)
    data = await gateway.data(PAGE, {"n": n})
    expected = page_bookings(sandbox, n)
    rooms = sandbox.carehq.store.rooms
    assert data["bookings"]["items"] == [
        {
            "id": b["_id"],
            "startDate": b["start_date"],
            "room": {
                "id": b["room"],
                "nameNo": rooms[b["room"]]["name_no"],
                "floor": int(rooms[b["room"]]["floor"]),
            },
        }
        for b in expected
    ]
    page, rooms_call = sandbox.carehq.calls("GET")  # exactly two calls
    assert page.path == "/v1/bookings"
    assert rooms_call.path == "/v1/rooms"
    assert rooms_call.params_of("filters-ids") == list(dict.fromkeys(b["room"] for b in expected))
    assert sorted(rooms_call.params_of("attributes")) == ["floor", "name_no"]
    assert own_loads == []  # every room came from the page's one load


async def test_aliased_rooms_are_one_call_with_every_attribute(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_loads = count_room_loads(monkeypatch)
    data = await gateway.data(
        "{ bookings(perPage: 20) { items { a: room { nameNo } b: room { floor } } } }"
    )
    rooms = sandbox.carehq.store.rooms
    assert data["bookings"]["items"] == [
        {
            "a": {"nameNo": rooms[b["room"]]["name_no"]},
            "b": {"floor": int(rooms[b["room"]]["floor"])},
        }
        for b in page_bookings(sandbox, 20)
    ]
    (rooms_call,) = sandbox.carehq.calls("GET", "/v1/rooms")
    assert sorted(rooms_call.params_of("attributes")) == ["floor", "name_no"]
    assert own_loads == []


@pytest.mark.parametrize("room", ["room", "room @include(if: true)"])
async def test_rooms_and_booked_units_share_one_rooms_call(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, room: str
) -> None:
    """Loaded ahead together, or (under a directive) each by its resolver: one batch."""
    own_loads = count_room_loads(monkeypatch)
    data = await gateway.data(
        f"{{ bookings {{ items {{ {room} {{ floor }} bookedUnits {{ name }} }} }} }}"
    )
    rooms = sandbox.carehq.store.rooms
    assert data["bookings"]["items"] == [
        {
            "room": {"floor": int(rooms[b["room"]]["floor"])},
            "bookedUnits": [{"name": rooms[b["room"]]["name_no"]}],
        }
        for b in page_bookings(sandbox, 10)
    ]
    bookings_call, rooms_call = sandbox.carehq.calls("GET")  # one rooms call for both fields
    assert bookings_call.path == "/v1/bookings"
    assert rooms_call.path == "/v1/rooms"
    assert sorted(rooms_call.params_of("attributes")) == ["floor", "name_no"]
    assert len(own_loads) == (0 if room == "room" else 20)  # 10 rooms and 10 units, each


@pytest.mark.parametrize(
    "document",
    [
        "query($on: Boolean!) { bookings { items { id room @include(if: $on) { nameNo } } } }",
        "query($on: Boolean!) { bookings { items { id ... @include(if: $on) { room { nameNo } } } } }",
        "query($on: Boolean!) { bookings { items @include(if: $on) { room { nameNo } } } }",
    ],
)
async def test_a_room_under_a_directive_is_loaded_only_when_included(
    gateway: Gateway, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, document: str
) -> None:
    own_loads = count_room_loads(monkeypatch)
    # The same document both ways, in both orders: what is worked out once per document must
    # not carry one request's variables into the next.
    for on in (False, True, False):
        sandbox.carehq.reset_calls()
        data = await gateway.data(document, {"on": on})
        calls = sandbox.carehq.calls("GET")
        assert [call.path for call in calls] == ["/v1/bookings", "/v1/rooms"][: 1 + on]
        if on:
            assert all(item["room"]["nameNo"] for item in data["bookings"]["items"])
            assert calls[1].params_of("attributes") == ["name_no"]
        else:
            assert all("room" not in item for item in data["bookings"].get("items", []))
    # Left to `Booking.room` (10 bookings, once): nothing is loaded ahead under a directive.
    assert len(own_loads) == 10


async def test_a_failed_rooms_call_fails_each_room_and_keeps_the_page(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    emulator = sandbox.carehq
    emulator.latency_ms = 1

    async def fail_from_the_second_call(seconds: float) -> None:
        if len(emulator.calls()) == 2:  # the rooms call: the page has been answered
            emulator.inject(FaultKind.RATE_LIMITED, retry_after=30)

    emulator.sleep = fail_from_the_second_call
    body = await gateway.execute("{ bookings { items { id room { nameNo } } } }")
    items = body["data"]["bookings"]["items"]
    assert [item["id"] for item in items] == [b["_id"] for b in page_bookings(sandbox, 10)]
    assert all(item["room"] is None for item in items)
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (["bookings", "items", index, "room"], "UPSTREAM_RATE_LIMITED") for index in range(10)
    ]
    assert [call.path for call in emulator.calls("GET")] == ["/v1/bookings", "/v1/rooms"]


def field(name: str, *selections: Selection, **directives: dict[str, Any]) -> SelectedField:
    return SelectedField(name, dict(directives), {}, list(selections))


def test_always_under_merges_every_field_and_gives_up_on_any_directive() -> None:
    nested = [
        field("room", field("id")),
        InlineFragment("Booking", [field("room", field("floor"))], {}),
        FragmentSpread("F", "Booking", {}, [field("room", field("nameNo"))]),
        field("id"),
    ]
    merged = selection.always_under(nested, "room")
    assert merged is not None
    assert [sub.name for sub in merged if isinstance(sub, SelectedField)] == [
        "id",
        "floor",
        "nameNo",
    ]
    assert selection.always_under(nested, "location") == []  # not selected: nothing to load
    skipped = field("room", field("id"), skip={"if": False})
    assert selection.always_under([*nested, skipped], "room") is None
    included = InlineFragment(None, [field("room")], {"include": {"if": True}})
    assert selection.always_under([*nested, included], "room") is None


@pytest.mark.parametrize(
    ("selected", "ahead"),
    [
        ("bookedUnits { id name }", True),
        ("... on Booking { room { id floor } } bookedUnits { id name }", True),
        ("... on BedfulBooking { bookedUnits { id name } }", True),  # no CareHQ room read
        ("bookedUnits @include(if: true) { id name }", False),
    ],
)
async def test_stays_load_their_carehq_rooms_ahead_in_the_calls_they_made(
    gateway: Gateway,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    selected: str,
    ahead: bool,
) -> None:
    own_loads = count_room_loads(monkeypatch)
    data = await gateway.data(
        f'{{ stays(from: "2023-01-01", to: "2023-01-15") {{ __typename id {selected} }} }}'
    )
    store = sandbox.carehq.store
    carehq = [s for s in data["stays"] if s["__typename"] == "Booking"]
    assert carehq
    rooms_read = "bookedUnits" in selected and "BedfulBooking" not in selected
    for stay in carehq:
        room_id = store.bookings[stay["id"]]["room"]
        if rooms_read:
            assert stay["bookedUnits"] == [{"id": room_id, "name": store.rooms[room_id]["name_no"]}]
        if "room" in selected.split():
            assert stay["room"] == {"id": room_id, "floor": int(store.rooms[room_id]["floor"])}
    room_ids = {store.bookings[s["id"]]["room"] for s in carehq}
    rooms_calls = sandbox.carehq.calls("GET", "/v1/rooms")
    assert len(rooms_calls) == (-(-len(room_ids) // 100) if rooms_read else 0)
    assert {i for call in rooms_calls for i in call.params_of("filters-ids")} == (
        room_ids if rooms_read else set()
    )
    assert len(own_loads) == (0 if ahead else len(carehq))
