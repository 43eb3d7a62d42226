"""The CareHQ seed data: deterministic, independent per store, fast, and covering every category."""

from __future__ import annotations

import itertools
import re
from typing import Any

from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.carehq.model import FLOORS, FUNDING_TYPES, SUITABLE_FOR
from gateway.sandbox.carehq.seed import build_seed
from gateway.sandbox.carehq.store import CareHQStore
from tests.sandbox.carehq_support import (
    Record,
)


def snapshot(store: CareHQStore) -> tuple[Any, ...]:
    return (
        store.locations,
        store.room_rate_types,
        store.room_features,
        store.rooms,
        store.bookings,
    )


def test_same_seed_same_data_different_seed_different_data() -> None:
    first = snapshot(CareHQStore(seed=7))
    build_seed.cache_clear()  # rebuilt, not just the cached copy
    assert snapshot(CareHQStore(seed=7)) == first
    other = CareHQStore(seed=8)
    assert set(other.bookings).isdisjoint(first[4])
    assert [r["rates"] for r in other.rooms.values()] != [r["rates"] for r in first[3].values()]


def test_stores_do_not_share_mutable_data() -> None:
    one, two = CareHQStore(seed=1), CareHQStore(seed=1)
    room_id = next(iter(one.rooms))
    one.rooms[room_id]["features"].append("0123456789abcdef01234567")
    one.rooms[room_id]["rates"].clear()
    next(iter(one.bookings.values()))["notes"] = "changed"
    assert snapshot(two) == snapshot(CareHQStore(seed=1))
    assert two.rooms[room_id]["rates"]


def test_a_seed_is_built_once_per_seed_and_copied() -> None:
    """Every test builds a sandbox, so the seed is generated once per seed and copied after that
    (how long a build takes is measured in bench/bench_seed.py, not timed here)."""
    build_seed.cache_clear()
    first = CareHQSandbox(seed=3)
    second = CareHQSandbox(seed=3)
    assert build_seed.cache_info().misses == 1
    assert second.store.bookings == first.store.bookings
    second.store.bookings.clear()
    assert first.store.bookings, "a copy, not the cached seed itself"


def test_the_seed_covers_every_category() -> None:
    store = CareHQStore(seed=1)
    rooms, bookings = list(store.rooms.values()), list(store.bookings.values())
    assert len(store.locations) == 3
    assert (len(store.room_rate_types), len(store.room_features)) == (6, 8)
    assert len(rooms) >= 120
    assert {r["floor"] for r in rooms} == set(FLOORS)
    assert {f for r in rooms for f in r["funding_types"]} == set(FUNDING_TYPES)
    assert {c for r in rooms for c in r["suitable_for"]} == set(SUITABLE_FOR)
    assert {k for r in rooms for k in r["rates"]} == set(store.room_rate_types)
    assert {f for r in rooms for f in r["features"]} == set(store.room_features)
    assert 0.03 <= sum(r["archived"] for r in rooms) / len(rooms) <= 0.08
    for location in store.locations:
        names = sorted(r["name_no"] for r in rooms if r["location"] == location)
        assert names == [f"{n:02d}" for n in range(1, len(names) + 1)]
    assert len(bookings) >= 2000
    assert {b["start_date"][:4] for b in bookings} == {"2023", "2024", "2025", "2026", "2027"}
    types = [b["booking_type"] for b in bookings]
    assert types.count("service_user") > 0.7 * len(bookings)
    assert types.count("block_contract") >= 50
    assert types.count("out_of_service") >= 50
    assert {b["rate_period"] for b in bookings} == {"daily", "weekly"}
    assert sum(b["respite"] for b in bookings) >= 100
    assert sum(b["respite"] and b["proposed_checkout_date"] is not None for b in bookings) >= 50
    assert sum(b["end_date"] is None for b in bookings) >= 20
    assert sum(b["cancelled"] is not None for b in bookings) >= 50
    checked_out = [b for b in bookings if b["checkout"] and b["reason_for_checkout"]]
    assert len(checked_out) >= 100
    assert any(b["checkout_notes"] for b in checked_out)
    assert sum(b["notes"] is not None for b in bookings) >= 500
    every_id = [*store.rooms, *store.bookings, *store.locations]
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in every_id)
    assert len(set(every_id)) == len(every_id)
    assert all(b["location"] == store.rooms[b["room"]]["location"] for b in bookings)
    assert all(b["created"] <= b["modified"] for b in bookings)


def test_the_seed_does_not_double_book_rooms() -> None:
    by_room: dict[str, list[Record]] = {}
    for booking in CareHQStore(seed=1).bookings.values():
        if booking["cancelled"] is None:
            by_room.setdefault(booking["room"], []).append(booking)
    for stays in by_room.values():
        stays.sort(key=lambda b: b["start_date"])
        for before, after in itertools.pairwise(stays):
            assert before["end_date"] is not None
            assert before["end_date"] <= after["start_date"]
