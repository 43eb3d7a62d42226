"""The operator's path over real HTTP: `gateway sandbox` runs as its own process and the gateway
is pointed at it with the same settings it would get for the real CareHQ and Bedful."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from gateway import idempotency
from gateway.sandbox import Sandbox, credentials
from tests.conftest import make_settings, only_error, start_gateway
from tests.processes import start_gateway_process
from tests.test_mutations_bedful import CREATE, booking_input

MIXED = "{ rooms(perPage: 2) { items { nameNo } } bedfulBookings(limit: 2) { id } }"


@pytest.fixture(scope="module")
def upstreams() -> Iterator[str]:
    """`gateway sandbox` on a free port; yields its base URL."""
    base, process = start_gateway_process(
        "sandbox", "--no-rate-limits", ready_path="/_sandbox/carehq/requests"
    )
    try:
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        assert f"CAREHQ_BASE_URL={base}/carehq" in output
        assert f"CAREHQ_API_SECRET={credentials.CAREHQ_API_SECRET}" in output
        assert f"BEDFUL_API_KEY={credentials.BEDFUL_API_KEY}" in output


def real_settings(base: str, **overrides: object) -> dict[str, object]:
    return {
        "carehq_base_url": f"{base}/carehq",
        "carehq_account_id": credentials.CAREHQ_ACCOUNT_ID,
        "carehq_api_key": credentials.CAREHQ_API_KEY,
        "carehq_api_secret": credentials.CAREHQ_API_SECRET,
        "bedful_base_url": f"{base}/bedful",
        "bedful_api_key": credentials.BEDFUL_API_KEY,
        **overrides,
    }


@pytest.fixture(autouse=True)
def _no_faults(upstreams: str) -> Iterator[None]:
    yield
    for system in ("carehq", "bedful"):
        httpx.delete(f"{upstreams}/_sandbox/{system}/faults", timeout=5)


async def test_the_gateway_works_against_upstreams_over_http(upstreams: str) -> None:
    settings = make_settings(**real_settings(upstreams))
    unused = Sandbox()  # configured upstreams never touch an in-process sandbox
    async for gateway in start_gateway(unused, settings):
        data = await gateway.data(MIXED)
        assert len(data["rooms"]["items"]) == 2
        assert len(data["bedfulBookings"]) == 2
        assert (await gateway.http.get("/readyz")).status_code == 200
    assert unused.carehq.requests == []
    assert unused.bedful.requests == []
    async with httpx.AsyncClient(base_url=upstreams) as admin:
        seen = (await admin.get("/_sandbox/carehq/requests")).json()
    assert any(r["path"] == "/v1/rooms" for r in seen)


async def test_refused_credentials_are_upstream_auth_and_never_shown(upstreams: str) -> None:
    settings = make_settings(
        **real_settings(upstreams, carehq_api_secret="not-the-secret", bedful_api_key="nope")
    )
    async for gateway in start_gateway(Sandbox(), settings):
        body = await gateway.execute(MIXED)
        codes = {(e["extensions"]["upstream"], e["extensions"]["code"]) for e in body["errors"]}
        assert codes == {("CAREHQ", "UPSTREAM_AUTH"), ("BEDFUL", "UPSTREAM_AUTH")}
        assert "not-the-secret" not in str(body)
        ready = await gateway.http.get("/readyz")
        assert ready.status_code == 503
        assert "not-the-secret" not in ready.text


async def test_a_slow_upstream_times_out_and_the_other_still_answers(upstreams: str) -> None:
    async with httpx.AsyncClient(base_url=upstreams) as admin:
        fault = {"kind": "slow", "delay_ms": 3000}
        (await admin.post("/_sandbox/bedful/faults", json=fault)).raise_for_status()
        earlier = len((await admin.get("/_sandbox/bedful/requests")).json())
    settings = make_settings(**real_settings(upstreams, bedful_timeout_seconds=0.5))
    async for gateway in start_gateway(Sandbox(), settings):
        body = await gateway.execute(MIXED)
        assert len(body["data"]["rooms"]["items"]) == 2
        assert body["data"]["bedfulBookings"] is None
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "upstream": "BEDFUL"}
    # The answer came at the deadline, not after Bedful's 3 s: Bedful has answered none of the
    # calls yet (as its own record says).
    async with httpx.AsyncClient(base_url=upstreams) as admin:
        seen = (await admin.get("/_sandbox/bedful/requests")).json()[earlier:]
    assert seen
    assert [call["status"] for call in seen] == [None] * len(seen)


async def test_a_key_still_in_use_is_its_own_coded_error_then_returns_the_booking(
    upstreams: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bedful takes 3 s to answer a create; a second request with the same key stops waiting
    for it (after 0.2 s here, 30 s by default) with `IDEMPOTENCY_KEY_IN_USE`, not as an upstream
    outage, and sends Bedful nothing. Retried once the first has finished, the key returns the
    booking the first made."""
    monkeypatch.setattr(idempotency, "WAIT_FOR_IN_FLIGHT_SECONDS", 0.2)
    async with httpx.AsyncClient(base_url=upstreams) as admin:
        fault = {"kind": "slow", "delay_ms": 3000, "methods": ["POST"], "times": 1}
        (await admin.post("/_sandbox/bedful/faults", json=fault)).raise_for_status()
        earlier = len((await admin.get("/_sandbox/bedful/requests")).json())

        async def creates_seen() -> int:
            seen = (await admin.get("/_sandbox/bedful/requests")).json()[earlier:]
            return sum(call["method"] == "POST" for call in seen)

        variables = {"input": booking_input(idempotencyKey="stay-in-use", startsAt="2031-09-01")}
        variables["input"]["endsAt"] = "2031-09-03"
        async for gateway in start_gateway(Sandbox(), make_settings(**real_settings(upstreams))):
            first = asyncio.ensure_future(gateway.data(CREATE, variables))
            for _ in range(200):  # until Bedful has the first create (and sits on it for 3 s)
                if await creates_seen():
                    break
                await asyncio.sleep(0.02)
            error = only_error(await gateway.execute(CREATE, variables))
            created = (await first)["createBedfulBooking"]
            again = (await gateway.data(CREATE, variables))["createBedfulBooking"]
        assert await creates_seen() == 1
    assert error["extensions"] == {"code": "IDEMPOTENCY_KEY_IN_USE"}
    assert "Retry with the same key once it has finished" in error["message"]
    assert again["id"] == created["id"]
