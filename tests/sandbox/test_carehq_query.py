"""What every CareHQ list shares: `attributes`, `sort_by`, `page`, `per_page` and arg_errors."""

from __future__ import annotations

import functools

import httpx
import pytest

from gateway.sandbox.carehq import CareHQSandbox
from tests.sandbox.carehq_support import (
    Record,
    list_all,
)


async def test_a_list_shows_only_ids_by_default(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    body = (await carehq_client.get("/v1/bookings")).json()
    assert body["item_count"] == len(carehq.store.bookings)
    assert (body["page"], body["per_page"]) == (1, 10)
    assert body["items"] == [{"_id": i} for i in sorted(carehq.store.bookings)[:10]]


async def test_a_list_shows_exactly_the_asked_attributes_and_the_id(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    params = {"attributes": ["service_user", "start_date", "end_date"], "per_page": "3"}
    items = (await carehq_client.get("/v1/bookings", params=params)).json()["items"]
    wanted = ("_id", "end_date", "service_user", "start_date")
    stored = carehq.store.bookings
    assert items == [{k: stored[item["_id"]][k] for k in wanted} for item in items]
    assert [list(item) for item in items] == [list(wanted)] * 3


async def test_an_unknown_attribute_is_a_400(carehq_client: httpx.AsyncClient) -> None:
    response = await carehq_client.get("/v1/rooms", params={"attributes": ["name_no", "colour"]})
    assert response.status_code == 400
    assert "colour" in response.json()["arg_errors"]["attributes"][0]


async def test_every_invalid_argument_is_named_at_once(carehq_client: httpx.AsyncClient) -> None:
    params = {"filters-floor": "5", "filters-archived": "maybe", "per_page": "0", "sort_by": "x"}
    response = await carehq_client.get("/v1/rooms", params=params)
    assert response.status_code == 400
    assert set(response.json()["arg_errors"]) == set(params)


def brute_sorted(records: list[Record], keys: list[str]) -> list[str]:
    """The documented order, nulls smallest, `_id` breaking ties (the sandbox's stated choice)."""

    def compare(a: Record, b: Record) -> int:
        for key in [*keys, "_id"]:
            name, sign = (key[1:], -1) if key.startswith("-") else (key, 1)
            x, y = a[name], b[name]
            if x != y:
                smaller = x is None or (y is not None and x < y)
                return -sign if smaller else sign
        return 0

    return [r["_id"] for r in sorted(records, key=functools.cmp_to_key(compare))]


@pytest.mark.parametrize(
    ("resource", "keys"),
    [
        ("bookings", ["-end_date", "start_date"]),
        ("bookings", ["end_date", "-created"]),
        ("bookings", ["-modified"]),
        ("rooms", ["floor", "-name_no"]),
        ("rooms", ["-created"]),
    ],
)
async def test_sort_by_several_keys_with_descending(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox, resource: str, keys: list[str]
) -> None:
    records = list(getattr(carehq.store, resource).values())
    if resource == "rooms":
        records = [r for r in records if not r["archived"]]
    items = await list_all(carehq_client, resource, {"sort_by": keys})
    assert [item["_id"] for item in items] == brute_sorted(records, keys)


async def test_null_end_dates_sort_first_ascending_and_last_descending(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    latest = max(b["end_date"] for b in carehq.store.bookings.values() if b["end_date"])
    params = {"attributes": "end_date", "per_page": "5"}
    ascending = (
        await carehq_client.get("/v1/bookings", params={**params, "sort_by": "end_date"})
    ).json()
    descending = await carehq_client.get("/v1/bookings", params={**params, "sort_by": "-end_date"})
    last_page = {**params, "sort_by": "-end_date", "page": ascending["page_count"]}
    tail = (await carehq_client.get("/v1/bookings", params=last_page)).json()["items"]
    assert [item["end_date"] for item in ascending["items"]] == [None] * 5
    assert descending.json()["items"][0]["end_date"] == latest
    assert tail[-1]["end_date"] is None


async def test_an_unknown_sort_key_is_a_400(carehq_client: httpx.AsyncClient) -> None:
    response = await carehq_client.get("/v1/bookings", params={"sort_by": ["start_date", "-rate"]})
    assert response.status_code == 400
    assert "-rate" in response.json()["arg_errors"]["sort_by"][0]


async def test_paging_edges(carehq_client: httpx.AsyncClient, carehq: CareHQSandbox) -> None:
    count = sum(1 for room in carehq.store.rooms.values() if not room["archived"])
    pages = -(-count // 10)
    last = (await carehq_client.get("/v1/rooms", params={"page": pages})).json()
    assert (last["item_count"], last["page_count"], last["page"]) == (count, pages, pages)
    assert len(last["items"]) == count - 10 * (pages - 1)
    beyond = (await carehq_client.get("/v1/rooms", params={"page": pages + 1})).json()
    assert beyond == {
        "item_count": count,
        "items": [],
        "page": pages + 1,
        "page_count": pages,
        "per_page": 10,
    }
    hundred = (await carehq_client.get("/v1/bookings", params={"per_page": 100})).json()
    assert (len(hundred["items"]), hundred["per_page"]) == (100, 100)


async def test_nothing_matching_is_zero_pages(carehq_client: httpx.AsyncClient) -> None:
    params = {"filters-ids": "0123456789abcdef01234567"}
    body = (await carehq_client.get("/v1/bookings", params=params)).json()
    assert body == {"item_count": 0, "items": [], "page": 1, "page_count": 0, "per_page": 10}


@pytest.mark.parametrize(
    ("param", "value"),
    [("per_page", "101"), ("per_page", "0"), ("page", "0"), ("page", "-1"), ("page", "two")],
)
async def test_out_of_range_paging_is_a_400(
    carehq_client: httpx.AsyncClient, param: str, value: str
) -> None:
    response = await carehq_client.get("/v1/bookings", params={param: value})
    assert response.status_code == 400
    assert list(response.json()["arg_errors"]) == [param]
