"""The process's upstream side, built from the settings when the app starts (`open_upstreams`).

One httpx client per upstream for the whole process (connection pooling, one rate limiter per
upstream key): the configured base URL, or the built-in sandbox reached in-process through its
transport when an upstream is not configured, so the gateway works with no network at all. Then
the CareHQ and Bedful clients, Bedful's budget, the read sources and their caches, the result
cache, shared executions, the per-booking locks and the idempotency store: in this process, or,
with `GATEWAY_REDIS_URL`, in the one Redis every process shares (`gateway.shared`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import httpx

from gateway.context import Upstreams
from gateway.idempotency import IdempotencyStore, InMemoryIdempotencyStore
from gateway.locks import LocalKeyedLocks
from gateway.observability.setup import Observability
from gateway.reads import BedfulSource, CareHQSource
from gateway.reads.executions import Executions
from gateway.reads.results import ResultCache
from gateway.reads.store import CacheStore, MemoryStore
from gateway.sandbox import Sandbox, credentials
from gateway.settings import Settings
from gateway.shared.cache import Codec, RedisCacheStore
from gateway.shared.connection import SharedRedis
from gateway.shared.idempotency import RedisIdempotencyStore
from gateway.shared.locks import RedisKeyedLocks
from gateway.shared.ratelimit import RedisSlidingWindowLimiter
from gateway.upstreams.bedful import BedfulBooking as BedfulRecord
from gateway.upstreams.bedful import BedfulClient, bedful_http_client
from gateway.upstreams.carehq import CareHQClient, CareHQSignature, carehq_http_client
from gateway.upstreams.health import Health
from gateway.upstreams.ratelimit import RateLimiter, SlidingWindowLimiter

__all__ = ["BEDFUL_WRITE_RESERVE", "open_upstreams"]

logger = logging.getLogger("gateway")

BEDFUL_WRITE_RESERVE = 1
"""Slots of each Bedful window only writes may use: a read flood never delays a cancel."""


async def open_upstreams(
    stack: AsyncExitStack,
    settings: Settings,
    sandbox: Sandbox | None,
    observability: Observability,
    *,
    clock: Callable[[], float],
    wall_clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> tuple[Upstreams, IdempotencyStore]:
    """What requests use to reach the upstreams, and the idempotency store of keyed creates.
    `stack` closes them, in the right order, when the app stops."""
    carehq_http = await stack.enter_async_context(
        observability.upstream_client(_carehq_http(settings, sandbox))
    )
    bedful_http = await stack.enter_async_context(
        observability.upstream_client(_bedful_http(settings, sandbox))
    )
    shared = _shared_redis(settings)
    if shared is not None:
        stack.push_async_callback(shared.aclose)
    interval = settings.gateway_readiness_interval_seconds
    carehq = CareHQClient(
        carehq_http,
        timeout=settings.carehq_timeout_seconds,
        observer=observability.upstreams,
        health=Health("CareHQ", interval=interval, clock=clock),
    )
    bedful_limiter = _bedful_limiter(settings, shared, clock=clock, sleep=sleep)
    observability.watch_budget("bedful", bedful_limiter.usage)
    bedful = BedfulClient(
        bedful_http,
        limiter=bedful_limiter,
        timeout=settings.bedful_timeout_seconds,
        observer=observability.upstreams,
        health=Health("Bedful", interval=interval, clock=clock),
    )
    bedful_reads = BedfulSource(
        bedful,
        max_staleness=settings.gateway_bedful_max_staleness_seconds,
        store=_bedful_cache(settings, shared, stack, wall_clock),
        clock=wall_clock,
        on_lookup=observability.cache_lookups("bedful"),
    )
    stack.push_async_callback(bedful_reads.aclose)  # before the HTTP clients close
    carehq_reads = CareHQSource(carehq)
    idempotency = observability.idempotency(
        InMemoryIdempotencyStore() if shared is None else RedisIdempotencyStore(shared)
    )
    upstreams = Upstreams(
        carehq=carehq,
        bedful=bedful,
        locks=(
            LocalKeyedLocks()
            if shared is None
            else RedisKeyedLocks(shared, lease_seconds=_longest_write(settings))
        ),
        carehq_reads=carehq_reads,
        bedful_reads=bedful_reads,
        shared=shared,
        results=_result_cache(settings, bedful_reads, observability, wall_clock),
        executions=Executions(
            # Either source's generation going up means a write or invalidation.
            lambda: carehq_reads.generation + bedful_reads.generation,
            on_lookup=observability.cache_lookups("executions"),
        ),
    )
    return upstreams, idempotency


def _longest_write(settings: Settings) -> float:
    """A read and a write, each within its upstream's deadline, and some slack."""
    return 2 * max(settings.carehq_timeout_seconds, settings.bedful_timeout_seconds) + 5


