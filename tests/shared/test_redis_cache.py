"""The read cache's store on a real Redis: entries, invalidation by key and by tag across
processes (two stores on one Redis stand for two processes), and Redis trouble."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.reads.store import Entry
from gateway.shared.cache import Codec, RedisCacheStore
from gateway.shared.connection import SharedRedis
from tests.redis_server import RedisServer

CODEC: Codec[dict[str, int] | list[int] | None] = Codec(dict[str, int] | list[int] | None)


def store(redis: SharedRedis, clock: list[float] | None = None) -> RedisCacheStore:
    now = clock or [1000.0]
    return RedisCacheStore(
        redis, name="test", codec=CODEC, remember_invalidations=60, clock=lambda: now[0]
    )


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[tuple[RedisCacheStore, RedisCacheStore]]:
    clients = [SharedRedis.from_url(redis_url, display="test") for _ in range(2)]
    stores = (store(clients[0]), store(clients[1]))
    yield stores
    for each in stores:
        await each.aclose()
    for client in clients:
        await client.aclose()


async def test_an_entry_set_in_one_process_is_read_in_the_other(
    two: tuple[RedisCacheStore, RedisCacheStore],
) -> None:
    first, second = two
    entry = Entry({"id": 7}, 999.0, 1, frozenset({"site:1"}))
    await first.set("booking:7", entry, ttl=10)
    assert await second.get("booking:7") == entry
    await first.set("none", Entry(None, 999.0), ttl=10)
    assert await second.get("none") == Entry(None, 999.0)
    assert await second.get("missing") is None


async def test_invalidating_a_key_or_a_tag_anywhere_drops_it_everywhere(
    two: tuple[RedisCacheStore, RedisCacheStore],
) -> None:
    first, second = two
    await first.set("booking:7", Entry({"id": 7}, 999.0), ttl=10)
    await first.set("list:site=1", Entry([7, 8], 999.0, 2, frozenset({"site:1", "lists"})), ttl=10)
    await first.set("list:site=2", Entry([9], 999.0, 1, frozenset({"site:2", "lists"})), ttl=10)
    await second.invalidate(keys={"booking:7"}, tags={"site:1"})
    assert await first.get("booking:7") is None
    assert await first.get("list:site=1") is None
    assert await first.get("list:site=2") is not None


async def test_an_answer_fetched_before_an_invalidation_elsewhere_is_not_kept(
    redis_url: str,
) -> None:
    clients = [SharedRedis.from_url(redis_url, display="test") for _ in range(2)]
    now = [1000.0]
    reader, writer = store(clients[0], now), store(clients[1], now)
    started = now[0]  # the reader asks the upstream...
    now[0] += 1
    await writer.invalidate(keys={"booking:7"})  # ...a write lands meanwhile...
    await reader.set("booking:7", Entry({"id": 7}, started), ttl=10)  # ...then the old answer
    assert await reader.get("booking:7") is None
    await reader.set("booking:7", Entry({"id": 7}, now[0] + 1), ttl=10)  # a later answer is kept
    assert await reader.get("booking:7") is not None
    for client in clients:
        await client.aclose()


async def test_other_processes_hear_of_invalidations_and_not_of_their_own(
    two: tuple[RedisCacheStore, RedisCacheStore],
) -> None:
    first, second = two
    heard: list[tuple[list[str], list[str]]] = []
    mine: list[object] = []
    second.subscribe(lambda keys, tags: heard.append((sorted(keys), sorted(tags))))
    first.subscribe(lambda keys, tags: mine.append(keys))
    await asyncio.sleep(0.2)  # the subscription is made
    await first.invalidate(keys={"booking:7"}, tags={"site:1"})
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.02)
    assert heard == [(["booking:7"], ["site:1"])]
    assert mine == []


async def test_an_entry_that_does_not_decode_is_a_miss(
    two: tuple[RedisCacheStore, RedisCacheStore],
) -> None:
    first, _ = two
    await first._redis.client.set("gateway:cache:test:entry:booking:7", '{"value": "x"}')
    assert await first.get("booking:7") is None


async def test_without_redis_reads_miss_and_invalidations_wait_for_its_return(
    own_redis_server: RedisServer,
) -> None:
    client = SharedRedis.from_url(own_redis_server.url, display="test", retry_seconds=0)
    cache = store(client)
    await cache.set("booking:7", Entry({"id": 7}, 999.0), ttl=60)
    own_redis_server.pause()  # unreachable, but it keeps its data
    assert await cache.get("booking:7") is None  # a miss: the read goes upstream
    await cache.invalidate(keys={"booking:7"})  # a write while Redis is away
    own_redis_server.resume()
    assert await cache.get("booking:7") is None  # the invalidation was made on its return
    await client.aclose()


async def test_a_stamp_names_the_entry_without_reading_its_value(
    two: tuple[RedisCacheStore, RedisCacheStore],
) -> None:
    first, second = two
    entry = Entry(list(range(5000)), 999.25, 5000, frozenset({"site:1"}))
    await first.set("list:site=1", entry, ttl=10)
    stamp = await second.stamp("list:site=1")
    assert stamp is not None
    assert (stamp.version, stamp.fetched_at) == (entry.version, 999.25)
    replaced = Entry([1], 999.25, 1)  # fetched at the same instant: still another entry
    await first.set("list:site=1", replaced, ttl=10)
    now = await second.stamp("list:site=1")
    assert now is not None
    assert now.version == replaced.version
    await second.invalidate(tags={"site:1"})
    assert await first.stamp("list:site=1") is None
    assert await first.stamp("missing") is None
