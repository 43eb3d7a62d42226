"""A client that goes away stops its request's upstream calls (real processes, real sockets:
`gateway serve` in front of `gateway sandbox` with Bedful's limits on)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.sandbox import credentials
from tests.processes import start_gateway_process

STAYS = """
query Stays($sites: [ID!]) {
  stays(from: "2026-01-01", to: "2026-02-01", systems: [BEDFUL], siteIds: $sites) { id }
}
"""


def site_calls(sandbox: str) -> int:
    seen = httpx.get(f"{sandbox}/_sandbox/bedful/requests", timeout=5).json()
    return sum(1 for request in seen if request["path"] == "/bookings")


async def test_a_client_that_hangs_up_stops_the_fan_out() -> None:
    """20 site calls take 5 s at Bedful's pace; the client hangs up after 1 s. Bedful then sees
    no more of them (before: they all went out, the last ones 4 s after the client left)."""
    sandbox, sandbox_process = start_gateway_process("sandbox", ready_path="/_sandbox/stats")
    env = {
        "CAREHQ_BASE_URL": f"{sandbox}/carehq",
        "CAREHQ_ACCOUNT_ID": credentials.CAREHQ_ACCOUNT_ID,
        "CAREHQ_API_KEY": credentials.CAREHQ_API_KEY,
        "CAREHQ_API_SECRET": credentials.CAREHQ_API_SECRET,
        "BEDFUL_BASE_URL": f"{sandbox}/bedful",
        "BEDFUL_API_KEY": credentials.BEDFUL_API_KEY,
    }
    gateway, gateway_process = start_gateway_process("serve", ready_path="/healthz", env=env)
    try:
        variables = {"sites": [str(n) for n in range(1, 21)]}
        async with httpx.AsyncClient(base_url=gateway) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(
                    "/graphql", json={"query": STAYS, "variables": variables}, timeout=1.0
                )
        at_hang_up = site_calls(sandbox)
        # The calls still queued would go out at 4 a second: wait for three of those seconds.
        await asyncio.sleep(3)
        after = site_calls(sandbox)
    finally:
        for process in (gateway_process, sandbox_process):
            process.terminate()
            process.communicate(timeout=10)
    assert at_hang_up < 20
    assert after <= at_hang_up + 4  # at most one more window's calls, already granted
