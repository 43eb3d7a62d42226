"""What metrics cost per request (not part of the test suite). Issue #15's target: with metrics
on and tracing off, throughput within 5% of metrics off.

    .venv/bin/python bench/bench_observability.py [--rounds 10] [--requests 300]
        [--query rooms-page --query mixed]

Two measurements, because on a shared, loaded machine neither alone is conclusive:

1. End to end: two `gateway serve` processes over one `gateway sandbox` (`bench/gateway_cpu.py`),
   `GATEWAY_METRICS=false` and the default (on), run at once and driven in turn, A B B A per
   round, with the same fixed load. Each block is timed in the serving process's own CPU seconds,
   so a busy neighbour slows a block down without making it cost more. The ratio is the median
   of the per-round paired ratios; its quartiles show the noise left (a block of 300 requests at
   ~3 ms is ~90 clock ticks of 10 ms). `--control` adds a second metrics-off process: its ratio
   to the first is the noise floor of the run.
2. The metrics work itself, timed in this process (best of several repeats): what one request
   adds with metrics on (its request counter and histogram, and per upstream call the call
   counter and two histograms), as a share of the CPU per request measured in 1. This is the
   figure that does not depend on the neighbours.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import timeit
from contextlib import ExitStack
from pathlib import Path

# bench/ is on the path when this runs as a script
from gateway_cpu import Variant, measure, report, start_all

from gateway.observability.metrics import Metrics
from gateway.observability.request import Operation
from gateway.observability.upstream import ObserveUpstreams
from gateway.upstreams.errors import Upstream
from gateway.upstreams.observe import NOT_OBSERVED, CallStats

UPSTREAM_CALLS = {"rooms-page": 1, "mixed": 2, "bookings-page": 1, "bookings-with-room-100": 2}
"""Upstream calls a request of each query makes when nothing is shared (the most metrics work:
under load the read layer shares identical calls, so there are fewer)."""


def metrics_work_us(calls: int, number: int = 20000) -> float:
    """CPU microseconds the metrics add to one request making `calls` upstream calls."""
    metrics = Metrics()
    observed = ObserveUpstreams(metrics, None)
    operations = [Operation("RoomsPage", "query", executed=True, outcome="ok")]
    stats = CallStats(Upstream.CAREHQ, "GET", "/v1/rooms", status=200)

    def with_metrics() -> None:
        for _ in range(calls):
            with observed.call(stats):
                pass
        metrics.observe_request(operations, 200, 0.012)

    def without() -> None:
        for _ in range(calls):
            with NOT_OBSERVED.call(stats):
                pass

    on = min(timeit.repeat(with_metrics, number=number, repeat=7)) / number
    off = min(timeit.repeat(without, number=number, repeat=7)) / number
    return (on - off) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--query", action="append")
    parser.add_argument(
        "--control", action="store_true", help="a second metrics-off process: the noise floor"
    )
    parser.add_argument("--gateway", default=str(Path(sys.executable).parent / "gateway"))
    args = parser.parse_args()
    queries = args.query or ["rooms-page", "mixed"]
    variants = [
        Variant("metrics off", args.gateway, {"GATEWAY_METRICS": "false"}),
        Variant("metrics on", args.gateway, {}),
    ]
    if args.control:  # the same as the first: any ratio away from 1 is noise or position
        variants.append(Variant("off, again", args.gateway, {"GATEWAY_METRICS": "false"}))
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared)")
    off_cpu: dict[str, float] = {}
    with ExitStack() as stack:
        start_all(stack, variants, args.gateway)
        for query in queries:
            for variant in variants:
                variant.cpu_per_request.clear()
                variant.rate.clear()
            asyncio.run(measure(variants, query, args.requests, args.rounds, args.connections))
            report(variants, query, args.rounds, args.requests)
            off_cpu[query] = statistics.median(variants[0].cpu_per_request)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print("metrics work per request, timed alone (best of 7 x 20,000):")
    for query in queries:
        calls = UPSTREAM_CALLS.get(query, 1)
        work = metrics_work_us(calls)
        share = work / (off_cpu[query] * 1000)
        print(
            f"  {query}: {work:.1f} µs with {calls} upstream call(s) = {share:.1%} of "
            f"{off_cpu[query]:.2f} ms CPU per request (metrics off)"
        )


if __name__ == "__main__":
    main()
