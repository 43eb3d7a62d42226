"""The sandbox's opt-in switches for benchmarking a peer (GraphQL Mesh cannot sign CareHQ requests
and must not be throttled while we are not), its call counts, and its bounded request log.

The defaults stay faithful: each switch is tested off as well as on.
"""

from __future__ import annotations

import httpx
import pytest

from gateway.sandbox import Sandbox, common
from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.credentials import BEDFUL_API_KEY
from tests.processes import start_gateway_process
from tests.sandbox.carehq_support import BASE, Clock, connect
from tests.sandbox.signing import CareHQSigner

LIMIT_HEADERS = {"x-carehq-ratelimit-limit", "x-carehq-ratelimit-remaining"}


async def test_unsigned_requests_are_refused_unless_the_check_is_switched_off(
    carehq_clock: Clock,
) -> None:
    async with connect(CareHQSandbox(clock=carehq_clock), auth=None) as http:
        assert (await http.get("/v1/rooms")).status_code == 401
    unchecked = CareHQSandbox(clock=carehq_clock, signature_check=False)
    async with connect(unchecked, auth=None) as http:
        rooms = await http.get("/v1/rooms", params={"per_page": 3})
        assert rooms.status_code == 200
        assert len(rooms.json()["items"]) == 3
        bad = await http.get("/v1/bookings", params={"page": "0"})
        assert bad.status_code == 400  # everything but the signature is still checked


async def test_lifted_rate_limits_answer_every_request_without_limit_headers(
    carehq_clock: Clock,
) -> None:
    signer = CareHQSigner(clock=carehq_clock)
    async with connect(CareHQSandbox(clock=carehq_clock, rate_limit_per_second=3), signer) as http:
        statuses = [(await http.get("/v1/rooms")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]

    lifted = CareHQSandbox(clock=carehq_clock, rate_limit_per_second=3, rate_limits=False)
    async with connect(lifted, signer) as http:
        answers = [await http.get("/v1/rooms") for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 10
    assert not LIMIT_HEADERS & set(answers[0].headers)


@pytest.mark.parametrize(("rate_limits", "expected"), [(True, 5), (False, 12)])
async def test_sandbox_rate_limits_switch_covers_bedful_too(
    rate_limits: bool, expected: int
) -> None:
    sandbox = Sandbox(rate_limits=rate_limits)
    async with httpx.AsyncClient(
        transport=sandbox.transport("bedful"), base_url=BASE, auth=(BEDFUL_API_KEY, "")
    ) as http:
        statuses = [(await http.get("/bookings/3100000")).status_code for _ in range(12)]
    assert statuses.count(200) == expected
    assert sandbox.carehq.rate_limits is rate_limits


async def test_stats_count_every_call_of_each_upstream() -> None:
    sandbox = Sandbox(rate_limits=False, signature_check=False)
    transport = httpx.ASGITransport(app=sandbox.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        assert (await http.get("/_sandbox/stats")).json() == {"carehq": 0, "bedful": 0}
        for _ in range(3):
            await http.get("/carehq/v1/rooms")
        await http.get("/bedful/bookings/3100000")  # no credentials: a 401 is still a call
        assert (await http.get("/_sandbox/stats")).json() == {"carehq": 3, "bedful": 1}


async def test_only_the_most_recent_requests_are_kept(
    carehq_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "RECENT_REQUESTS", 4)
    carehq = CareHQSandbox(clock=carehq_clock, rate_limits=False)
    async with connect(carehq, CareHQSigner(clock=carehq_clock)) as http:
        for page in range(1, 11):
            await http.get("/v1/rooms", params={"page": page})
    assert carehq.seen == 10
    assert [call.param("page") for call in carehq.requests] == ["7", "8", "9", "10"]
    assert [call.status for call in carehq.calls("GET", "/v1/rooms")] == [200] * 4
    carehq.reset_calls()
    assert carehq.requests == []
    assert carehq.seen == 10


def test_the_command_line_switches_reach_the_served_sandbox() -> None:
    base, process = start_gateway_process(
        "sandbox", "--no-rate-limits", "--no-signature-check", ready_path="/_sandbox/stats"
    )
    try:
        for _ in range(60):  # past CareHQ's 50/s, unsigned
            answer = httpx.get(f"{base}/carehq/v1/bookings?per_page=1", timeout=5)
            assert answer.status_code == 200, answer.text
        assert httpx.get(f"{base}/_sandbox/stats", timeout=5).json() == {
            "carehq": 60,
            "bedful": 0,
        }
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "--no-rate-limits" in output
    assert "--no-signature-check" in output
    faithful, process = start_gateway_process("sandbox", ready_path="/_sandbox/stats")
    try:
        assert httpx.get(f"{faithful}/carehq/v1/bookings", timeout=5).status_code == 401
    finally:
        process.terminate()
        process.communicate(timeout=10)
