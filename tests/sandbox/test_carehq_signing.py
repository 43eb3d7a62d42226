"""Signature 2.0 as the CareHQ sandbox checks it (README "Authentication").

Every request is signed by `tests.sandbox.signing.CareHQSigner`, an independent implementation
of the documented algorithm; its knobs make the requests the sandbox must refuse with 401.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.carehq.seed import build_seed
from gateway.sandbox.carehq.signing import MAX_SKEW_SECONDS, ApiKey, SignatureVerifier
from gateway.sandbox.credentials import CAREHQ_ACCOUNT_ID, CAREHQ_API_KEY, CAREHQ_API_SECRET
from tests.sandbox.carehq_support import (
    Clock,
    booking_form,
    connect,
)
from tests.sandbox.signing import CareHQSigner


async def test_a_correctly_signed_request_is_accepted_with_the_real_clock() -> None:
    carehq = CareHQSandbox()
    async with connect(carehq, CareHQSigner()) as http:
        response = await http.get("/v1/rooms", params={"attributes": ["name_no", "floor"]})
    assert response.status_code == 200
    assert set(response.json()["items"][0]) == {"_id", "floor", "name_no"}


@pytest.mark.parametrize(
    "signer",
    [
        pytest.param({"secret": "not-the-secret"}, id="wrong secret"),
        pytest.param({"api_key": "someone-else"}, id="unknown key"),
        pytest.param({"account_id": "another-account"}, id="unknown account"),
        pytest.param({"version": "1.0"}, id="wrong version"),
        pytest.param({"timestamp_offset": -301}, id="timestamp 301 s old"),
        pytest.param({"timestamp_offset": 301}, id="timestamp 301 s ahead"),
        pytest.param({"signed_params": [("filters-cancelled", "no")]}, id="tampered param"),
    ],
)
async def test_a_badly_signed_request_is_refused(
    carehq: CareHQSandbox, carehq_clock: Clock, signer: dict[str, Any]
) -> None:
    async with connect(carehq, CareHQSigner(clock=carehq_clock, **signer)) as http:
        response = await http.get("/v1/bookings", params={"filters-cancelled": "yes"})
    assert response.status_code == 401
    assert response.json()["hint"]


async def test_the_timestamp_may_be_exactly_five_minutes_off(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    for offset in (-300, 300):
        async with connect(
            carehq, CareHQSigner(clock=carehq_clock, timestamp_offset=offset)
        ) as http:
            assert (await http.get("/v1/rooms")).status_code == 200


async def test_an_unsigned_request_is_refused_naming_the_missing_headers(
    carehq: CareHQSandbox,
) -> None:
    async with connect(carehq, None) as http:
        response = await http.get("/v1/rooms")
    assert response.status_code == 401
    assert "X-CareHQ-Signature" in response.json()["hint"]


@pytest.mark.parametrize(
    "header",
    [
        "X-CareHQ-AccountId",
        "X-CareHQ-APIKey",
        "X-CareHQ-Nonce",
        "X-CareHQ-Signature",
        "X-CareHQ-Signature-Version",
        "X-CareHQ-Timestamp",
    ],
)
async def test_each_auth_header_is_required(
    carehq: CareHQSandbox, carehq_clock: Clock, header: str
) -> None:
    async with connect(carehq, None) as http:
        request = http.build_request("GET", "/v1/rooms")
        next(CareHQSigner(clock=carehq_clock).auth_flow(request))
        del request.headers[header]
        response = await http.send(request)
    assert response.status_code == 401
    assert header in response.json()["hint"]


async def test_a_replayed_nonce_is_refused_and_a_fresh_signature_accepted(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    async with connect(carehq, None) as http:
        request = http.build_request("GET", "/v1/bookings", params={"page": 2})
        next(CareHQSigner(clock=carehq_clock).auth_flow(request))
        assert (await http.send(request)).status_code == 200
        replayed = await http.send(request)
        assert replayed.status_code == 401
        assert "nonce" in replayed.json()["hint"]
        next(CareHQSigner(clock=carehq_clock).auth_flow(request))  # a retry is signed afresh
        assert (await http.send(request)).status_code == 200


async def test_a_nonce_is_remembered_for_the_replay_window_only(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    async with connect(carehq, CareHQSigner(clock=carehq_clock, nonce="fixed-nonce")) as http:
        assert (await http.get("/v1/rooms")).status_code == 200
        carehq_clock.now += 60
        assert (await http.get("/v1/rooms")).status_code == 401  # new timestamp, same nonce
        carehq_clock.now += 300
        assert (await http.get("/v1/rooms")).status_code == 200  # the first use has expired


async def test_the_signature_covers_form_fields_on_put(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    form = booking_form(carehq.store)
    tampered = [(k, "1" if k == "rate" else v) for k, v in form.items()]
    async with connect(carehq, CareHQSigner(clock=carehq_clock, signed_params=tampered)) as http:
        response = await http.put("/v1/bookings", data=form)
    assert response.status_code == 401
    assert len(carehq.store.bookings) == len(build_seed(1).bookings)


async def test_the_signed_path_is_relative_to_the_mount(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> None:
    transport = httpx.ASGITransport(app=Starlette(routes=[Mount("/carehq", app=carehq)]))
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
        right = CareHQSigner(clock=carehq_clock, mount="/carehq")
        wrong = CareHQSigner(clock=carehq_clock)  # signs "/v1/carehq/v1/rooms"
        response = await http.get("/carehq/v1/rooms", params={"per_page": 1}, auth=right)
        refused = await http.get("/carehq/v1/rooms", auth=wrong)
    assert (response.status_code, refused.status_code) == (200, 401)
    assert carehq.calls("GET", "/v1/rooms")[0].param("per_page") == "1"


def test_the_nonces_remembered_are_forgotten_once_their_window_is_over() -> None:
    """What the verifier keeps is bounded by the replay window: after it, a thousand nonces
    leave nothing behind but the newest."""
    clock = Clock(1_767_225_600.0)
    verifier = SignatureVerifier(
        {CAREHQ_API_KEY: ApiKey(CAREHQ_ACCOUNT_ID, CAREHQ_API_SECRET)}, clock
    )

    def verify_a_fresh_request() -> None:
        request = httpx.Request("GET", "http://carehq/v1/rooms")
        next(CareHQSigner(clock=clock).auth_flow(request))
        verifier.verify("GET", "/v1/rooms", request.headers, [])

    for _ in range(1000):
        verify_a_fresh_request()
        clock.now += 0.1
    assert len(verifier._seen) == 1000
    clock.now += MAX_SKEW_SECONDS + 1
    verify_a_fresh_request()
    assert len(verifier._seen) == 1
    assert sum(len(bucket) for bucket in verifier._forget_after.values()) == 1
