"""`create_app(settings)`: the FastAPI application of `gateway serve`.

The GraphQL route, the probes and the middleware, in the order requests meet them. The lifespan
opens the upstream side for the whole process (`gateway.wiring`: one httpx client per upstream,
the sandbox's when an upstream is not configured, and with `GATEWAY_REDIS_URL` the state every
process shares) and closes it when the process stops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from opentelemetry.sdk.trace import TracerProvider

from gateway.auth import Authenticator
from gateway.body_limit import BodyLimit
from gateway.context import GatewayContext
from gateway.cors import allow_origins
from gateway.disconnect import CancelOnDisconnect
from gateway.endpoint import GatewayRouter
from gateway.graphiql import mount_graphiql_assets
from gateway.logging import configure_logging
from gateway.observability.setup import Observability
from gateway.persisted import PersistedDocuments
from gateway.readiness import readyz
from gateway.route import GraphQLFirst, graphql_route
from gateway.sandbox import Sandbox
from gateway.schema import build_schema
from gateway.settings import Settings
from gateway.wiring import open_upstreams


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
            app.state.upstreams, app.state.idempotency = await open_upstreams(
                stack,
                settings,
                sandbox,
                observability,
                clock=clock,
                wall_clock=wall_clock,
                sleep=sleep,
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

    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)

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
