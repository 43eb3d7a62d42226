"""Helpers for the CareHQ sandbox tests: a hand-moved clock, a signed client, brute-force lists.

Fixtures built from these live in `tests/sandbox/conftest.py` (`carehq`, `carehq_clock`,
`carehq_client`).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

import httpx

from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.carehq.store import CareHQStore

BASE = "http://carehq.sandbox"
NOW = calendar.timegm((2026, 3, 12, 10, 55, 5))  # the docs' "now" (GMT = UK time in March)
NOW_TEXT = "2026-03-12 10:55:05"
Record = dict[str, Any]
Params = dict[str, str | list[str]]


class Clock:
    """A clock the test moves by hand (`clock.now += 60`)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def connect(carehq: CareHQSandbox, auth: httpx.Auth | None) -> httpx.AsyncClient:
    """A client of `carehq` over its in-process transport (faults included)."""
    return httpx.AsyncClient(transport=carehq.transport(), base_url=BASE, auth=auth)


async def list_all(http: httpx.AsyncClient, resource: str, params: Params) -> list[Record]:
    """Every item of a list, page by page (100 a page), checking the paging counts."""
    items: list[Record] = []
    page = 1
    while True:
        response = await http.get(
            f"/v1/{resource}", params={**params, "per_page": 100, "page": page}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["page_count"] == -(-body["item_count"] // 100)
        items += body["items"]
        if page >= body["page_count"]:
            assert len(items) == body["item_count"]
            return items
        page += 1


async def ids_of(http: httpx.AsyncClient, resource: str, params: Params) -> set[str]:
    return {item["_id"] for item in await list_all(http, resource, params)}


def booking_form(store: CareHQStore, **fields: str) -> dict[str, str]:
    """A valid create form (the first bookable room), with `fields` added or replaced."""
    room = next(r for r in store.rooms.values() if not r["archived"])
    form = {
        "booking_type": "service_user",
        "rate": "100000",
        "rate_period": "weekly",
        "room": room["_id"],
        "service_user": "69b29b8985f06fda012b2f87",
    }
    return {**form, **fields}


def day(text: str) -> date:
    return date.fromisoformat(text)


def moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
