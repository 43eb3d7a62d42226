"""The Bedful sandbox against `original-docs/bedful-bookings.txt`: auth, shapes, filters,
create/update rules, the live rate limits, injected faults, and the seed data.

Expected values come from the doc (the key lists below are copied from its examples) or from a
brute force over `store` data, never from the sandbox's own helpers.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.sandbox.bedful import BedfulSandbox
from gateway.sandbox.bedful.seed import seed_bookings
from gateway.sandbox.bedful.store import BedfulStore
from gateway.sandbox.credentials import BEDFUL_API_KEY

BASE_URL = "http://bedful.sandbox"
# The doc's create curl, byte for byte.
DOC_CREATE = (
    '{"name": "User Name","site_id": 133,"starts_at": "2018-10-25T00:00:00Z", '
    '"ends_at": "2018-10-29T00:00:00Z", "units": [1579]}'
)
# Every key of the doc's list example, in its order (the show example minus commission keys).
# fmt: off
DOC_KEYS = [
    "id", "parent_id", "group_kind", "unit_parent_kind", "child_count", "site_id", "user_id",
    "channel_id", "status", "created_at", "updated_at", "starts_at", "ends_at", "expires_at",
    "name", "email", "telephone", "address", "postal_code", "country", "adults", "children",
    "ages", "paid", "price", "units_price", "extras_price", "discount_amount", "commission",
    "commission_net", "fees", "security_deposit_amount", "booking_guarantee", "summary",
    "campsite_reference", "marketing_subscribe", "currency_id", "currency_rate", "currency",
    "site", "items", "units", "extras", "user", "channel", "integration",
]
DOC_ITEM_KEYS = [
    "id", "unit_id", "booking_id", "accommodation_price", "people_price", "rates", "ages",
]
# fmt: on
STATUSES = {0, 1, 10, 11, 12, 13, 100}
FIXED_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeClock:
    """The rate limiter's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bedful(clock: FakeClock) -> BedfulSandbox:
    sandbox = BedfulSandbox(seed=1, rate_limits=False, clock=clock)
    sandbox.store.now = lambda: FIXED_NOW
    return sandbox


def connect(bedful: BedfulSandbox, auth: Any = (BEDFUL_API_KEY, "")) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=bedful.transport(), base_url=BASE_URL, auth=auth)


