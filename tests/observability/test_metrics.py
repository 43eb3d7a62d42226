"""`/metrics`: known traffic in, the exact scraped counts out; bounded labels; no personal data."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.observability.metrics import Metrics
from gateway.reads.bedful.source import BedfulSource
from gateway.reads.store import MemoryStore
from gateway.sandbox import FaultKind, Sandbox, credentials
from gateway.upstreams.bedful import BedfulClient, SlidingWindowLimiter, bedful_http_client
from tests.conftest import Gateway, make_settings, start_gateway

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

SECRET_EMAIL = "Guest.Person@example.com"


async def scrape(gateway: Gateway, **headers: str) -> Samples:
    response = await gateway.http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample with exactly these labels (0 when it does not exist yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include these."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_known_traffic_gives_exact_counts(gateway: Gateway, sandbox: Sandbox) -> None:
    bedful_id = str(min(sandbox.bedful.store.bookings))
    for _ in range(2):
        await gateway.data("query TwoRooms { rooms(perPage: 2) { itemCount } }")
    await gateway.data("query($b: ID!) { bedfulBooking(id: $b) { id } }", {"b": bedful_id})
    # An upstream fault: CareHQ answers 500 once (not retried) -> the field fails.
    sandbox.carehq.inject(FaultKind.ERROR, status=500, times=1)
    body = await gateway.execute(
        "query Mixed($b: ID!) { rooms(perPage: 1) { itemCount } bedfulBooking(id: $b) { id } }",
        {"b": bedful_id},
    )
    assert body["data"]["rooms"] is None
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    # A 503 once: retried, then answered.
    sandbox.carehq.inject(FaultKind.ERROR, status=503, times=1)
    await gateway.data("query TwoRooms { rooms(perPage: 2) { itemCount } }")
    # A document that never runs.
    assert "errors" in await gateway.execute("query Nope { noSuchField }")

    s = await scrape(gateway)
    requests = "gateway_graphql_requests_total"
    assert value(s, requests, operation="TwoRooms", type="query", outcome="ok") == 3
    assert value(s, requests, operation="anonymous", type="query", outcome="ok") == 1
    assert value(s, requests, operation="Mixed", type="query", outcome="partial") == 1
    assert value(s, requests, operation="invalid", type="query", outcome="error") == 1
    assert total(s, requests) == 6
    duration = "gateway_graphql_request_duration_seconds_count"
    assert value(s, duration, operation="TwoRooms", outcome="ok") == 3
    assert value(s, "gateway_graphql_errors_total", code="UPSTREAM_UNAVAILABLE") == 1
    assert value(s, "gateway_graphql_errors_total", code="BAD_USER_INPUT") == 1

    calls = "gateway_upstream_calls_total"
    rooms = {"upstream": "carehq", "method": "GET", "route": "/v1/rooms"}
    assert value(s, calls, **rooms, status_class="2xx", outcome="ok") == 3
    assert value(s, calls, **rooms, status_class="5xx", outcome="unavailable") == 1
    by_id = {"upstream": "bedful", "method": "GET", "route": "/bookings/{id}"}
    # The second read of the booking is the Bedful cache's answer (gateway.reads): no call.
    assert value(s, calls, **by_id, status_class="2xx", outcome="ok") == 1
    assert total(s, calls) == 5
    assert value(s, "gateway_upstream_retries_total", **rooms) == 1
    assert total(s, "gateway_upstream_call_duration_seconds_count", upstream="carehq") == 4
    # What the sandbox saw agrees: 3 + 1 failed + 1 retried rooms requests, 1 Bedful one.
    assert len(sandbox.carehq.calls("GET", "/v1/rooms")) == 5
    assert len(sandbox.bedful.calls("GET")) == 1


async def test_bedful_budget_waits_are_timed_and_counted(sandbox: Sandbox) -> None:
    settings = make_settings(bedful_requests_per_second=1, bedful_requests_per_minute=100)
    async for gateway in start_gateway(sandbox, settings):
        first, second = sorted(sandbox.bedful.store.bookings)[:2]
        data = await gateway.data(
            "query Two($a: ID!, $b: ID!) { a: bedfulBooking(id: $a) { id } b: bedfulBooking(id: $b) { id } }",
            {"a": str(first), "b": str(second)},
        )
        assert data == {"a": {"id": str(first)}, "b": {"id": str(second)}}
        s = await scrape(gateway)
        wait = "gateway_upstream_budget_wait_seconds"
        assert value(s, f"{wait}_count", upstream="bedful") == 2
        # 1 per second: one call went at once, the other waited for the next second.
        assert value(s, f"{wait}_bucket", upstream="bedful", le="0.5") == 1
        assert value(s, f"{wait}_sum", upstream="bedful") >= 0.9
        assert value(s, "gateway_upstream_budget_waiting", upstream="bedful") == 0
        in_use, limit = "gateway_upstream_budget_in_use", "gateway_upstream_budget_limit"
        assert value(s, in_use, upstream="bedful", window="60") == 2
        assert value(s, limit, upstream="bedful", window="60") == 100
        assert value(s, limit, upstream="bedful", window="1") == 1
        arrivals = [call.at for call in sandbox.bedful.calls("GET")]
        assert max(arrivals) - min(arrivals) >= 0.9


async def test_an_idempotent_replay_is_counted(gateway: Gateway) -> None:
    document = "mutation New($input: CreateBedfulBookingInput!) { createBedfulBooking(input: $input) { id } }"
    new = {
        "name": "Ada Lovelace",
        "siteId": "127",
        "startsAt": "2030-08-01",
        "endsAt": "2030-08-04",
        "units": ["13"],
        "email": SECRET_EMAIL,
        "adults": 2,
        "ages": [36, 34],
        "idempotencyKey": "0f4c1b9a-7e2d-4a36-8c51-93d2e6f0ab17",
    }
    first = await gateway.data(document, {"input": new})
    again = await gateway.data(document, {"input": new})
    assert first == again
    s = await scrape(gateway)
    assert value(s, "gateway_idempotent_replays_total") == 1
    assert (
        value(s, "gateway_graphql_requests_total", operation="New", type="mutation", outcome="ok")
        == 2
    )
    create = {"upstream": "bedful", "method": "POST", "route": "/bookings/create"}
    assert value(s, "gateway_upstream_calls_total", **create, status_class="2xx", outcome="ok") == 1


async def test_operation_names_cannot_explode_the_label_set(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings(gateway_metrics_max_operations=3)):
        for i in range(10):
            await gateway.data(f"query Op{i} {{ __typename }}")
        # A client's operationName that names no operation of the document is not a label
        # (Strawberry refuses the request before it runs: `none`).
        response = await gateway.http.post(
            "/graphql", json={"query": "query A { __typename }", "operationName": "Forged"}
        )
        assert response.status_code == 400
        await gateway.data("query " + "L" * 65 + " { __typename }")
        s = await scrape(gateway)
        names = {dict(ls)["operation"] for n, ls in s if n == "gateway_graphql_requests_total"}
        assert names == {"Op0", "Op1", "Op2", "other", "none"}
        assert (
            value(
                s, "gateway_graphql_requests_total", operation="other", type="query", outcome="ok"
            )
            == 8
        )


async def test_no_personal_data_in_metrics(gateway: Gateway, sandbox: Sandbox) -> None:
    booking = next(iter(sandbox.carehq.store.bookings))
    bedful_id = str(min(sandbox.bedful.store.bookings))
    await gateway.execute(
        "query Find($q: String, $id: ID!, $b: ID!) { bookings(filter: {q: $q}) { itemCount } booking(id: $id) { id } bedfulBooking(id: $b) { name } }",
        {"q": SECRET_EMAIL, "id": booking, "b": bedful_id},
    )
    await gateway.http.get(
        "/graphql", params={"query": '{ bookings(filter: {q: "secret-literal"}) { itemCount } }'}
    )
    guest_name = sandbox.bedful.store.bookings[int(bedful_id)]["name"]
    text = (await gateway.http.get("/metrics")).text
    for secret in (SECRET_EMAIL, "Guest.Person", "secret-literal", booking, bedful_id, guest_name):
        assert secret not in text
    assert 'route="/bookings/{id}"' in text


async def test_metrics_can_be_turned_off(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings(gateway_metrics=False)):
        await gateway.data("{ __typename }")
        assert (await gateway.http.get("/metrics")).status_code == 404


async def test_a_metrics_token_keeps_metrics_private(sandbox: Sandbox) -> None:
    settings = make_settings(gateway_metrics_token="scrape-token", gateway_api_tokens="client")
    async for gateway in start_gateway(sandbox, settings):
        assert (await gateway.http.get("/metrics")).status_code == 401
        bad = await gateway.http.get("/metrics", headers={"authorization": "Bearer client"})
        assert bad.status_code == 401
        s = await scrape(gateway, authorization="Bearer scrape-token")
        assert (
            value(
                s, "gateway_graphql_requests_total", operation="none", type="none", outcome="error"
            )
            == 0
        )
        refused = await gateway.http.post("/graphql", json={"query": "{ __typename }"})
        assert refused.status_code == 401
        s = await scrape(gateway, authorization="Bearer scrape-token")
        assert total(s, "gateway_graphql_requests_total", outcome="error") == 1


def test_serve_warns_when_metrics_stay_open_next_to_tokens() -> None:
    real = {"bedful_base_url": "https://api.bedful.com", "bedful_api_key": "k"}
    (warning,) = make_settings(**real, gateway_api_tokens="t").warnings("0.0.0.0:8000")
    assert "GATEWAY_METRICS_TOKEN" in warning
    assert (
        make_settings(**real, gateway_api_tokens="t", gateway_metrics_token="m").warnings("x") == []
    )
    assert make_settings(**real, gateway_api_tokens="t", gateway_metrics=False).warnings("x") == []


async def test_bedful_cache_hits_and_misses_are_counted(gateway: Gateway, sandbox: Sandbox) -> None:
    bedful_id = str(min(sandbox.bedful.store.bookings))
    for _ in range(3):
        await gateway.data("query($b: ID!) { bedfulBooking(id: $b) { id } }", {"b": bedful_id})
    s = await scrape(gateway)
    assert value(s, "gateway_cache_lookups_total", cache="bedful", result="miss") == 1
    assert value(s, "gateway_cache_lookups_total", cache="bedful", result="hit") == 2
    assert len(sandbox.bedful.calls("GET")) == 1


async def test_a_stale_answer_is_counted_as_stale(sandbox: Sandbox) -> None:
    now = [2_000_000_000.0]
    results: list[str] = []
    http = bedful_http_client(
        "http://bedful.sandbox",
        credentials.BEDFUL_API_KEY,
        transport=sandbox.transport("bedful"),
        timeouts=httpx.Timeout(5.0),
    )
    client = BedfulClient(http, limiter=SlidingWindowLimiter(((1000, 1.0),)), timeout=5.0)
    source = BedfulSource(
        client,
        max_staleness=10.0,
        store=MemoryStore(max_weight=100, clock=lambda: now[0]),
        clock=lambda: now[0],
        on_lookup=results.append,
    )
    booking_id = min(sandbox.bedful.store.bookings)
    try:
        await source.booking(booking_id)
        now[0] += 4.9
        await source.booking(booking_id)
        now[0] += 1.0  # past half the staleness bound: served, refreshed in the background
        await source.booking(booking_id)
        now[0] += 60.0  # far too old: asked again
        await source.booking(booking_id)
    finally:
        await source.aclose()
        await http.aclose()
    assert results == ["miss", "hit", "stale", "miss"]


def test_budget_gauges_read_the_limiter_at_each_scrape() -> None:
    @dataclass
    class Window:
        limit: int
        period: float
        used: int

    @dataclass
    class Usage:
        windows: tuple[Window, ...]

    metrics = Metrics()
    per_second = Window(5, 1.0, 3)
    metrics.budgets.watch("bedful", lambda: Usage((per_second, Window(100, 60.0, 42))))
    text = metrics.scrape()[0].decode()
    assert 'gateway_upstream_budget_in_use{upstream="bedful",window="1"} 3.0' in text
    assert 'gateway_upstream_budget_in_use{upstream="bedful",window="60"} 42.0' in text
    assert 'gateway_upstream_budget_limit{upstream="bedful",window="1"} 5.0' in text
    per_second.used = 5
    assert 'window="1"} 5.0' in metrics.scrape()[0].decode()
