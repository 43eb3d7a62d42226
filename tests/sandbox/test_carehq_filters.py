"""Every documented `filters-*` of `GET /v1/bookings` and `GET /v1/rooms`, against brute force.

Each case computes the expected ids from `carehq.store` with its own reading of the docs and
checks that the filter changes the result at all (0 < kept < everything).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from gateway.sandbox.carehq import CareHQSandbox
from tests.sandbox.carehq_support import (
    Params,
    Record,
    day,
    ids_of,
    moment,
)


def hoist(b: Record) -> bool:
    return any("hoist" in (b[k] or "").lower() for k in ("notes", "checkout_notes"))


BOOKING_FILTERS: list[Any] = [
    pytest.param(
        {"filters-booking_type": ["block_contract", "out_of_service"]},
        lambda b: b["booking_type"] != "service_user",
        id="booking_type",
    ),
    *[
        pytest.param({f"filters-{name}": state}, check, id=f"{name}={state}")
        for name in ("cancelled", "check_in", "checkout", "respite")
        for state, check in (
            ("yes", lambda b, n=name: b[n] not in (None, False)),
            ("no", lambda b, n=name: b[n] in (None, False)),
        )
    ],
    pytest.param(
        {"filters-end_date": "2025-01-01"},
        lambda b: day(b["start_date"]) < date(2025, 1, 1),
        id="end_date keeps bookings starting before",
    ),
    pytest.param(
        {"filters-start_date": "2025-01-01"},
        lambda b: b["end_date"] is None or day(b["end_date"]) > date(2025, 1, 1),
        id="start_date keeps bookings ending after",
    ),
    pytest.param(
        {"filters-start_date": "2025-01-01", "filters-end_date": "2025-02-01"},
        lambda b: (
            day(b["start_date"]) < date(2025, 2, 1)
            and (b["end_date"] is None or day(b["end_date"]) > date(2025, 1, 1))
        ),
        id="the overlap pair",
    ),
    pytest.param({"filters-max_rate": "105000"}, lambda b: b["rate"] <= 105000, id="max_rate"),
    pytest.param({"filters-min_rate": "105000"}, lambda b: b["rate"] >= 105000, id="min_rate"),
    pytest.param(
        {"filters-min_rate": "20000", "filters-max_rate": "30000"},
        lambda b: 20000 <= b["rate"] <= 30000,
        id="rate range",
    ),
    pytest.param(
        {"filters-modified_after": "2025-06-01 12:30:00"},
        lambda b: moment(b["modified"]) > datetime(2025, 6, 1, 12, 30),
        id="modified_after date-time",
    ),
    pytest.param(
        {"filters-modified_before": "2024-01-01"},
        lambda b: moment(b["modified"]) < datetime(2024, 1, 1),
        id="modified_before date",
    ),
    pytest.param({"filters-q": "HoIsT"}, hoist, id="q in notes, any case"),
    pytest.param(
        {"filters-q": "ambulance"},
        lambda b: "ambulance" in (b["checkout_notes"] or "").lower(),
        id="q in checkout_notes",
    ),
]


@pytest.mark.parametrize(("params", "keep"), BOOKING_FILTERS)
async def test_each_booking_filter_keeps_what_the_docs_say(
    carehq_client: httpx.AsyncClient,
    carehq: CareHQSandbox,
    params: Params,
    keep: Callable[[Record], bool],
) -> None:
    expected = {i for i, booking in carehq.store.bookings.items() if keep(booking)}
    assert 0 < len(expected) < len(carehq.store.bookings)  # the filter does something
    assert await ids_of(carehq_client, "bookings", params) == expected


@pytest.mark.parametrize(
    ("param", "attribute"),
    [
        ("filters-ids", "_id"),
        ("filters-location", "location"),
        ("filters-room", "room"),
        ("filters-service_user", "service_user"),
    ],
)
async def test_booking_id_filters_take_a_list(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox, param: str, attribute: str
) -> None:
    values = sorted({b[attribute] for b in carehq.store.bookings.values() if b[attribute]})[:2]
    expected = {i for i, b in carehq.store.bookings.items() if b[attribute] in values}
    assert 0 < len(expected) < len(carehq.store.bookings)
    assert await ids_of(carehq_client, "bookings", {param: values}) == expected


async def test_the_overlap_pair_edges(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    store = carehq.store
    user = store.new_id()
    ends_on_d = store.add_booking(service_user=user, start_date="2030-01-01", end_date="2030-01-10")
    ends_after = store.add_booking(
        service_user=user, start_date="2030-01-02", end_date="2030-01-11"
    )
    open_ended = store.add_booking(service_user=user, start_date="2030-01-03", end_date=None)
    starts_on_d = store.add_booking(service_user=user, start_date="2030-01-10")
    mine = {"filters-service_user": user}
    ends_after_d = await ids_of(
        carehq_client, "bookings", {**mine, "filters-start_date": "2030-01-10"}
    )
    assert ends_after_d == {ends_after["_id"], open_ended["_id"], starts_on_d["_id"]}
    starts_before_d = await ids_of(
        carehq_client, "bookings", {**mine, "filters-end_date": "2030-01-10"}
    )
    assert starts_before_d == {ends_on_d["_id"], ends_after["_id"], open_ended["_id"]}


async def test_tri_state_filters_default_to_unset(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    everything = set(carehq.store.bookings)
    for name in ("cancelled", "check_in", "checkout", "respite"):
        unset = await ids_of(carehq_client, "bookings", {f"filters-{name}": "unset"})
        yes = await ids_of(carehq_client, "bookings", {f"filters-{name}": "yes"})
        no = await ids_of(carehq_client, "bookings", {f"filters-{name}": "no"})
        assert unset == yes | no == everything
        assert not yes & no


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("filters-cancelled", "true"),
        ("filters-respite", ""),
        ("filters-start_date", "2025-13-01"),
        ("filters-end_date", "01/02/2025"),
        ("filters-booking_type", "holiday"),
        ("filters-min_rate", "12.50"),
        ("filters-max_rate", "-1"),
        ("filters-modified_after", "2025-01-01T10:00:00"),
        ("filters-ids", "69b29b8985f06fda012b2ff5,69b29b8985f06fda012b2ff6"),
        ("filters-room", "room-1"),
    ],
)
async def test_an_invalid_booking_filter_is_a_400_naming_it(
    carehq_client: httpx.AsyncClient, param: str, value: str
) -> None:
    response = await carehq_client.get("/v1/bookings", params={param: value})
    assert response.status_code == 400
    assert list(response.json()["arg_errors"]) == [param]
    assert response.json()["hint"]


def active(room: Record) -> bool:
    return not room["archived"]


ROOM_FILTERS: list[Any] = [
    pytest.param({}, active, id="archived defaults to no"),
    pytest.param({"filters-archived": "yes"}, lambda r: r["archived"], id="archived=yes"),
    pytest.param(
        {"filters-floor": ["-1", "4"]},
        lambda r: active(r) and r["floor"] in ("-1", "4"),
        id="floor",
    ),
    pytest.param(
        {"filters-funding_types": ["block_bed", "dta_spot"]},
        lambda r: active(r) and bool({"block_bed", "dta_spot"} & set(r["funding_types"])),
        id="funding_types, any",
    ),
    pytest.param(
        {"filters-suitable_for": "bariatric_care"},
        lambda r: active(r) and "bariatric_care" in r["suitable_for"],
        id="suitable_for",
    ),
    pytest.param(
        {"filters-modified_after": "2023-06-01"},
        lambda r: active(r) and moment(r["modified"]) > datetime(2023, 6, 1),
        id="modified_after",
    ),
    pytest.param(
        {"filters-modified_before": "2023-06-01 13:00:00", "filters-archived": "unset"},
        lambda r: moment(r["modified"]) < datetime(2023, 6, 1, 13),
        id="modified_before",
    ),
    pytest.param({"filters-q": "1"}, lambda r: active(r) and "1" in r["name_no"], id="q"),
]


@pytest.mark.parametrize(("params", "keep"), ROOM_FILTERS)
async def test_each_room_filter_keeps_what_the_docs_say(
    carehq_client: httpx.AsyncClient,
    carehq: CareHQSandbox,
    params: Params,
    keep: Callable[[Record], bool],
) -> None:
    expected = {i for i, room in carehq.store.rooms.items() if keep(room)}
    assert 0 < len(expected) < len(carehq.store.rooms)
    assert await ids_of(carehq_client, "rooms", params) == expected


async def test_archived_unset_shows_every_room(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    assert await ids_of(carehq_client, "rooms", {"filters-archived": "unset"}) == set(
        carehq.store.rooms
    )


@pytest.mark.parametrize(
    ("param", "attribute"),
    [("filters-ids", "_id"), ("filters-location", "location"), ("filters-features", "features")],
)
async def test_room_id_filters_take_a_list_and_match_any(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox, param: str, attribute: str
) -> None:
    rooms = [r for r in carehq.store.rooms.values() if not r["archived"]]
    values = sorted({v for r in rooms for v in _as_list(r[attribute])})[:2]
    expected = {r["_id"] for r in rooms if set(values) & set(_as_list(r[attribute]))}
    assert 0 < len(expected) < len(rooms)
    assert await ids_of(carehq_client, "rooms", {param: values}) == expected


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]
