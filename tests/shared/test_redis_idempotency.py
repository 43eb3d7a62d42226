"""The Redis idempotency store beyond the state machine it shares with the in-memory one
(tests/test_idempotency.py runs those on both): its expiry, atomic claims from many clients at
once, and refusing rather than guessing when Redis is away."""

from __future__ import annotations

import asyncio

import pytest

from gateway.idempotency import (
    TTL_SECONDS,
    ClaimState,
    IdempotencyStoreUnavailable,
    run_once,
)
from gateway.shared.connection import SharedRedis
from gateway.shared.idempotency import KEY_PREFIX, RedisIdempotencyStore
from tests.redis_server import RedisServer


def shared(url: str) -> SharedRedis:
    return SharedRedis.from_url(url, display=url)


async def test_a_record_expires_24_hours_after_its_first_claim(redis_url: str) -> None:
    redis = shared(redis_url)
    store = RedisIdempotencyStore(redis)
    await store.claim("s", "k", "f")
    await store.complete("s", "k", "id-1")
    ttl_ms = await redis.client.pttl(f"{KEY_PREFIX}s:k")
    assert TTL_SECONDS * 1000 - 5000 < ttl_ms <= TTL_SECONDS * 1000
    await redis.aclose()


async def test_of_many_clients_claiming_one_key_at_once_exactly_one_owns_it(
    redis_url: str,
) -> None:
    clients = [shared(redis_url) for _ in range(10)]
    stores = [RedisIdempotencyStore(redis) for redis in clients]
    claims = await asyncio.gather(*(store.claim("s", "k", "f") for store in stores))
    assert sorted(claim.state.value for claim in claims) == ["claimed"] + ["in_flight"] * 9
    for redis in clients:
        await redis.aclose()


async def test_completing_an_expired_record_does_not_bring_it_back(redis_url: str) -> None:
    redis = shared(redis_url)
    store = RedisIdempotencyStore(redis)
    await store.claim("s", "k", "f")
    await redis.client.delete(f"{KEY_PREFIX}s:k")  # as when it expires
    await store.complete("s", "k", "id-1")
    assert await redis.client.exists(f"{KEY_PREFIX}s:k") == 0
    assert (await store.claim("s", "k", "other")).state is ClaimState.CLAIMED
    await redis.aclose()


async def test_without_redis_a_keyed_create_is_refused_before_it_is_sent(
    own_redis_server: RedisServer,
) -> None:
    redis = SharedRedis.from_url(own_redis_server.url, display="test", retry_seconds=0)
    store = RedisIdempotencyStore(redis)
    own_redis_server.stop()
    created: list[str] = []

    async def create() -> str:
        created.append("id-1")
        return "id-1"

    async def reconcile(_: float) -> str | None:
        return None

    async def fetch(record_id: str) -> str:
        return record_id

    with pytest.raises(IdempotencyStoreUnavailable):
        await run_once(
            store,
            scope="s",
            key="k",
            payload="input",
            create=create,
            fetch=fetch,
            reconcile=reconcile,
            record_id=str,
            unknown=OSError,
        )
    assert created == []

    own_redis_server.start()  # back: the same client works again, nothing restarted
    assert (await store.claim("s", "k", "f")).state is ClaimState.CLAIMED
    await redis.aclose()
