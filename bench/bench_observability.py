"""What metrics and tracing cost per request (not part of the test suite).

    .venv/bin/python bench/bench_observability.py [--requests 300] [--rounds 4]

One process, in-process sandboxes at 0 ms, three gateways built alike: metrics off, metrics on
(the default), and metrics on with tracing into a provider that exports nothing (the cost of
making the spans). Blocks of `--requests` requests are interleaved A B C C B A per round, and
each block is timed in CPU seconds of this process (`time.process_time`), so other processes on
a shared machine count for little. Prints CPU microseconds per request and the ratio to
metrics-off: the issue's target is metrics on within 5% of metrics off.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from opentelemetry.sdk.trace import TracerProvider

from gateway.app import create_app
from gateway.sandbox import Sandbox
from gateway.settings import Settings

DOCUMENTS = {
    "bookings page": "query BookingsPage { bookings(perPage: 10) { itemCount items { id startDate } } }",
    "two systems": "query Mixed { bookings(perPage: 10) { items { id } } bedfulBookings(limit: 10) { id } }",
}
VARIANTS = ("metrics off", "metrics on", "metrics+tracing")


@asynccontextmanager
async def gateway(variant: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        bedful_requests_per_second=1000,
        bedful_requests_per_minute=60000,
        gateway_metrics=variant != "metrics off",
    )
    provider = TracerProvider() if variant == "metrics+tracing" else None
    app = create_app(
        settings,
        sandbox=Sandbox(seed=1, rate_limits=False, bedful_rate_limits=False),
        tracer_provider=provider,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        yield http


async def block(http: httpx.AsyncClient, document: str, requests: int) -> float:
    """CPU microseconds per request over `requests` requests, 10 at a time."""
    started = time.process_time()
    for _ in range(requests // 10):
        answers = await asyncio.gather(
            *(http.post("/graphql", json={"query": document}) for _ in range(10))
        )
        assert all(a.status_code == 200 and "errors" not in a.json() for a in answers)
    return (time.process_time() - started) / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    order = [*VARIANTS, *reversed(VARIANTS)]
    for name, document in DOCUMENTS.items():
        samples: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        for _ in range(rounds):
            for variant in order:
                async with gateway(variant) as http:
                    await block(http, document, 50)  # warm up
                    samples[variant].append(await block(http, document, requests))
        base = statistics.median(samples["metrics off"])
        print(f"{name}: CPU µs per request (median of {rounds * 2} blocks of {requests})")
        for variant, values in samples.items():
            median = statistics.median(values)
            print(
                f"  {variant:16} {median:8.0f}  x{median / base:.3f}  "
                f"(blocks {min(values):.0f}-{max(values):.0f})"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
