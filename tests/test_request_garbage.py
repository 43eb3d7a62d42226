"""A request's own objects go when it is answered, freed by reference counting: no reference
cycle (graphql-core's executor, a loader holding its owner's method) leaves them to the garbage
collector, which would otherwise scan them, alive, again and again while requests run."""

from __future__ import annotations

import gc
from collections import Counter

import pytest

from tests.conftest import Gateway

# httpx is left out: its own Response and the stream bound to it refer to each other.
OURS = ("gateway.", "graphql.", "strawberry.", "aiodataloader", "starlette.", "fastapi.")
DOCUMENTS = [
    "query RoomsPage { rooms(perPage: 10) { itemCount items { id nameNo } } }",
    "query BookingsPage { bookings(perPage: 10) { itemCount page pageCount items { id } } }",
    "query WithRooms { bookings(perPage: 10) { items { id room { id nameNo } } } }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_request_leaves_none_of_its_objects_to_the_collector(
    gateway: Gateway, document: str
) -> None:
    await gateway.data(document)  # parsed and validated (graphql-core's visitors: cycles) once
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept in gc.garbage, not freed
    try:
        for _ in range(3):
            assert (await gateway.data(document)).keys()
        gc.collect()
        left = Counter(
            f"{type(o).__module__}.{type(o).__qualname__}"
            for o in gc.garbage
            if type(o).__module__.startswith(OURS)
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left, left
