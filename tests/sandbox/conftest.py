"""Fixtures of the CareHQ sandbox tests (named `carehq*` so no other suite here picks them up).

Each test gets a fresh sandbox (seed 1) on a hand-moved clock set to the docs' "now", and a
client whose requests `tests.sandbox.signing.CareHQSigner` signs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.sandbox.carehq import CareHQSandbox
from tests.sandbox.carehq_support import NOW, Clock, connect
from tests.sandbox.signing import CareHQSigner


@pytest.fixture
def carehq_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def carehq(carehq_clock: Clock) -> CareHQSandbox:
    """Seed 1 on the fixed clock, its rate limit out of the way (tests about it make their own)."""
    return CareHQSandbox(clock=carehq_clock, rate_limit_per_second=1_000_000)


@pytest.fixture
async def carehq_client(
    carehq: CareHQSandbox, carehq_clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(carehq, CareHQSigner(clock=carehq_clock)) as http:
        yield http
