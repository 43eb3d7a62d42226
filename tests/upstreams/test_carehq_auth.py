"""CareHQ signature 2.0, checked against an independent implementation of the README's recipe."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx

from gateway.upstreams.carehq import (
    CareHQClient,
    CareHQSignature,
    NewCareHQBooking,
    RatePeriod,
    RoomQuery,
)

from .builders import BOOKING_ID, Reply, Script, carehq_booking, carehq_page
from .conftest import ACCOUNT_ID, API_KEY, API_SECRET


def expected_signature(request: httpx.Request, resource: str) -> str:
    """The README's recipe, written from scratch from the raw URL and body bytes."""
    headers = request.headers
    if request.method in ("GET", "DELETE"):
        pairs = parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)
    else:
        pairs = parse_qsl(request.content.decode(), keep_blank_values=True)
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    canonical = "\n".join(f"{k}={v}" for k in sorted(values) for v in sorted(values[k]))
    string_to_sign = "\n".join(
        [
            headers["X-CareHQ-Timestamp"],
            headers["X-CareHQ-Nonce"],
            request.method,
            "/v1/" + resource.strip("/"),
            canonical,
        ]
    )
    return hmac.new(API_SECRET.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def assert_signed(request: httpx.Request, resource: str) -> None:
    headers = request.headers
    assert headers["Accept"] == "application/json"
    assert headers["X-CareHQ-AccountId"] == ACCOUNT_ID
    assert headers["X-CareHQ-APIKey"] == API_KEY
    assert headers["X-CareHQ-Signature-Version"] == "2.0"
    assert headers["X-CareHQ-Timestamp"].isdigit()
    assert headers["X-CareHQ-Signature"] == expected_signature(request, resource)
    assert API_SECRET not in str(request.url)
    assert API_SECRET.encode() not in request.content
    assert all(API_SECRET not in value for value in headers.values())


async def test_get_is_signed_over_repeated_query_keys(
    carehq: Callable[..., CareHQClient],
) -> None:
    script = Script(Reply(json=carehq_page([])))
    client = carehq(script)
    # Values deliberately out of order: the canonical form sorts each key's values.
    query = RoomQuery(ids=("ffff", "aaaa", "cccc"), features=("z", "a"))
    await client.list_rooms(query, fields={"name", "floor"})

    request = script.last
    assert request.url.params.get_list("filters-ids") == ["ffff", "aaaa", "cccc"]
    assert_signed(request, "rooms")


async def test_form_body_is_signed(carehq: Callable[..., CareHQClient]) -> None:
    script = Script(Reply(json=carehq_booking()))
    client = carehq(script)
    new = NewCareHQBooking(
        room="r1", service_user="su1", rate=100000, rate_period=RatePeriod.WEEKLY, notes="a b&c=d"
    )
    await client.create_booking(new)

    request = script.last
    assert request.method == "PUT"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert_signed(request, "bookings")


async def test_signed_path_ignores_a_base_url_prefix(carehq: Callable[..., CareHQClient]) -> None:
    script = Script(Reply(json=carehq_booking()))
    client = carehq(script, base_url="http://127.0.0.1:8100/carehq")
    await client.get_booking(BOOKING_ID)

    assert script.last.url.path == f"/carehq/v1/bookings/{BOOKING_ID}"
    assert_signed(script.last, f"bookings/{BOOKING_ID}")


async def test_every_retry_is_signed_afresh(carehq: Callable[..., CareHQClient]) -> None:
    ticks = itertools.count(1_700_000_000)
    auth = CareHQSignature(ACCOUNT_ID, API_KEY, API_SECRET, clock=lambda: next(ticks))
    script = Script(Reply(503), Reply(503), Reply(json=carehq_page([])))
    client = carehq(script, auth=auth)
    await client.list_rooms(RoomQuery(), fields=())

    assert script.count == 3
    nonces = {r.headers["X-CareHQ-Nonce"] for r in script.requests}
    timestamps = {r.headers["X-CareHQ-Timestamp"] for r in script.requests}
    assert len(nonces) == 3
    assert len(timestamps) == 3
    for request in script.requests:
        assert_signed(request, "rooms")


def test_nonce_is_16_random_bytes_base64url_unpadded() -> None:
    request = httpx.Request("GET", "https://carehq.test/v1/rooms")
    flow = CareHQSignature(ACCOUNT_ID, API_KEY, API_SECRET).auth_flow(request)
    signed = next(flow)
    nonce = signed.headers["X-CareHQ-Nonce"]
    assert len(nonce) == 22
    assert "=" not in nonce
    assert set(nonce) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_secret_is_not_in_repr() -> None:
    auth = CareHQSignature(ACCOUNT_ID, API_KEY, API_SECRET)
    assert API_SECRET not in repr(auth)
    assert API_KEY not in repr(auth)
    assert ACCOUNT_ID in repr(auth)


def test_known_answer() -> None:
    """A fixed vector, so a change to the recipe cannot pass by changing both sides."""
    auth = CareHQSignature("acc", "key", "secret", clock=lambda: 1700000000.9, nonce=lambda: "n")
    request = httpx.Request(
        "GET", "https://x.test/v1/rooms/", params=[("b", "2"), ("a", "y"), ("a", "x")]
    )
    signed = next(auth.auth_flow(request))
    message = "1700000000\nn\nGET\n/v1/rooms\na=x\na=y\nb=2"
    digest = hmac.new(b"secret", message.encode(), hashlib.sha256).hexdigest()
    assert signed.headers["X-CareHQ-Timestamp"] == "1700000000"
    assert signed.headers["X-CareHQ-Signature"] == digest
