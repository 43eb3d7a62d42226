"""Clients wired to `httpx.MockTransport` handlers; closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from gateway.upstreams.bedful import BedfulClient, SlidingWindowLimiter, bedful_http_client
from gateway.upstreams.carehq import CareHQClient, CareHQSignature, carehq_http_client

ACCOUNT_ID = "5f1e0a1b2c3d4e5f60718293"
API_KEY = "carehq-test-key"
API_SECRET = "carehq-test-secret-never-sent"
BEDFUL_KEY = "bedful-test-key"
TIMEOUTS = httpx.Timeout(5.0)

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


@pytest.fixture
async def opened() -> AsyncIterator[list[httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []
    yield clients
    for client in clients:
        await client.aclose()


@pytest.fixture
def carehq(opened: list[httpx.AsyncClient]) -> Callable[..., CareHQClient]:
    """`carehq(handler, timeout=..., base_url=..., **CareHQClient kwargs)`."""

    def make(
        handler: Handler,
        *,
        timeout: float = 2.0,
        base_url: str = "https://carehq.test",
        auth: CareHQSignature | None = None,
        **kwargs: Any,
    ) -> CareHQClient:
        http = carehq_http_client(
            base_url,
            auth or CareHQSignature(ACCOUNT_ID, API_KEY, API_SECRET),
            transport=httpx.MockTransport(handler),
            timeouts=TIMEOUTS,
        )
        opened.append(http)
        return CareHQClient(http, timeout=timeout, **kwargs)

    return make


@pytest.fixture
def bedful(opened: list[httpx.AsyncClient]) -> Callable[..., BedfulClient]:
    """`bedful(handler, limiter=..., timeout=..., **BedfulClient kwargs)`."""

    def make(
        handler: Handler,
        *,
        limiter: SlidingWindowLimiter | None = None,
        timeout: float = 2.0,
        **kwargs: Any,
    ) -> BedfulClient:
        http = bedful_http_client(
            "https://bedful.test",
            BEDFUL_KEY,
            transport=httpx.MockTransport(handler),
            timeouts=TIMEOUTS,
        )
        opened.append(http)
        return BedfulClient(
            http, limiter=limiter or SlidingWindowLimiter(), timeout=timeout, **kwargs
        )

    return make
