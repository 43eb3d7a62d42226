"""One document: `GET /v1/<resource>/<id>`, create (`PUT /v1/bookings`), update (`PATCH`)."""

from __future__ import annotations

import re

import httpx
import pytest

from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.carehq.seed import build_seed
from tests.sandbox.carehq_support import (
    NOW_TEXT,
    Clock,
    booking_form,
    ids_of,
)


async def test_get_by_id_answers_the_whole_object(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    booking_id = sorted(carehq.store.bookings)[5]
    archived = next(r for r in carehq.store.rooms.values() if r["archived"])
    booking = await carehq_client.get(f"/v1/bookings/{booking_id}")
    room = await carehq_client.get(f"/v1/rooms/{archived['_id']}")
    assert booking.json() == carehq.store.bookings[booking_id]
    assert room.json() == archived  # archived rooms are hidden from the list only


@pytest.mark.parametrize("doc_id", ["0123456789abcdef01234567", "123", "ZZ23456789abcdef01234567"])
@pytest.mark.parametrize("resource", ["rooms", "bookings"])
async def test_an_unknown_or_malformed_id_is_a_404_with_a_hint(
    carehq_client: httpx.AsyncClient, resource: str, doc_id: str
) -> None:
    response = await carehq_client.get(f"/v1/{resource}/{doc_id}")
    assert response.status_code == 404
    assert doc_id in response.json()["hint"]


async def test_create_answers_the_documented_str_shape_and_the_booking_is_listed(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    form = booking_form(carehq.store, check_in="yes")
    response = await carehq_client.put("/v1/bookings", data=form)
    assert response.status_code == 200
    created = response.json()
    assert created == {
        "_id": created["_id"],
        "booking_type": "service_user",
        "cancelled": None,
        "check_in": True,
        "checkout": False,
        "checkout_notes": "",
        "created": NOW_TEXT,
        "end_date_str": None,
        "location": carehq.store.rooms[form["room"]]["location"],
        "modified": NOW_TEXT,
        "notes": "",
        "proposed_checkout_date_str": None,
        "rate": 100000,
        "rate_period": "weekly",
        "reason_for_checkout": None,
        "respite": False,
        "room": form["room"],
        "service_user": form["service_user"],
        "start_date_str": "2026-03-12",
    }
    assert re.fullmatch(r"[0-9a-f]{24}", created["_id"])
    listed = await carehq_client.get(
        "/v1/bookings", params={"filters-ids": created["_id"], "attributes": "start_date"}
    )
    assert listed.json()["items"] == [{"_id": created["_id"], "start_date": "2026-03-12"}]
    fetched = (await carehq_client.get(f"/v1/bookings/{created['_id']}")).json()
    assert fetched == carehq.store.bookings[created["_id"]]
    assert (fetched["start_date"], fetched["end_date"]) == ("2026-03-12", None)


async def test_create_takes_every_optional_field(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    optional = {
        "check_in": "no",
        "checkout": "yes",
        "respite": "yes",
        "notes": "Trial stay",
        "checkout_notes": "Going home",
        "reason_for_checkout": "Returned home",
        "start_date": "2026-04-01",
        "end_date": "2026-04-15",
        "proposed_checkout_date": "2026-04-14",
        "rate_period": "daily",
        "rate": "0",
    }
    created = (
        await carehq_client.put("/v1/bookings", data=booking_form(carehq.store, **optional))
    ).json()
    assert {k: created[k] for k in ("check_in", "checkout", "respite", "rate")} == {
        "check_in": False,
        "checkout": True,
        "respite": True,
        "rate": 0,
    }
    assert (created["start_date_str"], created["end_date_str"]) == ("2026-04-01", "2026-04-15")
    assert created["proposed_checkout_date_str"] == "2026-04-14"
    assert (created["notes"], created["checkout_notes"]) == ("Trial stay", "Going home")


async def test_create_names_every_missing_argument(carehq_client: httpx.AsyncClient) -> None:
    response = await carehq_client.put("/v1/bookings", data={"notes": "nothing else"})
    assert response.status_code == 400
    required = {"booking_type", "rate", "rate_period", "room", "service_user"}
    assert set(response.json()["arg_errors"]) == required


async def test_create_names_every_bad_argument_at_once(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    archived = next(r["_id"] for r in carehq.store.rooms.values() if r["archived"])
    bad = {
        "booking_type": "block_contract",
        "rate": "1000.50",
        "rate_period": "monthly",
        "room": archived,
        "service_user": "someone",
        "check_in": "true",
        "checkout": "1",
        "respite": "True",
        "start_date": "2026-02-30",
        "proposed_checkout_date": "soon",
    }
    response = await carehq_client.put("/v1/bookings", data=bad)
    assert response.status_code == 400
    assert set(response.json()["arg_errors"]) == set(bad)
    assert len(carehq.store.bookings) == len(build_seed(1).bookings)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate", "-5"),
        ("room", "0123456789abcdef01234567"),
        ("end_date", "2026-03-11"),  # before the default start date, today
        ("booking_type", "out_of_service"),
    ],
)
async def test_create_refuses_one_bad_argument(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox, field: str, value: str
) -> None:
    response = await carehq_client.put(
        "/v1/bookings", data=booking_form(carehq.store, **{field: value})
    )
    assert response.status_code == 400
    assert list(response.json()["arg_errors"]) == [field]


async def test_a_json_body_is_a_400_with_a_hint(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    booking_id = next(iter(carehq.store.bookings))
    for method, path in (("PUT", "/v1/bookings"), ("PATCH", f"/v1/bookings/{booking_id}")):
        response = await carehq_client.request(method, path, json=booking_form(carehq.store))
        assert response.status_code == 400
        assert "x-www-form-urlencoded" in response.json()["hint"]


async def test_patch_cancels_and_answers_the_booking(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    booking = carehq.store.add_booking(start_date="2026-04-01", end_date="2026-05-01")
    carehq_clock.now += 3600
    form = {
        "cancelled": "2026-03-12 11:55:05",
        "reason_for_checkout": "Family changed plans",
        "checkout_notes": "Cancelled by phone",
    }
    response = await carehq_client.patch(f"/v1/bookings/{booking['_id']}", data=form)
    assert response.status_code == 200
    body = response.json()
    assert body == carehq.store.bookings[booking["_id"]]
    assert {k: body[k] for k in form} == form
    assert (body["modified"], body["start_date"]) == ("2026-03-12 11:55:05", "2026-04-01")
    cancelled = await ids_of(carehq_client, "bookings", {"filters-cancelled": "yes"})
    assert booking["_id"] in cancelled


async def test_patch_updates_dates_and_moves_rooms(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    booking = carehq.store.add_booking(start_date="2026-04-01")
    other = next(r for r in carehq.store.rooms.values() if r["location"] != booking["location"])
    form = {"end_date": "2026-04-20", "room": other["_id"], "notes": "Moved"}
    body = (await carehq_client.patch(f"/v1/bookings/{booking['_id']}", data=form)).json()
    assert (body["end_date"], body["room"], body["location"]) == (
        "2026-04-20",
        other["_id"],
        other["location"],
    )


@pytest.mark.parametrize(
    ("form", "bad"),
    [
        ({"cancelled": "2026-03-12"}, {"cancelled"}),
        ({"end_date": "2026-03-31"}, {"end_date"}),
        ({"booking_type": "block_contract", "service_user": "69b29b8985f06fda012b2f87"}, None),
        ({"respite": "maybe", "rate": ""}, {"respite", "rate"}),
    ],
)
async def test_patch_validates_like_create(
    carehq_client: httpx.AsyncClient,
    carehq: CareHQSandbox,
    form: dict[str, str],
    bad: set[str] | None,
) -> None:
    booking = carehq.store.add_booking(start_date="2026-04-01")
    response = await carehq_client.patch(f"/v1/bookings/{booking['_id']}", data=form)
    assert response.status_code == 400
    assert set(response.json()["arg_errors"]) == (bad or set(form))


async def test_patch_of_an_unknown_booking_is_a_404(carehq_client: httpx.AsyncClient) -> None:
    response = await carehq_client.patch(
        "/v1/bookings/0123456789abcdef01234567", data={"notes": "x"}
    )
    assert response.status_code == 404
    assert response.json()["hint"]