@pytest.fixture
async def client(bedful: BedfulSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(bedful) as http:
        yield http


def brute_force(store: BedfulStore, limit: int = 500, **wanted: int) -> list[int]:
    """Ids the list must answer: exact matches on every given key, id order, at most `limit`."""
    ids = sorted(
        b["id"] for b in store.bookings.values() if all(b[k] == v for k, v in wanted.items())
    )
    return ids[:limit]


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def create_payload(**overrides: Any) -> dict[str, Any]:
    return {**json.loads(DOC_CREATE), **overrides}


# --- authentication and methods -------------------------------------------------------------------
async def test_refuses_a_request_without_credentials(bedful: BedfulSandbox) -> None:
    async with connect(bedful, auth=None) as http:
        response = await http.get("/bookings")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="Bedful"'


@pytest.mark.parametrize(
    "authorization",
    [
        basic("wrong-key:"),
        basic(f"{BEDFUL_API_KEY}:a-password"),  # the password must be empty
        basic(BEDFUL_API_KEY),  # no ":" separator
        basic(f" {BEDFUL_API_KEY}:"),
        f"Bearer {BEDFUL_API_KEY}",
        "Basic not-base64!",
    ],
)
async def test_refuses_wrong_credentials(bedful: BedfulSandbox, authorization: str) -> None:
    async with connect(bedful, auth=None) as http:
        response = await http.get("/bookings/1", headers={"Authorization": authorization})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/bookings"), ("DELETE", "/bookings/1"), ("PATCH", "/bookings/1"),
     ("HEAD", "/bookings"), ("POST", "/bookings/1"), ("GET", "/bookings/1/update")],
)  # fmt: skip
async def test_only_get_and_post_exist(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert "HEAD" not in response.headers["allow"]


# --- GET /bookings/:id ----------------------------------------------------------------------------
async def test_show_answers_every_documented_key(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    stored = next(b for b in bedful.store.bookings.values() if b["extras"] and len(b["units"]) > 1)
    response = await client.get(f"/bookings/{stored['id']}")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == DOC_KEYS
    assert body == stored
    assert body["currency"] == {"id": body["currency_id"], "rate": body["currency_rate"]}
    assert body["site"] == {"id": body["site_id"]}
    assert body["user"] == {"id": body["user_id"]}
    assert body["channel"] == {"id": body["channel_id"]}
    assert list(body["integration"]) == ["id"]
    assert all(list(item) == DOC_ITEM_KEYS for item in body["items"])
    assert all(list(unit) == ["id", "name"] for unit in body["units"])
    assert [item["unit_id"] for item in body["items"]] == [unit["id"] for unit in body["units"]]


@pytest.mark.parametrize("booking_id", ["1", "999999999", "abc", "-1", "3100000.0"])
async def test_show_answers_404_for_an_unknown_id(
    client: httpx.AsyncClient, booking_id: str
) -> None:
    assert (await client.get(f"/bookings/{booking_id}")).status_code == 404


# --- GET /bookings --------------------------------------------------------------------------------
def _ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [booking["id"] for booking in response.json()["bookings"]]


async def test_list_defaults_to_500_bookings_in_id_order(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    assert _ids(await client.get("/bookings")) == brute_force(bedful.store)


@pytest.mark.parametrize("name", ["id", "user_id", "site_id", "status"])
async def test_each_list_filter_narrows_the_answer(
    bedful: BedfulSandbox, client: httpx.AsyncClient, name: str
) -> None:
    counts = Counter(b[name] for b in bedful.store.bookings.values() if b[name])
    value = max(counts, key=lambda v: (counts[v], v))  # the most frequent non-zero value
    expected = brute_force(bedful.store, **{name: value})
    assert _ids(await client.get("/bookings", params={name: value})) == expected
    assert expected != brute_force(bedful.store)  # the filter really changed the answer


async def test_list_filters_combine_with_and(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    answer = _ids(
        await client.get("/bookings", params={"site_id": 127, "status": 11, "limit": 1000})
    )
    assert answer == brute_force(bedful.store, site_id=127, status=11, limit=1000)
    assert 0 < len(answer) < len(brute_force(bedful.store, status=11, limit=1000))


@pytest.mark.parametrize("limit", [1, 7, 10_000])
async def test_list_limit(bedful: BedfulSandbox, client: httpx.AsyncClient, limit: int) -> None:
    answer = _ids(await client.get("/bookings", params={"limit": limit}))
    assert answer == brute_force(bedful.store, limit=limit)
    assert len(answer) == min(limit, len(bedful.store.bookings))


async def test_list_answers_an_empty_list_when_nothing_matches(client: httpx.AsyncClient) -> None:
    response = await client.get("/bookings", params={"site_id": 999})
    assert response.json() == {"bookings": []}


@pytest.mark.parametrize(
    "query",
    [
        "status=abc",
        "id=3100000,3100001",
        "id=1&id=2",
        "limit=0",
        "limit=-5",
        "site_id=",
        "user_id=1.5",
    ],
)
async def test_list_refuses_invalid_parameters(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/bookings?{query}")
    assert response.status_code == 400
    assert query.partition("=")[0] in response.json()["errors"]


# --- creating -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/bookings/create", "/bookings"])
async def test_create_with_the_documented_curl(
    bedful: BedfulSandbox, client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(
        path, content=DOC_CREATE, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == DOC_KEYS
    assert body == bedful.store.bookings[body["id"]]
    assert body["id"] > max(b for b in bedful.store.bookings if b != body["id"])
    assert (body["name"], body["site_id"], body["status"], body["channel_id"]) == (
        "User Name",
        133,
        100,
        1,
    )
    assert (body["starts_at"], body["ends_at"]) == ("2018-10-25T00:00:00Z", "2018-10-29T00:00:00Z")
    nightly = bedful.store.units[1579]["price"]
    assert body["price"] == body["units_price"] == 4 * nightly
    assert body["items"][0] | {"id": 0} == {
        "id": 0, "unit_id": 1579, "booking_id": body["id"], "accommodation_price": 4 * nightly,
        "people_price": 0, "rates": "", "ages": "",
    }  # fmt: skip
    assert body["created_at"] == body["updated_at"] == "2026-01-02T03:04:05Z"
    assert body["expires_at"] == "0001-01-01T00:00:00Z"


async def test_create_with_every_optional_field(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    extras = [501, 503]
    payload = create_payload(
        site_id=127, units=[17, 16], starts_at="2030-05-01", ends_at="2030-05-03T09:30:00+02:00",
        email="ann@example.com", telephone="07700900123", address="1 Lane", postal_code="AB1 2CD",
        country="United Kingdom", adults=2, children=1, ages="40,38, 7", status=10, user_id=42,
        extras=extras,
    )  # fmt: skip
    body = (await client.post("/bookings/create", json=payload)).json()
    assert (body["starts_at"], body["ends_at"]) == ("2030-05-01T00:00:00Z", "2030-05-03T00:00:00Z")
    assert (body["ages"], body["child_count"], body["user_id"], body["status"]) == (
        "40, 38, 7",
        1,
        42,
        10,
    )
    assert body["expires_at"] != "0001-01-01T00:00:00Z"  # a provisional booking lapses
    assert [item["unit_id"] for item in body["items"]] == [17, 16]
    units = bedful.store.units
    assert [i["accommodation_price"] for i in body["items"]] == [
        2 * units[17]["price"],
        2 * units[16]["price"],
    ]
    extras_price = sum(bedful.store.extras[e]["price"] for e in extras)
    assert [e["id"] for e in body["extras"]] == extras
    assert body["extras_price"] == extras_price
    assert body["price"] == body["units_price"] + extras_price


@pytest.mark.parametrize("field", ["name", "site_id", "starts_at", "ends_at", "units"])
async def test_create_names_each_missing_required_field(
    client: httpx.AsyncClient, field: str
) -> None:
    payload = create_payload()
    del payload[field]
    response = await client.post("/bookings/create", json=payload)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", " "), ("site_id", 9999), ("site_id", "133"), ("units", []), ("units", [13]),
     ("units", [424242]), ("starts_at", "25/10/2018"), ("ends_at", "2018-10-25"), ("status", 5),
     ("status", True), ("adults", -1), ("ages", "forty"), ("extras", [501]), ("email", None)],
)  # fmt: skip
async def test_create_refuses_bad_values(client: httpx.AsyncClient, field: str, value: Any) -> None:
    response = await client.post("/bookings/create", json=create_payload(**{field: value}))
    assert response.status_code == 422
    assert field in response.json()["errors"]


@pytest.mark.parametrize("body", [b"name=User", b"", b"[1, 2]", b'"text"'])
async def test_create_refuses_a_body_that_is_not_a_json_object(
    client: httpx.AsyncClient, body: bytes
) -> None:
    assert (await client.post("/bookings/create", content=body)).status_code == 400


async def test_blocking_bookings_cannot_overlap(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    taken = next(b for b in bedful.store.bookings.values() if b["status"] == 100)
    dates = {"starts_at": taken["starts_at"], "ends_at": taken["ends_at"]}
    payload = create_payload(site_id=taken["site_id"], units=[taken["units"][0]["id"]], **dates)
    refused = await client.post("/bookings/create", json=payload)
    assert refused.status_code == 422
    assert "units" in refused.json()["errors"]
    assert (await client.post("/bookings/create", json=payload | {"status": 1})).status_code == 200
    await client.post(f"/bookings/{taken['id']}/update", json={"status": 11})
    assert (await client.post("/bookings/create", json=payload)).status_code == 200


# --- updating -------------------------------------------------------------------------------------
async def test_update_changes_only_the_given_keys(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    before = copy.deepcopy(next(iter(bedful.store.bookings.values())))
    changes = {"name": "New Name", "telephone": "07700900999", "ages": [41, 39]}
    response = await client.post(f"/bookings/{before['id']}/update", content=json.dumps(changes))
    assert response.status_code == 200
    after = response.json()
    assert after == bedful.store.bookings[before["id"]]
    changed = {key for key in DOC_KEYS if after[key] != before[key]}
    assert changed == {"name", "telephone", "ages", "items", "updated_at"}
    assert [item["ages"] for item in after["items"]] == ["41, 39"] * len(after["items"])
    assert after["updated_at"] == "2026-01-02T03:04:05Z"


async def test_update_dates_reprice_and_keep_item_ids(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    booking = bedful.store.add_booking(
        site_id=152, units=[3010], starts_at="2031-01-10", ends_at="2031-01-12"
    )
    item_id = booking["items"][0]["id"]
    body = (
        await client.post(f"/bookings/{booking['id']}/update", json={"ends_at": "2031-01-15"})
    ).json()
    assert body["ends_at"] == "2031-01-15T00:00:00Z"
    assert body["units_price"] == 5 * bedful.store.units[3010]["price"]
    assert body["items"][0]["id"] == item_id


async def test_cancel_is_an_update_with_status_11(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    booking = bedful.store.add_booking(site_id=127, units=[13])
    response = await client.post(f"/bookings/{booking['id']}/update", json={"status": 11})
    assert response.json()["status"] == 11
    assert (await client.get(f"/bookings/{booking['id']}")).json()["status"] == 11  # never deleted


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"status": 2}, "status"), ({"status": "11"}, "status"), ({"site_id": 133}, "site_id"),
     ({"ends_at": "2030-06-30"}, "ends_at"), ({"units": [1579]}, "units"), ({"name": ""}, "name")],
)  # fmt: skip
async def test_update_refuses_bad_values(
    bedful: BedfulSandbox, client: httpx.AsyncClient, changes: dict[str, Any], field: str
) -> None:
    booking = bedful.store.add_booking(site_id=127, starts_at="2030-07-01", ends_at="2030-07-04")
    response = await client.post(f"/bookings/{booking['id']}/update", json=changes)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


async def test_update_of_an_unknown_booking_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.post("/bookings/1/update", json={"status": 11})).status_code == 404


async def test_a_site_not_assigned_to_the_channel_answers_401(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    booking = bedful.store.add_booking(site_id=141, units=[2201])
    bedful.store.unassigned_site_ids.add(141)
    assert (await client.get(f"/bookings/{booking['id']}")).status_code == 401
    assert (
        await client.post("/bookings/create", json=create_payload(site_id=141, units=[2201]))
    ).status_code == 401
    assert _ids(await client.get("/bookings", params={"site_id": 141})) == []


async def test_add_booking_builds_a_realistic_booking(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    built = bedful.store.add_booking(
        units=[4101], starts_at="2031-08-01", ends_at=date(2031, 8, 8), paid=5
    )
    assert (built["site_id"], built["currency_id"], built["currency_rate"]) == (168, 2, 0.85)
    assert (built["starts_at"], built["ends_at"]) == (
        "2031-08-01T00:00:00Z",
        "2031-08-08T00:00:00Z",
    )
    assert built["price"] == 7 * bedful.store.units[4101]["price"]
    assert built["paid"] == 5
    assert (await client.get(f"/bookings/{built['id']}")).json() == built


# --- rate limits ----------------------------------------------------------------------------------
async def test_the_sixth_request_within_a_second_is_refused(
    bedful: BedfulSandbox, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    bedful.rate_limits = True
    for _ in range(5):
        assert (await client.get("/bookings/1")).status_code == 404
        clock.advance(0.1)
    refused = await client.get("/bookings/1")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    clock.advance(0.51)  # the first request is now more than a second old
    assert (await client.get("/bookings/1")).status_code == 404
    assert (await client.get("/bookings/1")).status_code == 429


async def test_the_101st_request_within_a_minute_is_refused(
    bedful: BedfulSandbox, client: httpx.AsyncClient, clock: FakeClock
) -> None:
    bedful.rate_limits = True
    for _ in range(100):
        assert (await client.get("/bookings/1")).status_code == 404
        clock.advance(0.25)  # 4 per second: never the per-second limit
    refused = await client.get("/bookings/1")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "35"  # the first request leaves the window at 60 s
    clock.advance(35)
    assert (await client.get("/bookings/1")).status_code == 404


async def test_rate_limits_can_be_switched_off_and_on(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    assert {(await client.get("/bookings/1")).status_code for _ in range(20)} == {404}
    bedful.rate_limits = True
    codes = [(await client.get("/bookings/1")).status_code for _ in range(6)]
    assert codes == [404] * 5 + [429]


async def test_refused_credentials_do_not_use_up_the_limit(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    bedful.rate_limits = True
    async with connect(bedful, auth=("wrong-key", "")) as stranger:
        assert {(await stranger.get("/bookings/1")).status_code for _ in range(10)} == {401}
    assert (await client.get("/bookings/1")).status_code == 404


# --- faults from common.py, through this app ------------------------------------------------------
async def test_a_slow_fault_delays_the_answer(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    bedful.sleep = wait
    bedful.inject("slow", delay_ms=60, times=1)
    assert (await client.get("/bookings/1")).status_code == 404
    assert (await client.get("/bookings/1")).status_code == 404
    assert waits == [0.06]  # once: the fault was for one request


async def test_an_error_fault_answers_its_status(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    bedful.inject("error", status=502, times=1)
    assert (await client.get("/bookings")).status_code == 502
    assert (await client.get("/bookings")).status_code == 200


async def test_a_malformed_fault_answers_invalid_json(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    bedful.inject("malformed", methods=["GET"])
    response = await client.get("/bookings")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_a_down_fault_refuses_the_connection(
    bedful: BedfulSandbox, client: httpx.AsyncClient
) -> None:
    bedful.inject("down", times=1)
    with pytest.raises(httpx.ConnectError):
        await client.get("/bookings")
    assert bedful.refused == 1
    assert bedful.calls() == []


async def test_works_mounted_under_bedful_and_records_calls(bedful: BedfulSandbox) -> None:
    app = Starlette(routes=[Mount("/bedful", app=bedful)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox", auth=(BEDFUL_API_KEY, "")
    ) as http:
        assert _ids(await http.get("/bedful/bookings", params={"site_id": 168, "limit": 2}))
    [call] = bedful.calls("GET", "/bookings")
    assert call.params == (("site_id", "168"), ("limit", "2"))


# --- seed data ------------------------------------------------------------------------------------
def test_the_seed_is_deterministic() -> None:
    first = BedfulStore.seeded(1).bookings
    seed_bookings.cache_clear()
    assert BedfulStore.seeded(1).bookings == first
    assert BedfulStore.seeded(2).bookings != first


def test_a_seed_is_built_once_and_copied() -> None:
    """Every test builds a sandbox, so a seed is generated once per seed and copied after that
    (how long a build takes is measured in bench/bench_seed.py, not timed here)."""
    seed_bookings.cache_clear()
    first = BedfulStore.seeded(7)
    second = BedfulStore.seeded(7)
    assert seed_bookings.cache_info().misses == 1
    assert second.bookings == first.bookings
    second.bookings.clear()
    assert first.bookings, "a copy, not the cached seed itself"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_seed_covers_what_the_gateway_must_handle(seed: int) -> None:
    store = BedfulStore.seeded(seed)
    bookings = list(store.bookings.values())
    assert len(store.sites) >= 4
    assert len(store.units) >= 30
    assert len(bookings) >= 1500
    assert {b["status"] for b in bookings} == STATUSES
    assert Counter(b["status"] for b in bookings).most_common(1)[0][0] == 100
    assert {b["starts_at"][:4] for b in bookings} == {"2023", "2024", "2025", "2026", "2027"}
    assert any(len(b["units"]) > 1 for b in bookings)
    assert any(b["extras"] for b in bookings)
    assert any(b["children"] for b in bookings)
    assert any(b["currency_id"] == 2 and b["currency_rate"] == 0.85 for b in bookings)
    assert any(b["updated_at"] == "0001-01-01T00:00:00Z" for b in bookings)
    assert Counter(b["expires_at"] == "0001-01-01T00:00:00Z" for b in bookings).most_common(1)[0][0]
    for b in bookings:
        assert len(b["ages"].split(", ")) == b["adults"] + b["children"] or b["ages"] == ""
        assert b["starts_at"].endswith("T00:00:00Z")
        assert b["ends_at"] > b["starts_at"]
        assert b["units_price"] == sum(
            i["accommodation_price"] + i["people_price"] for i in b["items"]
        )
        assert b["price"] == b["units_price"] + b["extras_price"] - b["discount_amount"]
        assert {u["id"] for u in b["units"]} <= {
            u for u, r in store.units.items() if r["site_id"] == b["site_id"]
        }


def test_blocking_seed_bookings_never_overlap_on_a_unit() -> None:
    stays: dict[int, list[tuple[str, str]]] = {}
    for booking in BedfulStore.seeded(1).bookings.values():
        if booking["status"] in (10, 12, 100):
            for unit in booking["units"]:
                stays.setdefault(unit["id"], []).append((booking["starts_at"], booking["ends_at"]))
    for spans in stays.values():
        spans.sort()
        assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans))
    assert len(stays) == 33
