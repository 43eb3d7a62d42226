"""Benchmarks of the gateway on its in-process sandboxes (not part of the test suite).

    .venv/bin/python bench/bench_gateway.py [--latency-ms 50] [--repeat 20]

Prints, per document: upstream calls made, and wall time (median and p90 over `--repeat` runs)
with `--latency-ms` added to every sandbox answer. The figures to watch: calls do not grow with
page size, and a document touching both systems costs about one upstream latency, not the sum.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from gateway.app import create_app
from gateway.sandbox import Sandbox
from gateway.settings import Settings

DOCUMENTS = {
    "bookings(perPage:100){room}": "{ bookings(perPage: 100) { items { id room { nameNo } } } }",
    "rooms(perPage:100){bookings}": "{ rooms(perPage: 100) { items { id bookings { startDate } } } }",
    "two systems": "{ bookings(perPage: 10) { items { id } } bedfulBookings(limit: 10) { id } }",
    "stays 1 week": '{ stays(from: "2026-07-01", to: "2026-07-08") { id system totalPrice { amount } } }',
    "availableRooms 1 week": '{ availableRooms(from: "2026-07-01", to: "2026-07-08") { id nameNo } }',
}


async def main(latency_ms: int, repeat: int) -> None:
    sandbox = Sandbox(seed=1, latency_ms=latency_ms, bedful_rate_limits=False)
    settings = Settings(bedful_requests_per_second=1000, bedful_requests_per_minute=60000)
    app = create_app(settings, sandbox=sandbox)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        print(f"sandbox latency {latency_ms} ms, {repeat} runs each")
        print(f"{'document':32} {'carehq':>6} {'bedful':>6} {'median ms':>10} {'p90 ms':>8}")
        for name, document in DOCUMENTS.items():
            times = []
            for _ in range(repeat):
                sandbox.carehq.reset_calls()
                sandbox.bedful.reset_calls()
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": document})
                times.append((time.perf_counter() - started) * 1000)
                assert "errors" not in response.json(), response.text
            p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
            print(
                f"{name:32} {len(sandbox.carehq.requests):>6} {len(sandbox.bedful.requests):>6} "
                f"{statistics.median(times):>10.1f} {p90:>8.1f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.repeat))
