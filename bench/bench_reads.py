"""The read layer under load: answers/s and the Bedful calls `gateway sandbox` saw (not a test).

    (cd bench/peer-mesh && npm ci)     # autocannon, once
    .venv/bin/python bench/bench_reads.py [--duration 60] [--connections 10] [--only NAME]...

Each scenario gets a fresh `gateway sandbox` (its rate limits ON: 429 over 5 Bedful calls a
second or 100 a minute) and a fresh `gateway serve` pointed at it over real HTTP, on free ports,
with the default settings (Bedful cache on, 10 s staleness). `bench/reads/load.mjs` (autocannon)
then sends the scenario's documents over `--connections` keep-alive connections for `--duration`
seconds. Afterwards the sandbox's own request log gives, per upstream: calls, 429 answers, and
the most calls that arrived in any 1 s and any 60 s window. The figures also print the machine's
load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from gateway.sandbox import credentials

HERE = Path(__file__).parent
GATEWAY = Path(sys.executable).parent / "gateway"

BOOKING = "query B($id: ID!) { bedfulBooking(id: $id) { id status name startsAt endsAt asOf } }"
SITE = "query S($site: ID!) { bedfulBookings(filter: {siteId: $site}) { id status name asOf } }"
STAYS = """query W($from: Date!, $to: Date!, $systems: [BookingSystem!]) {
  stays(from: $from, to: $to, systems: $systems) { id system startDate endDate guestName } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


@contextmanager
def process(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def stack(settings: dict[str, str]) -> Iterator[tuple[str, str, int]]:
    """A fresh sandbox and gateway; yields (sandbox base URL, gateway GraphQL URL, gateway pid)."""
    sandbox_port, gateway_port = free_port(), free_port()
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    env = (
        os.environ
        | {
            "CAREHQ_BASE_URL": f"{sandbox}/carehq",
            "CAREHQ_ACCOUNT_ID": credentials.CAREHQ_ACCOUNT_ID,
            "CAREHQ_API_KEY": credentials.CAREHQ_API_KEY,
            "CAREHQ_API_SECRET": credentials.CAREHQ_API_SECRET,
            "BEDFUL_BASE_URL": f"{sandbox}/bedful",
            "BEDFUL_API_KEY": credentials.BEDFUL_API_KEY,
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_GRAPHIQL": "false",
        }
        | settings
    )
    with (
        process(str(GATEWAY), "sandbox", "--port", str(sandbox_port)),
        process(str(GATEWAY), "serve", "--port", str(gateway_port), env=env) as gateway,
    ):
        wait_until_up(f"{sandbox}/_sandbox/stats")
        wait_until_up(f"http://127.0.0.1:{gateway_port}/healthz")
        yield sandbox, f"http://127.0.0.1:{gateway_port}/graphql", gateway.pid


def graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(
        url, json={"query": query, "variables": variables}, timeout=60
    ).json()
    if answer.get("errors"):
        raise SystemExit(f"bench setup query failed: {answer['errors']}")
    data: dict[str, Any] = answer["data"]
    return data


def scenarios(url: str) -> dict[str, list[dict[str, Any]]]:
    """The documents of each scenario, from what the sandbox holds (one setup call)."""
    site = graphql(url, SITE, {"site": "127"})["bedfulBookings"]
    ids = [booking["id"] for booking in site[:5]]
    day = graphql(url, BOOKING, {"id": ids[0]})["bedfulBooking"]["startsAt"][:10]
    next_day = time.strftime(
        "%Y-%m-%d", time.gmtime(time.mktime(time.strptime(day, "%Y-%m-%d")) + 86400 + 43200)
    )
    week = time.strftime(
        "%Y-%m-%d", time.gmtime(time.mktime(time.strptime(day, "%Y-%m-%d")) + 7 * 86400 + 43200)
    )
    return {
        "bedfulBooking(id) x5 ids": [{"query": BOOKING, "variables": {"id": i}} for i in ids],
        "bedfulBookings(siteId)": [{"query": SITE, "variables": {"site": "127"}}],
        "stays 1 day BEDFUL": [
            {"query": STAYS, "variables": {"from": day, "to": next_day, "systems": ["BEDFUL"]}}
        ],
        "stays 1 week both": [{"query": STAYS, "variables": {"from": day, "to": week}}],
    }


def windows(arrivals: list[float], seconds: float) -> int:
    """The most arrivals in any window of `seconds` (sliding, starting at an arrival)."""
    arrivals = sorted(arrivals)
    most, start = 0, 0
    for end, at in enumerate(arrivals):
        while arrivals[start] <= at - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def upstream_figures(sandbox: str, since: float) -> dict[str, dict[str, int]]:
    figures = {}
    for system in ("bedful", "carehq"):
        log = httpx.get(f"{sandbox}/_sandbox/{system}/requests", timeout=30).json()
        calls = [r for r in log if r["at"] >= since]
        arrivals = [r["at"] for r in calls]
        figures[system] = {
            "calls": len(calls),
            "429s": sum(1 for r in calls if r["status"] == 429),
            "max_in_1s": windows(arrivals, 1.0),
            "max_in_60s": windows(arrivals, 60.0),
        }
    return figures


def run(name: str, duration: int, connections: int, settings: dict[str, str]) -> dict[str, Any]:
    with stack(settings) as (sandbox, url, pid):
        bodies = scenarios(url)[name]
        log = httpx.get(f"{sandbox}/_sandbox/bedful/requests", timeout=30).json()
        since = max((r["at"] for r in log), default=0.0) + 1e-9  # after the setup calls
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(bodies, file)
        load_before, cpu_before = os.getloadavg()[0], cpu_seconds(pid)
        out = subprocess.run(  # noqa: S603 - node and our own script
            [
                shutil.which("node") or "node",
                str(HERE / "reads" / "load.mjs"),
                "--url",
                url,
                "--bodies",
                file.name,
                "--connections",
                str(connections),
                "--duration",
                str(duration),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        cpu = cpu_seconds(pid) - cpu_before  # the gateway's own CPU: steadier than answers/s
        Path(file.name).unlink()
        time.sleep(2)  # let refreshes in flight land in the log
        result: dict[str, Any] = json.loads(out.stdout)
        result["gateway_cpu_ms_per_answer"] = round(1000 * cpu / max(1, result["answers"]), 3)
        result["upstreams"] = upstream_figures(sandbox, since)
        result["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--only", action="append", help="run only scenarios containing this")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the gateway, e.g. GATEWAY_RESULT_CACHE_MAX_MB=0 (reuse off)",
    )
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    names = [
        "bedfulBooking(id) x5 ids",
        "bedfulBookings(siteId)",
        "stays 1 day BEDFUL",
        "stays 1 week both",
    ]
    if args.only:
        names = [n for n in names if any(part in n for part in args.only)]
    print(
        f"{os.cpu_count()} cores; {args.connections} connections x {args.duration} s per scenario"
        + (f"; {settings}" if settings else "")
    )
    for name in names:
        result = run(name, args.duration, args.connections, settings)
        print(name, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
