"""Where cached upstream answers are kept: a small interface, and the in-process store.

The read layer (`gateway.reads.bedful`) decides what is fresh enough; a `CacheStore` only keeps
entries, forgets them after their time-to-live, and forgets them on `invalidate`. A store shared
by several gateway processes (Redis) implements the same Protocol, and also tells each process
about invalidations made by the others (`subscribe`), so a write through any process is seen by
the next read through every process.

Keys are strings; `tags` name what an entry depends on ("every list of site 133"), so one write
can invalidate every list that may contain the booking without knowing their keys.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from cachetools import TLRUCache

__all__ = ["CacheStore", "Entry", "Invalidated", "MemoryStore", "Stamp"]


@dataclass(frozen=True, slots=True)
class Entry:
    """An upstream's answer and when the gateway asked for it (epoch seconds): the answer shows
    the upstream's state at that moment or later. `weight` counts toward the store's bound (the
    number of records it holds). `version` tells this entry from any other of the same key, even
    one fetched at the same instant: what a reused GraphQL result checks it was computed from
    (`gateway.reads.dependencies`)."""

    value: Any
    fetched_at: float
    weight: int = 1
    tags: frozenset[str] = frozenset()
    version: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)


@dataclass(frozen=True, slots=True)
class Stamp:
    """Which entry a key holds (`Entry.version`) and when it was fetched, without its value."""

    version: str
    fetched_at: float


Invalidated = Callable[[Collection[str], Collection[str]], None]
"""`(keys, tags)`: a listener for invalidations made elsewhere (another process)."""


class CacheStore(Protocol):
    async def get(self, key: str) -> Entry | None:
        """The entry, or None when there is none (never set, expired, evicted, invalidated)."""
        ...

    async def stamp(self, key: str) -> Stamp | None:
        """The stamp of the entry `get` would answer, without reading its value (cheap for a
        shared store, where a value is a whole list to decode); None as for `get`."""
        ...

    async def set(self, key: str, entry: Entry, *, ttl: float) -> None:
        """Keep `entry` for at most `ttl` seconds (it may be evicted earlier to stay bounded)."""
        ...

    async def invalidate(self, *, keys: Collection[str] = (), tags: Collection[str] = ()) -> None:
        """Forget these keys and every entry with any of these tags, here and, for a shared
        store, in every process (which then hear of it through `subscribe`)."""
        ...

    def subscribe(self, listener: Invalidated) -> None:
        """Call `listener` for invalidations made by OTHER processes. (The in-process store has
        no others: it never calls it.)"""
        ...


class MemoryStore:
    """This process's store: least recently used entries are evicted once the entries together
    weigh more than `max_weight` (records held), and every entry is dropped `ttl` seconds after
    it was set. `clock` (epoch seconds) is injectable for tests."""

    def __init__(self, *, max_weight: int, clock: Callable[[], float] = time.time) -> None:
        if max_weight < 1:
            raise ValueError("max_weight must be >= 1")
        self._entries: TLRUCache[str, tuple[Entry, float]] = TLRUCache(
            maxsize=max_weight,
            ttu=lambda _key, kept, now: now + kept[1],
            timer=clock,
            getsizeof=lambda kept: kept[0].weight,
        )

    @property
    def weight(self) -> float:
        """What the entries weigh together now (records held)."""
        self._entries.expire()
        return self._entries.currsize

    def __len__(self) -> int:
        self._entries.expire()
        return len(self._entries)

    async def get(self, key: str) -> Entry | None:
        kept = self._entries.get(key)
        return kept[0] if kept is not None else None

    async def stamp(self, key: str) -> Stamp | None:
        entry = await self.get(key)
        return Stamp(entry.version, entry.fetched_at) if entry is not None else None

    async def set(self, key: str, entry: Entry, *, ttl: float) -> None:
        if entry.weight <= self._entries.maxsize:
            self._entries[key] = (entry, ttl)
        else:  # heavier than the whole store: not kept (and an older answer must not stay)
            self._entries.pop(key, None)

    async def invalidate(self, *, keys: Collection[str] = (), tags: Collection[str] = ()) -> None:
        for key in keys:
            self._entries.pop(key, None)
        if tags:
            for key, (entry, _) in list(self._entries.items()):
                if not entry.tags.isdisjoint(tags):
                    self._entries.pop(key, None)

    def subscribe(self, listener: Invalidated) -> None:
        return None
