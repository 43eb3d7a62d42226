"""OpenTelemetry tracing: off unless the standard `OTEL_*` variables configure an exporter.

On when `OTEL_TRACES_EXPORTER` names one (`otlp`, `console`) or, with it unset, when
`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; `OTEL_SDK_DISABLED=
true` or `OTEL_TRACES_EXPORTER=none` keep it off. The SDK reads the rest itself: the endpoint,
headers and timeout of the OTLP exporter, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the
sampler (`OTEL_TRACES_SAMPLER`, parent-based by default, so a caller's sampling decision holds)
and the batch processor's limits. `OTEL_PROPAGATORS` picks the propagation format (W3C
`traceparent` by default), in and out.

Spans: the HTTP request (ASGI instrumentation), the GraphQL operation (name and type), each
upstream call (`gateway.observability.upstream`) and its HTTP attempts (httpx instrumentation,
which also sends `traceparent` to the upstream). Span attributes never hold a query string, a
variable, the document's text or an upstream URL's path and query: the hooks below overwrite
what the instrumentations record with the path alone (server) or the route template (client).
Nor do they say who the client is: `ClientUnnamed` hands the ASGI instrumentation a request
without the client's address and port or its `user-agent` (an address identifies a person's
device, a user agent helps fingerprint it; nothing in the gateway reads either).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor, RequestInfo
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import INVALID_SPAN, SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.observability.request import RequestRecord
from gateway.observability.upstream import current_call
from gateway.settings import ConfigError
from gateway.upstreams.observe import OTHER_ROUTE

SERVICE_NAME = "booking-gateway"
TRACER_NAME = "gateway"
UNTRACED_PATHS = ("/healthz", "/readyz", "/metrics", "/graphiql-assets")
_SERVER_URL_KEYS = ("http.url", "url.full")
_CLIENT_URL_KEYS = ("http.url", "url.full")


def tracer_provider_from_environment(
    environ: Mapping[str, str] = os.environ,
) -> TracerProvider | None:
    """A provider exporting as the `OTEL_*` variables say, or None when they configure no
    exporter. Raises `ConfigError` naming the variable for an exporter we cannot build."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names:
        endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        names = ["otlp"] if any(environ.get(e, "").strip() for e in endpoints) else []
    names = [n for n in names if n != "none"]
    if not names:
        return None
    exporters = [_exporter(name, environ) for name in names]
    resource = Resource.create(
        {}
        if environ.get("OTEL_SERVICE_NAME")
        or "service.name=" in environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
        else {"service.name": SERVICE_NAME}
    )
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name != "otlp":
        raise ConfigError(f"OTEL_TRACES_EXPORTER: {name!r} is not supported (otlp, console, none)")
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol != "http/protobuf":
        raise ConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported; the gateway exports "
            "OTLP over http/protobuf (port 4318 of a collector)"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415 - only when tracing is on
        OTLPSpanExporter,
    )

    return OTLPSpanExporter()


def operation_span(record: RequestRecord | None) -> AbstractContextManager[trace.Span]:
    """The GraphQL operation's span (current while it runs), or a non-recording one."""
    if record is None or record.tracer is None:
        return nullcontext(INVALID_SPAN)
    return record.tracer.start_as_current_span("graphql", kind=SpanKind.INTERNAL)


def request_tracing_options(provider: TracerProvider) -> dict[str, Any]:
    """Options of the ASGI instrumentation's `OpenTelemetryMiddleware`: a server span per HTTP
    request, continuing an incoming `traceparent`; probes, `/metrics` and GraphiQL's assets
    are not traced."""
    return {
        "excluded_urls": ",".join(UNTRACED_PATHS),
        "default_span_details": _server_span_details,
        "server_request_hook": _redact_server_span,
        "tracer_provider": provider,
        "exclude_spans": ["receive", "send"],
    }


class ClientUnnamed:
    """ASGI middleware, installed just outside the ASGI instrumentation: what it passes on has
    no `client` (address, port) and no `user-agent` header, so server spans cannot record them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"user-agent"]
            scope = {**scope, "client": None, "headers": headers}
        await self.app(scope, receive, send)


def trace_upstream(client: httpx.AsyncClient, provider: TracerProvider) -> None:
    """A span per HTTP attempt to an upstream, `traceparent` sent with it, its URL recorded
    as the client's base URL plus the route template of the call in progress."""
    base = str(client.base_url).rstrip("/")

    async def redact(span: trace.Span, request: RequestInfo) -> None:
        if not span.is_recording():
            return
        call = current_call.get()
        route = call.route if call is not None else OTHER_ROUTE
        attributes = getattr(span, "attributes", None) or {}
        for key in _CLIENT_URL_KEYS:
            if key in attributes:
                span.set_attribute(key, f"{base}{route}")
        span.update_name(f"{request.method.decode('ascii', 'replace')} {route}")
        span.set_attribute("http.route", route)
        if call is not None:
            span.set_attribute("http.request.resend_count", call.retries)

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider, request_hook=redact)


def _server_span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    method, path = scope.get("method", "HTTP"), scope.get("path", "")
    # Only our own paths name a span: a scanner's random paths must not become span names.
    known = path.rstrip("/") == "/graphql"
    return (f"{method} /graphql" if known else method), {}


def _redact_server_span(span: trace.Span, scope: Scope) -> None:
    """The query string of `GET /graphql` carries the document and its variables."""
    if not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    path = scope.get("path", "")
    for key in _SERVER_URL_KEYS:
        if key in attributes:
            scheme = scope.get("scheme", "http")
            host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
            span.set_attribute(key, f"{scheme}://{host}{path}")
    if "http.target" in attributes:
        span.set_attribute("http.target", path)
    if "url.query" in attributes:
        span.set_attribute("url.query", "")
