"""Calibrates the cost limit (`gateway/schema/cost.py`): CPU time of documents vs their estimate.

    .venv/bin/python bench/cost_calibration.py [--port 8100]

Starts `gateway sandbox --no-rate-limits` in another process (so the emulators' own work is not
counted), runs each document through the gateway in this process, and prints the CPU time this
process spent on it (`time.process_time`: other engineers' load on a shared machine does not
count), the cost estimate, and microseconds of CPU per unit. A document over the limit is
refused before any work: its line says so.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import time

import httpx
from graphql import parse, validate

from gateway.app import create_app
from gateway.sandbox import credentials
from gateway.schema import build_schema
from gateway.schema.cost import MAX_COST, cost_limit_rule
from gateway.settings import Settings

DOCUMENTS = [
    "{ rooms(perPage: 100) { items { id nameNo floor location } } }",
    "{ bookings(perPage: 100) { items { id startDate endDate rate room { id nameNo } } } }",
    "{ rooms(perPage: 100) { items { bookings { id startDate endDate } } } }",
    "{ rooms(perPage: 100) { items { bookings { room { id } } } } }",
    "{ bookings(perPage: 100) { items { room { bookings { id } } } } }",
    '{ stays(from: "2025-01-01", to: "2026-01-01") { id startDate endDate guestName } }',
    "{ bedfulBookings(limit: 500) { id name email } }",
    "{ rooms(perPage: 100) { items { bookings { room { id nameNo bookings { id } } } } } }",
    "{ rooms(perPage: 100) { items { bookings { room { bookings { room { id } } } } } } }",
]


SCHEMA = build_schema()._schema  # the graphql-core schema the validation rules see


def estimate(document: str) -> int:
    errors = validate(SCHEMA, parse(document), [cost_limit_rule(0)])
    found = re.search(r"about ([\d,]+)", errors[0].message) if errors else None
    return int(found.group(1).replace(",", "")) if found else 0


async def run(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        carehq_base_url=f"{base}/carehq",
        carehq_account_id=credentials.CAREHQ_ACCOUNT_ID,
        carehq_api_key=credentials.CAREHQ_API_KEY,
        carehq_api_secret=credentials.CAREHQ_API_SECRET,
        bedful_base_url=f"{base}/bedful",
        bedful_api_key=credentials.BEDFUL_API_KEY,
        bedful_requests_per_second=1000,
        bedful_requests_per_minute=60000,
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
    ):
        print(f"limit {MAX_COST:,} units")
        for document in DOCUMENTS:
            units = estimate(document)
            await http.post("/graphql", json={"query": document})  # warm caches
            started = time.process_time()
            answer = (await http.post("/graphql", json={"query": document})).json()
            cpu = time.process_time() - started
            if units > MAX_COST:
                print(f"{'refused':>9}  {units:>11,} units  {document}")
                continue
            per_unit = 1e6 * cpu / units if units else 0.0
            status = "errors" if "errors" in answer else "ok"
            print(
                f"{cpu:7.3f} s  {units:>11,} units  {per_unit:5.2f} us/unit  {status}  {document}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    port = parser.parse_args().port or _free_port()
    sandbox = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "gateway", "sandbox", "--port", str(port), "--no-rate-limits"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/_sandbox/stats")
        asyncio.run(run(port))
    finally:
        sandbox.terminate()
        sandbox.wait()


def _wait_for(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url, timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"gateway sandbox did not start: {url}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
