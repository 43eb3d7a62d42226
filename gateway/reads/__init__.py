"""The read layer: every upstream read a resolver makes goes through here, one package per
upstream (`carehq/`, `bedful/`, each `loaders` over `source`); `coalesce` and `store` are shared.

    schema/ (resolvers) -> reads/ -> upstreams/ (clients) -> httpx

This is the one seam where batching, coalescing, caching and the upstreams' budgets meet, so a
resolver never decides how an upstream is read. Two halves per upstream:

* per request (`CareHQReads`, `BedfulReads`): batched loaders (aiodataloader), so the loads of
  one document become few calls; nothing of one request is kept for another here;
* per process (`CareHQSource`, `BedfulSource`): identical calls in flight at the same moment,
  from any requests, are one call; Bedful answers are also cached with bounded staleness.

Writes go to the clients directly and then tell the read layer what changed (`changed`), so the
next read, from any request, sees the write.
"""

from __future__ import annotations

from functools import cached_property

from gateway.reads.bedful.loaders import BedfulReads
from gateway.reads.bedful.source import BedfulSource
from gateway.reads.carehq.loaders import CareHQReads
from gateway.reads.carehq.source import CareHQSource
from gateway.reads.dependencies import Dependencies

__all__ = [
    "BedfulReads",
    "BedfulSource",
    "CareHQReads",
    "CareHQSource",
    "Dependencies",
    "Reads",
]


class Reads:
    """One request's reads from both upstreams: `reads.carehq`, `reads.bedful`.

    `dependencies` are the Bedful cache entries the request was answered from; any CareHQ read
    spoils them (CareHQ answers are not cached, so nothing could tell when they change)."""

    def __init__(self, carehq: CareHQSource, bedful: BedfulSource) -> None:
        self.dependencies = Dependencies()
        self._carehq_source = carehq
        self.bedful = BedfulReads(bedful, self.dependencies)

    @cached_property
    def carehq(self) -> CareHQReads:
        self.dependencies.spoil()
        return CareHQReads(self._carehq_source)
