"""`create_app(settings)`: the FastAPI application of `gateway serve`.

The lifespan owns one httpx client per upstream for the whole process (connection pooling, one
rate limiter per upstream key), and with `GATEWAY_REDIS_URL` one Redis client for the state that
every process shares (`gateway.shared`). An upstream without a configured base URL is the
built-in sandbox, reached in-process through its transport, so the gateway is usable with no
network at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import TracerProvider

from gateway.auth import Authenticator
from gateway.body_limit import BodyLimit
from gateway.context import GatewayContext, Upstreams
from gateway.cors import allow_origins
from gateway.disconnect import CancelOnDisconnect
from gateway.endpoint import GatewayRouter
from gateway.graphiql import mount_graphiql_assets
from gateway.idempotency import InMemoryIdempotencyStore
from gateway.locks import LocalKeyedLocks
from gateway.logging import configure_logging
from gateway.observability.setup import Observability
from gateway.persisted import PersistedDocuments
from gateway.reads import BedfulSource, CareHQSource
from gateway.reads.executions import Executions
from gateway.reads.results import ResultCache
from gateway.reads.store import CacheStore, MemoryStore
from gateway.route import GraphQLFirst, graphql_route
from gateway.sandbox import Sandbox, credentials
from gateway.schema import build_schema
from gateway.settings import Settings
from gateway.shared.cache import Codec, RedisCacheStore
from gateway.shared.connection import SharedRedis, SharedStateUnavailable
from gateway.shared.idempotency import RedisIdempotencyStore
from gateway.shared.locks import RedisKeyedLocks
from gateway.shared.ratelimit import RedisSlidingWindowLimiter
from gateway.upstreams.bedful import BedfulBooking as BedfulRecord
from gateway.upstreams.bedful import BedfulClient, bedful_http_client
from gateway.upstreams.carehq import CareHQClient, CareHQSignature, carehq_http_client
from gateway.upstreams.errors import UpstreamError
from gateway.upstreams.health import Health
from gateway.upstreams.ratelimit import RateLimiter, SlidingWindowLimiter

logger = logging.getLogger("gateway")

READINESS_TIMEOUT_SECONDS = 5.0
BEDFUL_WRITE_RESERVE = 1
"""Slots of each Bedful window only writes may use: a read flood never delays a cancel."""


def create_app(
    settings: Settings | None = None,
    *,
    sandbox: Sandbox | None = None,
    tracer_provider: TracerProvider | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> FastAPI:
    """The gateway. `sandbox`: the emulators to use for upstreams that are not configured
    (tests pass their own to inspect what it saw); by default a fresh seeded one.
    `tracer_provider`: where spans go (tests); by default as the `OTEL_*` variables say.
    `clock` (seconds, monotonic) and `sleep` time readiness and this process's Bedful budget,
    `wall_clock` (epoch seconds) the Bedful cache's staleness: tests pass fake ones."""
    settings = settings or Settings.load()
    observability = Observability.from_settings(settings, tracer_provider=tracer_provider)
    if sandbox is None and (settings.carehq_is_sandbox or settings.bedful_is_sandbox):
        sandbox = Sandbox(
            seed=settings.gateway_sandbox_seed,
            latency_ms=settings.gateway_sandbox_latency_ms,
            rate_limits=settings.gateway_sandbox_rate_limits,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.callback(observability.shutdown)
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
            app.state.idempotency = observability.idempotency(
                InMemoryIdempotencyStore() if shared is None else RedisIdempotencyStore(shared)
            )
            app.state.upstreams = Upstreams(
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
            yield

    app = FastAPI(
        title="Booking gateway",
        description="One GraphQL API over CareHQ and Bedful. GraphQL at /graphql.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    async def context_getter(request: Request) -> GatewayContext:
        # `caller` is set by the router once it has authenticated the request.
        return GatewayContext(
            upstreams=request.app.state.upstreams, idempotency=request.app.state.idempotency
        )

    schema = build_schema(
        max_depth=settings.gateway_max_query_depth,
        max_aliases=settings.gateway_max_aliases,
        introspection=settings.gateway_introspection,
        extensions=observability.schema_extensions(),
    )
    router = GatewayRouter(
        schema,
        authenticator=Authenticator(settings.api_tokens()),
        persisted=PersistedDocuments.from_file(
            settings.gateway_persisted_documents, only=settings.gateway_persisted_only
        ),
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.gateway_graphiql else None,
        assets_url="/graphiql-assets",
        multipart_uploads_enabled=False,
    )
    route = graphql_route("/graphql", router, context_getter)
    app.router.routes.insert(0, route)  # other methods, and /graphql under a root path
    app.state.sandbox = sandbox  # the built-in emulators, if any: for inspection
    if settings.gateway_graphiql:
        mount_graphiql_assets(app, "/graphiql-assets")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        # What recent calls taught us; a probe only when they are older than the interval, and
        # one at a time: /readyz is open, and Bedful's budget is shared by every user.
        upstreams: Upstreams = request.app.state.upstreams
        carehq, bedful = await asyncio.gather(
            upstreams.carehq.health.check(), upstreams.bedful.health.check()
        )
        body: dict[str, Any] = {"carehq": carehq.reason, "bedful": bedful.reason}
        if upstreams.shared is not None:  # our own Redis: no shared budget to spend
            (redis,) = await asyncio.gather(
                asyncio.wait_for(upstreams.shared.ping(), READINESS_TIMEOUT_SECONDS),
                return_exceptions=True,
            )
            body["redis"] = _readiness(redis)
        # Redis down degrades the gateway (no cache, keyed creates refused, a smaller Bedful
        # share) but it still serves: taking every replica out of the load balancer at once
        # over it would turn a degradation into an outage. The body says so.
        ready = carehq.ok and bedful.ok
        return JSONResponse(body, status_code=200 if ready else 503)

    app.add_middleware(GraphQLFirst, route=route)  # innermost: skips FastAPI's routing layers
    app.add_middleware(CancelOnDisconnect)  # BodyLimit bounds what it reads ahead
    # GraphiQL's bundle is 3.5 MB as vendored and GraphQL answers are repetitive JSON. Level 5,
    # not Starlette's 9: on a page of 100 bookings (15 KB) 0.9 ms instead of 2.4 ms of CPU for
    # a 10% larger answer (2.4 KB instead of 2.2 KB). Answers under 1 KB go as they are.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(BodyLimit, max_bytes=settings.gateway_max_body_bytes)
    allow_origins(app, settings.cors_origins())  # outside BodyLimit: its 413 is readable too
    observability.install(app)  # last: its middleware is the outermost
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker of `gateway serve --workers N` (uvicorn imports it by name in each
    worker process): the same settings, logging and routes as a single `gateway serve`."""
    settings = Settings.load()
    configure_logging(settings.gateway_log_level, settings.gateway_log_format)
    return create_app(settings)


def _readiness(result: object) -> str:
    """A short, secret-free reason: the exception class and our own message only."""
    match result:
        case None:
            return "ok"
        case UpstreamError():
            return f"unavailable: {type(result).__name__}: {result.message}"
        case SharedStateUnavailable():
            return "unavailable: reads go on without it; creates with an idempotencyKey are refused"
        case TimeoutError():
            return "unavailable: no answer within 5 s"
        case _:
            return f"unavailable: {type(result).__name__}"


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
