"""One write at a time per record: `KeyedLocks`.

Two cancels of one booking arriving together would both read "not cancelled" and both write.
A cancel therefore holds the lock of its booking from its read to its write; the second one
then reads the booking the first has cancelled and returns it without writing.

`LocalKeyedLocks` serialises within one process. With `GATEWAY_REDIS_URL`,
`gateway.shared.locks.RedisKeyedLocks` serialises across every process (a Redis lock with a
token and a lease, taken after the local one), falling back to the local lock alone while Redis
is unavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

__all__ = ["KeyedLocks", "LocalKeyedLocks", "LockBusy"]

WAIT_SECONDS = 30.0
"""How long a write waits for another write of the same record before giving up."""


class LockBusy(Exception):
    """Another write of the same record did not finish within `WAIT_SECONDS`."""


class KeyedLocks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """Held by one caller at a time per `key`; raises `LockBusy` after waiting too long."""
        ...


class LocalKeyedLocks:
    """This process's locks; a key's lock is forgotten once nobody holds or waits for it."""

    def __init__(self, *, wait_seconds: float = WAIT_SECONDS) -> None:
        self._wait = wait_seconds
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            try:
                async with asyncio.timeout(self._wait):
                    await lock.acquire()
            except TimeoutError:
                raise LockBusy(key) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
