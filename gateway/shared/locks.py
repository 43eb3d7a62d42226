"""`RedisKeyedLocks`: `gateway.locks.KeyedLocks` across every process, with redis-py's `Lock`
(`SET NX PX` with a random token; released by a Lua compare-and-delete, so a lock whose lease
ran out and was taken by another process is never released by the first).

The local lock is taken first, so callers of one process queue in memory and only one of them
polls Redis. The lease (`lease_seconds`) outlasts the longest write (a read and a write, each
within the upstream's deadline): a process that dies while holding a lock blocks that record
for at most the lease. Redis unavailable: the local lock alone (one process's writes stay
serialised; the outage is logged once by `SharedRedis`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from gateway.locks import WAIT_SECONDS, LocalKeyedLocks, LockBusy
from gateway.shared.connection import SharedRedis, SharedStateUnavailable

__all__ = ["RedisKeyedLocks"]

logger = logging.getLogger("gateway.redis")

POLL_SECONDS = 0.05


class RedisKeyedLocks:
    def __init__(
        self, redis: SharedRedis, *, lease_seconds: float, wait_seconds: float = WAIT_SECONDS
    ) -> None:
        self._redis = redis
        self._lease = lease_seconds
        self._wait = wait_seconds
        self._local = LocalKeyedLocks(wait_seconds=wait_seconds)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with self._local.hold(key):
            lock = self._redis.client.lock(
                f"gateway:lock:{key}",
                timeout=self._lease,
                sleep=POLL_SECONDS,
                blocking_timeout=max(0.0, self._wait - (loop.time() - started)),
            )
            try:
                acquired = await self._redis.run("write locks", lambda _: lock.acquire())
            except SharedStateUnavailable:
                acquired = None  # Redis is away: this process's lock alone
            if acquired is False:
                raise LockBusy(key)
            try:
                yield
            finally:
                if acquired:
                    with contextlib.suppress(SharedStateUnavailable):
                        await self._release(lock, key)

    async def _release(self, lock: Lock, key: str) -> None:
        async def release(_: object) -> bool:
            try:
                await lock.release()
            except LockError:  # not Redis trouble: our token is no longer there
                return False
            return True

        if not await self._redis.run("write locks", release):
            logger.warning("the lock of %s outlived its lease; another write may have run", key)
