"""CPU seconds per request of `gateway serve` processes, side by side (not part of the tests).

    .venv/bin/python bench/gateway_cpu.py --variant "off:GATEWAY_METRICS=false" --variant "on:" \
        [--query rooms-page] [--requests 400] [--rounds 8] [--connections 10] [--distinct]

One `gateway sandbox` (0 ms, no rate limits, no signature checks) and one `gateway serve` per
variant in front of it, all running at once. Each round drives every variant in turn, A B ... B A,
with the same fixed load (`--requests` requests over `--connections` keep-alive connections, after
a warm-up), and reads the serving process's own CPU time (user + system, `/proc/<pid>/stat`)
before and after each block. CPU per request of the measured process is what a busy neighbour on
a shared machine disturbs least: it slows the block down, it does not make it cost more. Wall-
clock requests per second are printed too, but on a loaded machine only the CPU figure is fair.

A variant is `NAME:VAR=VALUE,VAR=VALUE` (environment of its `gateway serve`); `NAME@PATH:...`
runs the `gateway` executable at PATH (another checkout: a before/after comparison).
Queries are `bench/peer-mesh/queries/ours/<name>.graphql`, or a path to a `.graphql` file; a
`<file>.variables.json` beside it gives its variables. `--distinct` makes every request different
(a fresh variable `distinct`, which no operation declares, so GraphQL ignores it): no request can
then reuse a result or join another's execution, and each costs what executing it costs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

QUERIES = Path(__file__).parent / "peer-mesh" / "queries" / "ours"
_TICKS = os.sysconf("SC_CLK_TCK")
SANDBOX_FLAGS = ("--no-rate-limits", "--no-signature-check")


@dataclass
class Variant:
    name: str
    executable: str
    env: dict[str, str]
    url: str = ""
    pid: int = 0
    cpu_per_request: list[float] = field(default_factory=list)  # ms, one per block
    rate: list[float] = field(default_factory=list)  # requests/s, one per block

    @classmethod
    def parse(cls, text: str, default_executable: str) -> Variant:
        head, _, assignments = text.partition(":")
        name, _, path = head.partition("@")
        env = dict(a.split("=", 1) for a in assignments.split(",") if a)
        return cls(name, path or default_executable, env)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, post: bool = False) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = (
                httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
                if post
                else httpx.get(url, timeout=2)
            )
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no answer from {url}")


def start(stack: ExitStack, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    own = ("CAREHQ_", "BEDFUL_", "GATEWAY_", "OTEL_", "PROMETHEUS_MULTIPROC_DIR")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    process = subprocess.Popen(  # noqa: S603 (our own executables, from the command line)
        command, env={**clean, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stack.callback(process.wait, 10)
    stack.callback(process.terminate)
    return process


def start_all(stack: ExitStack, variants: list[Variant], sandbox_executable: str) -> str:
    port = free_port()
    sandbox = f"http://127.0.0.1:{port}"
    start(
        stack,
        [sandbox_executable, "sandbox", "--port", str(port), *SANDBOX_FLAGS],
        {},
    )
    wait_until_up(f"{sandbox}/_sandbox/stats")
    upstreams = {
        "CAREHQ_BASE_URL": f"{sandbox}/carehq",
        "CAREHQ_ACCOUNT_ID": "sandbox-account",
        "CAREHQ_API_KEY": "sandbox-carehq-key",
        "CAREHQ_API_SECRET": "sandbox-carehq-secret",
        "BEDFUL_BASE_URL": f"{sandbox}/bedful",
        "BEDFUL_API_KEY": "sandbox-bedful-key",
        "BEDFUL_REQUESTS_PER_SECOND": "1000",
        "BEDFUL_REQUESTS_PER_MINUTE": "60000",
    }
    for variant in variants:
        port = free_port()
        command = [variant.executable, "serve", "--host", "127.0.0.1", "--port", str(port)]
        variant.pid = start(stack, command, {**upstreams, **variant.env}).pid
        variant.url = f"http://127.0.0.1:{port}/graphql"
    for variant in variants:
        wait_until_up(variant.url, post=True)
    return sandbox


async def drive(
    url: str, body: dict[str, Any], requests: int, connections: int, *, distinct: bool = False
) -> None:
    """`requests` POSTs over `connections` keep-alive connections; every answer must be data.
    `distinct`: each POST with a variable of its own (see the module's docstring)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        left = requests
        serial = itertools.count(int(time.time() * 1000))

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                sent = body
                if distinct:
                    variables = {**body.get("variables", {}), "distinct": next(serial)}
                    sent = {**body, "variables": variables}
                answer = await client.post(url, json=sent)
                if answer.status_code != 200 or "errors" in answer.json():
                    raise SystemExit(f"{url}: {answer.status_code} {answer.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(connections)))


async def block(
    variant: Variant, body: dict[str, Any], requests: int, conns: int, distinct: bool
) -> None:
    warm = max(conns * 5, requests // 10)
    await drive(variant.url, body, warm, conns, distinct=distinct)  # warm, connected
    cpu, wall = cpu_seconds(variant.pid), time.perf_counter()
    await drive(variant.url, body, requests, conns, distinct=distinct)
    cpu, wall = cpu_seconds(variant.pid) - cpu, time.perf_counter() - wall
    variant.cpu_per_request.append(cpu / requests * 1000)
    variant.rate.append(requests / wall)


def report(variants: list[Variant], query: str, rounds: int, requests: int) -> None:
    base = variants[0]
    print(f"{query}: gateway CPU ms per request, median of {2 * rounds} blocks of {requests}")
    for variant in variants:
        cpu = statistics.median(variant.cpu_per_request)
        # Paired ratio per block (the same position in the interleaving): robust to drift.
        ratios = [v / b for v, b in zip(variant.cpu_per_request, base.cpu_per_request, strict=True)]
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
        print(
            f"  {variant.name:12} {cpu:7.3f} ms  x{statistics.median(ratios):.3f} of {base.name}"
            f" (paired blocks: quartiles {quartiles[0]:.3f}-{quartiles[2]:.3f})"
            f"  {statistics.median(variant.rate):6.0f} req/s"
        )


def request_body(query: str) -> dict[str, Any]:
    """The POST body of `query`: a name in `QUERIES` or a path to a `.graphql` file."""
    path = Path(query) if query.endswith(".graphql") else QUERIES / f"{query}.graphql"
    body: dict[str, Any] = {"query": path.read_text()}
    variables = path.with_suffix(".variables.json")
    if variables.exists():
        body["variables"] = json.loads(variables.read_text())
    return body


async def measure(
    variants: list[Variant], query: str, requests: int, rounds: int, conns: int, *, distinct: bool
) -> None:
    body = request_body(query)
    for _ in range(rounds):
        for variant in [*variants, *reversed(variants)]:
            await block(variant, body, requests, conns, distinct)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", required=True)
    parser.add_argument("--query", action="append", help="default: rooms-page")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--distinct", action="store_true", help="every request different")
    parser.add_argument("--gateway", default=str(Path(sys.executable).parent / "gateway"))
    args = parser.parse_args()
    variants = [Variant.parse(v, args.gateway) for v in args.variant]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with ExitStack() as stack:
        start_all(stack, variants, args.gateway)
        for query in args.query or ["rooms-page"]:
            for variant in variants:
                variant.cpu_per_request.clear()
                variant.rate.clear()
            asyncio.run(
                measure(
                    variants,
                    query,
                    args.requests,
                    args.rounds,
                    args.connections,
                    distinct=args.distinct,
                )
            )
            report(variants, query, args.rounds, args.requests)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
