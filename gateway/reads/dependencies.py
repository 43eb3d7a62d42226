"""What one request's answer was computed from: the cache entries the Bedful source served it.

A GraphQL result computed only from Bedful answers of the read cache can be reused for an
identical later request exactly as long as the source would still serve those same entries (same
key, same `Entry.version`, within the staleness bound): re-executing would then compute the same
result from the same answers. So reuse adds no staleness to what the cache already allows, and
everything that drops an entry (a write through the gateway, an entry aging out, a refresh that
brings a newer answer) also stops every result computed from it from being reused.

`Dependencies` is per request; the read layer records into it (`BedfulReads`) and spoils it
for anything whose answer is not a cache entry: a CareHQ read, a write, a write's check read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Dependencies", "Served"]

MAX_DEPENDENCIES = 100
"""More entries than this in one request: its result is not kept (checking them would cost
about what executing again does)."""


@dataclass(frozen=True, slots=True)
class Served:
    """One cache entry a request was answered from. `tags` and `fetch` say how the source would
    refresh it, so that a reuse still triggers the refresh a read would (stale-while-revalidate)."""

    key: str
    version: str
    tags: frozenset[str]
    fetch: Callable[[], Awaitable[Any]]


class Dependencies:
    """The entries one request's reads were served from, and whether the request read anything
    else (then its result is never reused)."""

    __slots__ = ("_served", "_spoiled")

    def __init__(self) -> None:
        self._served: dict[str, Served] = {}
        self._spoiled = False

    @property
    def reusable(self) -> bool:
        """Only entries were read (at least one), each in one version."""
        return not self._spoiled and bool(self._served)

    @property
    def served(self) -> tuple[Served, ...]:
        return tuple(self._served.values()) if self.reusable else ()

    def add(self, served: Served) -> None:
        if self._spoiled:
            return
        if not served.version:  # an entry of an older gateway (Redis): no identity to check
            self.spoil()
            return
        known = self._served.setdefault(served.key, served)
        # Two versions of one key in one result (a refresh landed between two reads): no single
        # state of the cache would compute it again.
        if known.version != served.version or len(self._served) > MAX_DEPENDENCIES:
            self.spoil()

    def spoil(self) -> None:
        """Something not from the cache went into the result: never reuse it."""
        self._spoiled = True
        self._served.clear()
