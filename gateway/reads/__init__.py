"""The read layer: every upstream read a resolver makes goes through here, one module per
upstream (`carehq`, `bedful`).

    schema/ (resolvers) -> reads/ -> upstreams/ (clients) -> httpx

This is the one seam where batching (per-request loaders), coalescing, caching and the
upstreams' budgets meet, so a resolver never decides how an upstream is read. Writes go to the
clients directly and then tell the read layer what changed (`changed`).
"""

from __future__ import annotations

from gateway.reads.bedful import BedfulReads
from gateway.reads.carehq import CareHQReads
from gateway.upstreams.bedful import BedfulClient
from gateway.upstreams.carehq import CareHQClient

__all__ = ["BedfulReads", "CareHQReads", "Reads"]


class Reads:
    """One request's reads from both upstreams: `reads.carehq`, `reads.bedful`."""

    def __init__(self, carehq: CareHQClient, bedful: BedfulClient) -> None:
        self.carehq = CareHQReads(carehq)
        self.bedful = BedfulReads(bedful)
