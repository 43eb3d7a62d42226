"""`Observability`: what `create_app` switches on from the settings, in one place.

- metrics (`GATEWAY_METRICS`, on by default): `/metrics`, optionally behind
  `GATEWAY_METRICS_TOKEN`;
- tracing (the `OTEL_*` variables, off by default): server, operation, upstream call and HTTP
  attempt spans, per-field spans with `GATEWAY_TRACE_FIELDS`;
- always: request ids and the request log line (`ObserveRequests`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from fastapi import FastAPI, Request, Response
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from strawberry.extensions import SchemaExtension

from gateway.idempotency import IdempotencyStore
from gateway.observability.metrics import BudgetUsage, Metrics
from gateway.observability.middleware import ObserveRequests
from gateway.observability.operation import FieldSpans
from gateway.observability.replays import CountReplays
from gateway.observability.tracing import (
    TRACER_NAME,
    ClientUnnamed,
    request_tracing_options,
    trace_upstream,
    tracer_provider_from_environment,
)
from gateway.observability.upstream import ObserveUpstreams
from gateway.settings import Settings
from gateway.upstreams.observe import NOT_OBSERVED, CallObserver


@dataclass(eq=False)
class Observability:
    metrics: Metrics | None
    provider: TracerProvider | None
    trace_fields: bool = False
    metrics_token: str | None = None
    owns_provider: bool = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, tracer_provider: TracerProvider | None = None
    ) -> Observability:
        """`tracer_provider`: tests pass one exporting to memory; by default tracing is built
        from the `OTEL_*` environment (and shut down, flushing its spans, with the app)."""
        provider = tracer_provider or tracer_provider_from_environment()
        return cls(
            metrics=(
                Metrics(max_operations=settings.gateway_metrics_max_operations)
                if settings.gateway_metrics
                else None
            ),
            provider=provider,
            trace_fields=settings.gateway_trace_fields,
            metrics_token=settings.metrics_token(),
            owns_provider=tracer_provider is None and provider is not None,
        )

    def __post_init__(self) -> None:
        self.tracer: Tracer | None = (
            self.provider.get_tracer(TRACER_NAME) if self.provider is not None else None
        )
        self.upstreams: CallObserver = (
            ObserveUpstreams(self.metrics, self.tracer)
            if self.metrics is not None or self.tracer is not None
            else NOT_OBSERVED
        )

    def schema_extensions(self) -> list[Callable[[], SchemaExtension]]:
        provider = self.provider
        if provider is None or not self.trace_fields:
            return []
        return [lambda: FieldSpans(tracer_provider=provider)]

    def upstream_client(self, client: httpx.AsyncClient) -> httpx.AsyncClient:
        if self.provider is not None:
            trace_upstream(client, self.provider)
        return client

    def watch_budget(self, upstream: str, usage: Callable[[], BudgetUsage]) -> None:
        """Report a rate limiter's windows (`usage()`, read at each scrape) as the
        `gateway_upstream_budget_in_use` / `_limit` gauges."""
        if self.metrics is not None:
            self.metrics.budgets.watch(upstream, usage)

    def cache_lookups(self, cache: str) -> Callable[[str], None]:
        """What a read cache calls with `hit`, `miss` or `stale` for each lookup."""
        metrics = self.metrics
        if metrics is None:
            return lambda result: None
        return lambda result: metrics.cache_lookup(cache, result)

    def idempotency(self, store: IdempotencyStore) -> IdempotencyStore:
        return (
            store if self.metrics is None else CountReplays(store, self.metrics.idempotent_replays)
        )

    def install(self, app: FastAPI) -> None:
        """Adds `/metrics` and the outermost middleware: call after every other middleware."""
        if self.metrics is not None:
            app.add_api_route(
                "/metrics", self._metrics_endpoint, methods=["GET"], include_in_schema=False
            )
        app.add_middleware(ObserveRequests, metrics=self.metrics, tracer=self.tracer)
        if self.provider is not None:
            app.add_middleware(OpenTelemetryMiddleware, **request_tracing_options(self.provider))
            app.add_middleware(ClientUnnamed)  # outside it: spans never see who the client is

    def shutdown(self) -> None:
        if self.metrics is not None:
            self.metrics.process_exited()
        if self.owns_provider and self.provider is not None:
            self.provider.shutdown()

    async def _metrics_endpoint(self, request: Request) -> Response:
        if self.metrics is None:  # pragma: no cover - the route exists only with metrics on
            return Response(status_code=404)
        if self.metrics_token is not None and not _bearer_matches(
            request.headers.get("authorization", ""), self.metrics_token
        ):
            return Response(
                "This endpoint needs an `Authorization: Bearer <GATEWAY_METRICS_TOKEN>` header.\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                media_type="text/plain",
            )
        body, content_type = self.metrics.scrape(request.headers.get("accept", ""))
        return Response(body, headers={"Content-Type": content_type})


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, sent = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())
