"""Shared fixtures: a fresh seeded sandbox per test, and the gateway app on top of it.

Tests talk to the gateway over HTTP semantics (httpx's ASGI transport, the app's lifespan run)
and look at what the sandbox saw (`sandbox.carehq.calls(...)`, `sandbox.bedful.calls(...)`).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app
from gateway.sandbox import Sandbox
from gateway.settings import Settings
from tests.redis_server import RedisServer, require_redis_server

# A developer's shell may configure a real upstream, Redis, tracing or metrics: none of it may
# reach a test (each test names the settings it is about).
_OWN_ENV_PREFIXES = ("CAREHQ_", "BEDFUL_", "GATEWAY_", "OTEL_", "PROMETHEUS_MULTIPROC_DIR")


@pytest.fixture(autouse=True)
def _no_upstream_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's shell pointing at a real upstream (or Redis) must never leak into a test."""
    for name in list(os.environ):
        if name.startswith(_OWN_ENV_PREFIXES):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox() -> Sandbox:
    """Both emulators, seed 1. Bedful's 5/s limit is off by default (tests that are about rate
    limits turn it on: `sandbox.bedful.rate_limits = True`)."""
    return Sandbox(seed=1, bedful_rate_limits=False)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bedful_requests_per_second": 1000,
        "bedful_requests_per_minute": 60000,
        "carehq_timeout_seconds": 5.0,
        "bedful_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Gateway:
    """The gateway as a frontend sees it: GraphQL documents in, JSON out (and its app, for the
    few tests that wait for something inside it)."""

    http: httpx.AsyncClient
    app: FastAPI | None = None

    async def execute(
        self, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The whole GraphQL response (`data` and `errors`)."""
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}
        )
        assert response.headers["content-type"].startswith("application/json"), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a response that must have no errors."""
        body = await self.execute(document, variables)
        assert "errors" not in body, body.get("errors")
        data: dict[str, Any] = body["data"]
        return data

    async def lookups(self, cache: str) -> dict[str, float]:
        """A cache's lookups so far by result, from `/metrics` as Prometheus scrapes them."""
        text = (await self.http.get("/metrics")).text
        found = re.findall(
            rf'gateway_cache_lookups_total{{cache="{cache}",result="(\w+)"}} (\S+)', text
        )
        return {result: float(count) for result, count in found}


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a response whose data is null (a failed mutation, a refused document)."""
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body["errors"]
    error: dict[str, Any] = body["errors"][0]
    return error


async def start_gateway(
    sandbox: Sandbox,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[Gateway]:
    app = create_app(settings, sandbox=sandbox, clock=clock, sleep=sleep)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as http,
    ):
        yield Gateway(http, app)


@pytest.fixture
async def gateway(sandbox: Sandbox) -> AsyncIterator[Gateway]:
    """The gateway on `sandbox`, with the default settings of a test (see `make_settings`)."""
    async for running in start_gateway(sandbox, make_settings()):
        yield running


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real `redis-server` for the session (skipped without it, failed under CI)."""
    require_redis_server()
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A Redis of this test's own, for tests that stop and restart it."""
    require_redis_server()
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
