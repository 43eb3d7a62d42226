"""OpenTelemetry: the span tree of a request, `traceparent` in and out, nothing personal in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway.app import create_app
from gateway.observability.tracing import tracer_provider_from_environment
from gateway.sandbox import FaultKind, Sandbox
from gateway.settings import ConfigError, Settings
from tests.conftest import make_settings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
SECRET_EMAIL = "Guest.Person@example.com"
CLIENT_IP = "203.0.113.7"  # the frontend user's address: personal data
USER_AGENT = "Mozilla/5.0 (Linux; Android 14; Room 12 tablet)"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


async def traced(
    sandbox: Sandbox, exporter: InMemorySpanExporter, settings: Settings | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings or make_settings(), sandbox=sandbox, tracer_provider=provider)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(CLIENT_IP, 50123)),
            base_url="http://gw.test",
        ) as http,
    ):
        yield http
    provider.shutdown()


def hex_id(value: int, digits: int = 16) -> str:
    return format(value, f"0{digits}x")


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return sorted(
        (s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id),
        key=lambda s: s.name,
    )


async def test_span_tree_and_traceparent_reach_both_upstreams(
    sandbox: Sandbox, exporter: InMemorySpanExporter
) -> None:
    bedful_id = str(min(sandbox.bedful.store.bookings))
    document = "query Find($q: String, $b: ID!) { bookings(perPage: 2, filter: {q: $q}) { itemCount } bedfulBooking(id: $b) { id } }"
    async for http in traced(sandbox, exporter):
        response = await http.get(
            "/graphql",
            params={
                "query": document,
                "variables": json.dumps({"q": SECRET_EMAIL, "b": bedful_id}),
            },
            headers={
                "traceparent": TRACEPARENT,
                "x-request-id": "req-1",
                "user-agent": USER_AGENT,
            },
        )
        assert response.status_code == 200, response.text
        assert response.headers["x-request-id"] == "req-1"
    spans = exporter.get_finished_spans()
    assert {hex_id(s.context.trace_id, 32) for s in spans} == {TRACE_ID}

    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.name == "GET /graphql"
    assert server.parent is not None
    assert hex_id(server.parent.span_id) == CALLER_SPAN  # the caller's trace, continued
    (operation,) = children(spans, server)
    assert operation.name == "query Find"
    assert dict(operation.attributes or {}) == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "Find",
    }
    bedful_call, carehq_call = children(spans, operation)
    assert carehq_call.name == "CareHQ GET /v1/bookings"
    assert bedful_call.name == "Bedful GET /bookings/{id}"
    assert dict(bedful_call.attributes or {}) == {
        "gateway.upstream": "bedful",
        "http.request.method": "GET",
        "http.route": "/bookings/{id}",
        "http.response.status_code": 200,
        "gateway.upstream.retries": 0,
        "gateway.upstream.budget_wait_ms": bedful_call.attributes[
            "gateway.upstream.budget_wait_ms"
        ],  # type: ignore[index]
        "gateway.upstream.outcome": "ok",
    }
    (carehq_attempt,) = children(spans, carehq_call)
    (bedful_attempt,) = children(spans, bedful_call)
    assert carehq_attempt.kind is bedful_attempt.kind is SpanKind.CLIENT
    assert carehq_attempt.name == "GET /v1/bookings"
    assert bedful_attempt.name == "GET /bookings/{id}"
    assert len(spans) == 6

    # Each upstream received the traceparent of its attempt's span.
    (carehq_request,) = sandbox.carehq.calls("GET")
    (bedful_request,) = sandbox.bedful.calls("GET")
    assert carehq_request.header("traceparent") == (
        f"00-{TRACE_ID}-{hex_id(carehq_attempt.context.span_id)}-01"
    )
    assert bedful_request.header("traceparent") == (
        f"00-{TRACE_ID}-{hex_id(bedful_attempt.context.span_id)}-01"
    )

    # Nothing personal anywhere: no variable, query string, id or filter value, nor who the
    # client is (its address, port and user agent).
    recorded = json.dumps(
        [[s.name, dict(s.attributes or {}), [e.name for e in s.events]] for s in spans]
    )
    secrets = (SECRET_EMAIL, "Guest.Person", "example.com", bedful_id, "filters-q", "query=")
    for secret in (*secrets, CLIENT_IP, "50123", "Android", "Room 12"):
        assert secret not in recorded, secret
    assert "http://carehq.sandbox/v1/bookings" in recorded


async def test_retries_and_failures_are_on_the_call_span(
    sandbox: Sandbox, exporter: InMemorySpanExporter
) -> None:
    sandbox.carehq.inject(FaultKind.ERROR, status=503, times=1)
    async for http in traced(sandbox, exporter):
        body = (
            await http.post("/graphql", json={"query": "{ rooms(perPage: 1) { itemCount } }"})
        ).json()
        assert "errors" not in body
        sandbox.carehq.inject(FaultKind.ERROR, status=500, times=1)
        body = (
            await http.post("/graphql", json={"query": "{ rooms(perPage: 1) { itemCount } }"})
        ).json()
        assert body["data"] == {"rooms": None}
    retried, failed = [s for s in exporter.get_finished_spans() if s.name == "CareHQ GET /v1/rooms"]
    assert retried.attributes is not None
    assert failed.attributes is not None
    assert retried.attributes["gateway.upstream.retries"] == 1
    assert retried.attributes["gateway.upstream.outcome"] == "ok"
    assert len(children(exporter.get_finished_spans(), retried)) == 2  # two HTTP attempts
    assert failed.attributes["gateway.upstream.outcome"] == "unavailable"
    assert failed.attributes["http.response.status_code"] == 500
    assert not failed.status.is_ok


async def test_field_spans_only_when_asked_and_without_arguments(
    sandbox: Sandbox, exporter: InMemorySpanExporter
) -> None:
    document = '{ bookings(perPage: 1, filter: {q: "secret-literal"}) { itemCount } }'
    async for http in traced(sandbox, exporter):
        await http.post("/graphql", json={"query": document})
    assert not [s for s in exporter.get_finished_spans() if "Resolving" in s.name]
    fields = InMemorySpanExporter()  # the first app's shutdown closed `exporter`
    async for http in traced(sandbox, fields, make_settings(gateway_trace_fields=True)):
        await http.post("/graphql", json={"query": document})
    spans = fields.get_finished_spans()
    (field,) = [s for s in spans if s.name == "GraphQL Resolving: bookings"]
    (operation,) = [s for s in spans if s.name == "query"]
    assert field.parent is not None
    assert field.parent.span_id == operation.context.span_id
    recorded = json.dumps([dict(s.attributes or {}) for s in spans])
    assert "secret-literal" not in recorded
    assert "graphql.param" not in recorded


def test_tracing_is_off_unless_an_exporter_is_configured() -> None:
    assert tracer_provider_from_environment({}) is None
    assert tracer_provider_from_environment({"OTEL_SERVICE_NAME": "gw"}) is None
    assert tracer_provider_from_environment({"OTEL_TRACES_EXPORTER": "none"}) is None
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    assert tracer_provider_from_environment({**endpoint, "OTEL_SDK_DISABLED": "true"}) is None
    provider = tracer_provider_from_environment(endpoint)
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "booking-gateway"
    provider.shutdown()
    with pytest.raises(ConfigError, match="OTEL_TRACES_EXPORTER"):
        tracer_provider_from_environment({"OTEL_TRACES_EXPORTER": "zipkin"})
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        tracer_provider_from_environment({**endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})


async def test_a_query_answered_without_executing_says_so_on_its_span(
    sandbox: Sandbox, exporter: InMemorySpanExporter
) -> None:
    gate = asyncio.Event()

    async def held(_seconds: float) -> None:
        await gate.wait()

    sandbox.carehq.sleep, sandbox.carehq.latency_ms = held, 1
    query = {"query": "query Rooms { rooms(perPage: 2) { items { id } } }"}
    async for http in traced(sandbox, exporter):
        first = asyncio.ensure_future(http.post("/graphql", json=query))
        for _ in range(500):  # loop turns: the first is executing, its CareHQ call held
            await asyncio.sleep(0)
        second = asyncio.ensure_future(http.post("/graphql", json=query))
        for _ in range(500):
            await asyncio.sleep(0)
        gate.set()
        assert (await first).json() == (await second).json()
        bedful = {"query": 'query Guest { bedfulBooking(id: "3141036") { id } }'}
        for _ in range(2):  # the second is answered with the first's kept result
            assert "errors" not in (await http.post("/graphql", json=bedful)).json()
    spans = exporter.get_finished_spans()
    guests = [
        (s.attributes or {}).get("gateway.answered_by") for s in spans if s.name == "query Guest"
    ]
    assert guests == [None, "kept result"]
    operations = [s for s in spans if s.name == "query Rooms"]
    answered_by = [(s.attributes or {}).get("gateway.answered_by") for s in operations]
    assert sorted(answered_by, key=str) == [None, "identical execution"]  # one of each
    shared = operations[answered_by.index("identical execution")]
    (executed,) = (s for s in operations if s is not shared)
    assert [s.name for s in children(spans, executed)] == ["CareHQ GET /v1/rooms"]
    assert children(spans, shared) == []
