"""Write locks across processes (two clients of one real Redis stand for two processes), and in
one process."""

from __future__ import annotations

import asyncio

import pytest

from gateway.locks import LocalKeyedLocks, LockBusy
from gateway.shared.connection import SharedRedis
from gateway.shared.locks import RedisKeyedLocks
from tests.redis_server import RedisServer


async def test_a_local_lock_serialises_one_key_and_is_forgotten_after() -> None:
    locks = LocalKeyedLocks()
    order: list[str] = []

    async def write(name: str, key: str) -> None:
        async with locks.hold(key):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(write("a", "k"), write("b", "k"), write("c", "other"))
    assert order.index("a out") < order.index("b in")
    assert order.index("c in") < order.index("a out")  # another key does not wait
    assert locks._locks == {}


async def test_two_processes_hold_one_key_in_turn(redis_url: str) -> None:
    first, second = (SharedRedis.from_url(redis_url, display="test") for _ in range(2))
    a, b = (RedisKeyedLocks(client, lease_seconds=10) for client in (first, second))
    order: list[str] = []

    async def write(locks: RedisKeyedLocks, name: str) -> None:
        async with locks.hold("bedful:booking:1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    await asyncio.gather(write(a, "a"), write(b, "b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    await first.aclose()
    await second.aclose()


async def test_a_write_waiting_too_long_is_busy(redis_url: str) -> None:
    first, second = (SharedRedis.from_url(redis_url, display="test") for _ in range(2))
    holder = RedisKeyedLocks(first, lease_seconds=10)
    waiter = RedisKeyedLocks(second, lease_seconds=10, wait_seconds=0.2)
    async with holder.hold("k"):
        with pytest.raises(LockBusy):
            async with waiter.hold("k"):
                pytest.fail("held twice")
    async with waiter.hold("k"):  # free again
        pass
    await first.aclose()
    await second.aclose()


async def test_without_redis_the_process_lock_still_serialises(
    own_redis_server: RedisServer,
) -> None:
    client = SharedRedis.from_url(own_redis_server.url, display="test", retry_seconds=0)
    locks = RedisKeyedLocks(client, lease_seconds=10)
    own_redis_server.stop()
    inside = 0
    most = 0

    async def write() -> None:
        nonlocal inside, most
        async with locks.hold("k"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(write() for _ in range(5)))
    assert most == 1
    await client.aclose()