def _bedful_cache(
    settings: Settings,
    shared: SharedRedis | None,
    stack: AsyncExitStack,
    clock: Callable[[], float],
) -> CacheStore:
    """The Bedful read cache: in this process, or in Redis for every process (with the
    invalidations of each reaching all)."""
    if shared is None:
        return MemoryStore(max_weight=settings.gateway_bedful_cache_max_bookings, clock=clock)
    store = RedisCacheStore(
        shared,
        name="bedful",
        codec=Codec(BedfulRecord | list[BedfulRecord] | None),
        remember_invalidations=settings.gateway_bedful_max_staleness_seconds + 60,
        clock=clock,
    )
    stack.push_async_callback(store.aclose)
    return store


def _result_cache(
    settings: Settings,
    source: BedfulSource,
    observability: Observability,
    clock: Callable[[], float],
) -> ResultCache | None:
    """Reuse of Bedful-only GraphQL results (`gateway.schema.reuse`): only with the Bedful
    cache on, since a result is reused only while the entries it was computed from are served."""
    max_bytes = int(settings.gateway_result_cache_max_mb * 1_000_000)
    if source.max_staleness <= 0 or max_bytes < 1:
        return None
    return ResultCache(
        source,
        max_bytes=max_bytes,
        clock=clock,
        on_lookup=observability.cache_lookups("bedful_results"),
    )


def _bedful_limiter(
    settings: Settings,
    shared: SharedRedis | None,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> RateLimiter:
    """Bedful's budget per API key: in this process (on `clock`), or in Redis for every process
    (on Redis's clock)."""
    windows = (
        (settings.bedful_requests_per_second, 1.0),
        (settings.bedful_requests_per_minute, 60.0),
    )
    if shared is None:
        return SlidingWindowLimiter(
            windows, write_reserve=BEDFUL_WRITE_RESERVE, clock=clock, sleep=sleep
        )
    # One budget per Bedful key, named by a digest: the key itself never reaches Redis.
    account = f"{settings.bedful_base_url or 'sandbox'} {settings.bedful_key()}"
    digest = hashlib.sha256(account.encode()).hexdigest()[:16]
    return RedisSlidingWindowLimiter(
        shared,
        key=f"gateway:bedful:budget:{digest}",
        windows=windows,
        write_reserve=BEDFUL_WRITE_RESERVE,
        processes=settings.gateway_processes or 1,
    )


def _shared_redis(settings: Settings) -> SharedRedis | None:
    url, display = settings.redis_url(), settings.redis_display()
    if url is None or display is None:
        return None
    logger.info("shared state in Redis at %s", display)
    return SharedRedis.from_url(url, display=display)


def _required(sandbox: Sandbox | None) -> Sandbox:
    if sandbox is None:  # create_app makes one whenever an upstream is not configured
        raise RuntimeError("an upstream is not configured and no sandbox was given")
    return sandbox


def _timeouts(connect: float, total: float) -> httpx.Timeout:
    return httpx.Timeout(total, connect=connect, pool=total)


def _carehq_http(settings: Settings, sandbox: Sandbox | None) -> httpx.AsyncClient:
    timeouts = _timeouts(settings.carehq_connect_timeout_seconds, settings.carehq_timeout_seconds)
    if settings.carehq_base_url:
        auth = CareHQSignature(*settings.carehq_credentials())
        return carehq_http_client(settings.carehq_base_url, auth, timeouts=timeouts)
    sandbox = _required(sandbox)
    auth = CareHQSignature(
        credentials.CAREHQ_ACCOUNT_ID, credentials.CAREHQ_API_KEY, credentials.CAREHQ_API_SECRET
    )
    return carehq_http_client(
        "http://carehq.sandbox", auth, transport=sandbox.transport("carehq"), timeouts=timeouts
    )


def _bedful_http(settings: Settings, sandbox: Sandbox | None) -> httpx.AsyncClient:
    timeouts = _timeouts(settings.bedful_connect_timeout_seconds, settings.bedful_timeout_seconds)
    if settings.bedful_base_url:
        key = settings.bedful_key()
        return bedful_http_client(settings.bedful_base_url, key, timeouts=timeouts)
    sandbox = _required(sandbox)
    return bedful_http_client(
        "http://bedful.sandbox",
        credentials.BEDFUL_API_KEY,
        transport=sandbox.transport("bedful"),
        timeouts=timeouts,
    )
