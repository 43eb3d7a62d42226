"""The per-request context every resolver sees as `info.context`.

It carries the process-wide upstream clients (shared httpx connection pools and rate limiters:
built once by the app's lifespan), the process-wide store of idempotency keys (`idempotency`,
what creates with an `idempotencyKey` claim: not an upstream), and this request's own read layer
(`gateway.reads`), so that the batching of one request never leaks into another (a cached
booking must not be shown to the next caller). Resolvers read through `reads` only; the clients
are used directly for writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from graphql import GraphQLError
from strawberry.fastapi import BaseContext

from gateway.locks import KeyedLocks, LocalKeyedLocks
from gateway.reads import Reads

if TYPE_CHECKING:
    from gateway.idempotency import IdempotencyStore
    from gateway.reads import BedfulSource, CareHQSource
    from gateway.reads.executions import Executions
    from gateway.reads.results import ResultCache
    from gateway.shared.connection import SharedRedis
    from gateway.upstreams.bedful import BedfulClient
    from gateway.upstreams.carehq import CareHQClient


@dataclass(eq=False)
class Upstreams:
    """What the app's lifespan builds once per process and every request shares."""

    carehq: CareHQClient
    bedful: BedfulClient
    carehq_reads: CareHQSource
    bedful_reads: BedfulSource
    locks: KeyedLocks = field(default_factory=LocalKeyedLocks)  # one cancel per booking
    shared: SharedRedis | None = None  # GATEWAY_REDIS_URL: state shared by every process
    results: ResultCache | None = None  # reused Bedful-only results (gateway.schema.reuse)
    executions: Executions | None = None  # identical queries share one (gateway.schema.reuse)


@dataclass(eq=False)
class GatewayContext(BaseContext):
    upstreams: Upstreams
    idempotency: IdempotencyStore  # one per process, like `upstreams`: see gateway.idempotency
    caller: str = "anonymous"  # scopes idempotency keys: see gateway.auth.caller_of
    partial_errors: list[GraphQLError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    @property
    def carehq(self) -> CareHQClient:
        return self.upstreams.carehq

    @property
    def bedful(self) -> BedfulClient:
        return self.upstreams.bedful

    @cached_property
    def reads(self) -> Reads:
        """This request's read layer: every resolver reads through it (`gateway.reads`)."""
        return Reads(self.upstreams.carehq_reads, self.upstreams.bedful_reads)
