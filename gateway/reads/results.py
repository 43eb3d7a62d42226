"""Whole GraphQL results computed only from Bedful cache entries, kept for identical requests.

A list of 373 bookings costs the gateway about 50 ms of CPU to execute (graphql-core completing
every field of every item) and no Bedful call at all while the list is cached. `ResultCache`
keeps such a result, already encoded as JSON, with the cache entries it was computed from
(`gateway.reads.dependencies`). An identical request (the key: caller, document, operation,
variables; see `gateway.schema.reuse`) is answered with it only while `BedfulSource.still_serves`
those very entries: a write through the gateway, an entry aging out, or a refresh bringing a
newer answer each make the next identical request execute again. So a reused result is never
older than the read cache already allows, and its `asOf` values are exactly those of the entries.

Bounded: at most `max_bytes` of encoded results (least recently used go first), each dropped
after `max_staleness` (no entry it depends on lives longer).

When an identical request is already executing a key that was reusable before (its entries were
refreshed, say), a request waits for that execution and reuses its result rather than executing
the same document again at the same moment; it waits once, and only for a key whose last result
could be kept, so a document that cannot be reused never makes requests wait for each other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cachetools import TLRUCache

from gateway.reads.bedful.source import BedfulSource
from gateway.reads.dependencies import Served

__all__ = ["Lookup", "ResultCache"]

_ENTRY_OVERHEAD = 200
"""Bytes counted per kept result beyond its JSON (the key, the record, its dependencies)."""


@dataclass(frozen=True, slots=True)
class _Kept:
    data: dict[str, Any]  # top-level response keys -> their value encoded as JSON
    served: tuple[Served, ...]
    size: int


@dataclass(eq=False)
class Lookup:
    """One request's lookup of `key`: `data` to answer with (None: execute, then call `done`
    once, with what to keep if anything)."""

    key: str
    data: dict[str, Any] | None
    _cache: ResultCache
    _leads: bool = False  # identical requests wait for this one's execution
    _finished: bool = field(default=False)

    def done(self, data: dict[str, Any] | None, size: int, served: Sequence[Served]) -> None:
        """Execution is over: keep `data` (top-level keys -> their encoded JSON, `size` bytes
        in all) computed from `served`, when there is something to keep; wake the requests
        waiting for this one."""
        if self._finished or self.data is not None:
            return
        self._finished = True
        if data is not None and served:
            self._cache.keep(self.key, data, size, served)
        if self._leads:
            self._cache.release(self.key)


class ResultCache:
    """One per process, over the process's `BedfulSource`."""

    def __init__(
        self,
        source: BedfulSource,
        *,
        max_bytes: int,
        clock: Callable[[], float] = time.time,
        on_lookup: Callable[[str], None] = lambda result: None,
    ) -> None:
        """`on_lookup(result)` hears `hit` (a result reused) or `miss` (executed)."""
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        self._source = source
        self._on_lookup = on_lookup
        ttl = source.max_staleness
        self._kept: TLRUCache[str, _Kept] = TLRUCache(
            maxsize=max_bytes,
            ttu=lambda _key, _kept, now: now + ttl,
            timer=clock,
            getsizeof=lambda kept: kept.size,
        )
        self._running: dict[str, asyncio.Future[None]] = {}

    @property
    def size(self) -> float:
        """Bytes the kept results count for now."""
        self._kept.expire()
        return self._kept.currsize

    async def lookup(self, key: str) -> Lookup:
        """The result to reuse for `key`, if its entries are still what reads would be served;
        otherwise a miss: the caller executes and calls `Lookup.done`."""
        running = self._running.get(key)
        if running is not None:  # an identical request is executing a reusable key: wait once
            await asyncio.shield(running)
        kept = self._kept.get(key)
        if kept is not None and await self._source.still_serves(kept.served):
            self._on_lookup("hit")
            return Lookup(key, kept.data, self)
        self._on_lookup("miss")
        if kept is None or running is not None or key in self._running:
            # Never reusable yet (or this request has waited already): execute alongside.
            return Lookup(key, None, self)
        # Reusable before, its entries have moved on: identical requests wait for this one.
        self._kept.pop(key, None)
        self._running[key] = asyncio.get_running_loop().create_future()
        lookup = Lookup(key, None, self, _leads=True)
        task = asyncio.current_task()
        if task is not None:  # however the request ends, nobody waits for it any longer
            task.add_done_callback(lambda _: lookup.done(None, 0, ()))
        return lookup

    def keep(self, key: str, data: dict[str, Any], size: int, served: Sequence[Served]) -> None:
        """Keep `data` (`size` bytes of JSON) for requests of `key`, for as long as `served`
        are what reads would be answered with."""
        size += _ENTRY_OVERHEAD
        if served and size <= self._kept.maxsize:
            self._kept[key] = _Kept(data, tuple(served), size)

    def release(self, key: str) -> None:
        """The execution identical requests wait for is over."""
        running = self._running.pop(key, None)
        if running is not None and not running.done():
            running.set_result(None)
