"""What a selection reads is worked out once per field of a document, not once per object of a
list, and never carried from one document to another."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import strawberry.types.info as strawberry_info

from gateway.sandbox import Sandbox
from tests.conftest import Gateway


def count_conversions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Strawberry's conversions of field nodes into selections (`info.selected_fields`)."""
    calls: list[int] = []
    original: Callable[..., Any] = strawberry_info.convert_selections

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(strawberry_info, "convert_selections", counting)
    return calls


@pytest.mark.parametrize(
    ("room", "converted"),
    [
        # The page loads the rooms ahead, from its own selection (`gateway.schema.carehq.ahead`).
        ("room", 1),  # `bookings`, the first time only
        # Under a directive, each booking's `room` loads its own.
        ("room @include(if: true)", 2),  # `bookings` and `room`, the first time only
    ],
)
async def test_a_page_of_100_bookings_works_out_each_selection_once(
    gateway: Gateway,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    room: str,
    converted: int,
) -> None:
    conversions = count_conversions(monkeypatch)
    document = (
        f"# {uuid.uuid4()}\n{{ bookings(perPage: 100) {{ items {{ id {room} {{ nameNo }} }} }} }}"
    )
    for _ in range(3):
        data = await gateway.data(document)
        assert len(data["bookings"]["items"]) == 100
        assert all(item["room"]["nameNo"] for item in data["bookings"]["items"])
    assert len(conversions) == converted
    rooms_calls = sandbox.carehq.calls("GET", "/v1/rooms")
    assert len(rooms_calls) == 3
    assert {tuple(call.params_of("attributes")) for call in rooms_calls} == {("name_no",)}


@pytest.mark.parametrize("round_", [1, 2])
async def test_documents_of_the_same_shape_keep_their_own_selections(
    gateway: Gateway, sandbox: Sandbox, round_: int
) -> None:
    shapes = {
        "nameNo": ["name_no"],
        "floor": ["floor"],
        "... on Room { location }": ["location"],
        "...F": ["archived"],
    }
    for selected, attributes in shapes.items():
        sandbox.carehq.reset_calls()
        fragment = " fragment F on Room { archived }" if selected == "...F" else ""
        await gateway.data(f"{{ rooms(perPage: 2) {{ items {{ {selected} }} }} }}{fragment}")
        (call,) = sandbox.carehq.calls("GET", "/v1/rooms")
        assert sorted(call.params_of("attributes")) == attributes, (round_, selected)
