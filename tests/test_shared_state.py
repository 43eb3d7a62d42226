"""`GATEWAY_REDIS_URL` in one test process: two gateway apps (as two workers would be) on one
sandbox and one real Redis. The same guarantees across real `gateway serve` processes over HTTP
are in test_processes_redis.py."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from gateway.sandbox import Sandbox
from tests.conftest import Gateway, make_settings, start_gateway
from tests.redis_server import RedisServer
from tests.test_mutations_bedful import CREATE, booking_input, creates

READ = '{ bedfulBooking(id: "3141036") { id status } }'


async def gateways(
    stack: AsyncExitStack, sandbox: Sandbox, redis_url: str, count: int = 2
) -> list[Gateway]:
    settings = make_settings(gateway_redis_url=redis_url)
    return [
        await stack.enter_async_context(asynccontextmanager(start_gateway)(sandbox, settings))
        for _ in range(count)
    ]


async def test_one_key_over_two_gateways_books_once(sandbox: Sandbox, redis_url: str) -> None:
    variables = {"input": booking_input(idempotencyKey="double-click")}
    async with AsyncExitStack() as stack:
        first, second = await gateways(stack, sandbox, redis_url)
        bodies = await asyncio.gather(
            *((first if i % 2 else second).execute(CREATE, variables) for i in range(10))
        )
    assert len({body["data"]["createBedfulBooking"]["id"] for body in bodies}) == 1, bodies
    assert creates(sandbox) == 1


async def test_readyz_reports_redis_without_its_password(
    sandbox: Sandbox, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.flush()
    # A Redis without a password of its own accepts any password for the default user.
    url = f"redis://default:s3cr3t-pw@127.0.0.1:{redis_server.port}/0"
    caplog.set_level(logging.DEBUG)
    async with AsyncExitStack() as stack:
        (gateway,) = await gateways(stack, sandbox, url, count=1)
        answer = await gateway.http.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"carehq": "ok", "bedful": "ok", "redis": "ok"}
    assert "s3cr3t-pw" not in caplog.text
    assert "default:***@127.0.0.1" in caplog.text


async def test_without_redis_reads_go_on_and_keyed_creates_are_refused_until_it_returns(
    sandbox: Sandbox, own_redis_server: RedisServer
) -> None:
    async with AsyncExitStack() as stack:
        (gateway,) = await gateways(stack, sandbox, own_redis_server.url, count=1)
        own_redis_server.stop()

        assert (await gateway.data(READ))["bedfulBooking"]["id"] == "3141036"
        keyed = {"input": booking_input(idempotencyKey="while-down")}
        body = await gateway.execute(CREATE, keyed)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "IDEMPOTENCY_UNAVAILABLE"
        assert "nothing was created" in error["message"]
        assert creates(sandbox) == 0
        unkeyed = {"input": booking_input(startsAt="2031-04-01", endsAt="2031-04-02")}
        assert (await gateway.data(CREATE, unkeyed))["createBedfulBooking"]["id"]
        assert creates(sandbox) == 1
        ready = await gateway.http.get("/readyz")
        assert ready.status_code == 200  # degraded, still serving
        assert ready.json()["redis"].startswith("unavailable")

        own_redis_server.start()
        assert (await gateway.http.get("/readyz")).json()["redis"] == "ok"
        created = await gateway.data(CREATE, keyed)
        assert await gateway.data(CREATE, keyed) == created
        assert creates(sandbox) == 2


CANCEL_BEDFUL = 'mutation { cancelBedfulBooking(id: "3141036") { id status } }'
CANCEL_CAREHQ = 'mutation { cancelBooking(id: "6989ccd7912265b1f56c7aa0") { id isCancelled } }'


def cancel_writes(sandbox: Sandbox) -> tuple[int, int]:
    carehq = [r for r in sandbox.carehq.requests if r.method == "PATCH"]
    bedful = [r for r in sandbox.bedful.requests if r.path == "/bookings/3141036/update"]
    return len(carehq), len(bedful)


@pytest.mark.parametrize("shared", [False, True], ids=["one-process", "two-processes-redis"])
async def test_cancels_arriving_together_write_once(
    sandbox: Sandbox, redis_server: RedisServer, shared: bool
) -> None:
    redis_server.flush()
    async with AsyncExitStack() as stack:
        if shared:
            gateways_ = await gateways(stack, sandbox, redis_server.url)
        else:
            settings = make_settings()
            gateways_ = [
                await stack.enter_async_context(
                    asynccontextmanager(start_gateway)(sandbox, settings)
                )
            ]
        sandbox.bedful.latency_ms = sandbox.carehq.latency_ms = 30  # reads and writes overlap
        bodies = await asyncio.gather(
            *(
                gateways_[i % len(gateways_)].execute(document)
                for i in range(6)
                for document in (CANCEL_BEDFUL, CANCEL_CAREHQ)
            )
        )
    assert all("errors" not in body for body in bodies), bodies
    for body in bodies:
        answer = body["data"]
        assert answer.get("cancelBedfulBooking", {"status": "CANCELLED"})["status"] == "CANCELLED"
        assert answer.get("cancelBooking", {"isCancelled": True})["isCancelled"] is True
    assert cancel_writes(sandbox) == (1, 1)


READ_STATUS = 'query { bedfulBooking(id: "3141036") { id status } }'
CANCEL_ONE = 'mutation { cancelBedfulBooking(id: "3141036") { id status } }'


async def test_a_cancel_through_one_gateway_is_read_through_the_other_at_once(
    sandbox: Sandbox, redis_url: str
) -> None:
    settings = make_settings(gateway_redis_url=redis_url, gateway_bedful_max_staleness_seconds=60)
    async with AsyncExitStack() as stack:
        first, second = [
            await stack.enter_async_context(asynccontextmanager(start_gateway)(sandbox, settings))
            for _ in range(2)
        ]
        assert (await second.data(READ_STATUS))["bedfulBooking"]["status"] != "CANCELLED"
        reads = len(sandbox.bedful.calls("GET"))
        assert (await second.data(READ_STATUS))["bedfulBooking"]["status"] != "CANCELLED"
        assert len(sandbox.bedful.calls("GET")) == reads  # the second read came from the cache

        assert (await first.data(CANCEL_ONE))["cancelBedfulBooking"]["status"] == "CANCELLED"
        assert (await second.data(READ_STATUS))["bedfulBooking"]["status"] == "CANCELLED"
