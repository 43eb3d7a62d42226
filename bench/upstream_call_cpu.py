"""CPU per upstream call, layer by layer: what one CareHQ read costs the gateway's process.

    .venv/bin/python bench/upstream_call_cpu.py [--calls 1500] [--rounds 3]

One `gateway sandbox` (0 ms, no rate limits, no signature checks) on a free port, and in this
process (on uvloop, as `gateway serve` runs) the same GET of a page of bookings, one call at a
time over one keep-alive connection, through each layer in turn:

- `raw`: the request's bytes written and the answer read by its content-length on an asyncio
  stream: what the bytes on the socket cost (the floor);
- `httpcore`: httpcore's connection pool (anyio streams, h11), what httpx sends through;
- `httpx`: `httpx.AsyncClient.get` with a prepared URL;
- `httpx+signing`: the CareHQ httpx client, signing every request (`CareHQSignature`);
- `exchange+signing`: the same client and request, sent as the gateway sends each attempt
  (`gateway.upstreams.exchange`: auth flow and transport, no cookie jar) and read;
- `client`: `CareHQClient.list_bookings`, all of one upstream read (send loop, deadline,
  signing, status handling, decoding of the page).

Each round runs every layer once (rounds interleave the layers, so drift hits them alike) and
reads this process's CPU time (user + system) around `--calls` calls; the table gives medians.
At one connection every request of the bookings page makes one such call, so `client` is that
part of the gateway's CPU per request; the gap between `raw` and `httpx` is the HTTP client's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

import httpcore
import httpx
import uvloop

# bench/ is on the path when this runs as a script
from gateway_cpu import SANDBOX_FLAGS, free_port, start, wait_until_up

from gateway.sandbox import credentials
from gateway.upstreams.carehq import (
    BookingQuery,
    CareHQClient,
    CareHQSignature,
    carehq_http_client,
)
from gateway.upstreams.exchange import exchange

PATH = "/carehq/v1/bookings?attributes=start_date&page=1&per_page=10"
Call = Callable[[], Awaitable[object]]


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


async def cpu_per_call(call: Call, calls: int) -> float:
    """Milliseconds of this process's CPU per call, after a warm-up."""
    for _ in range(max(50, calls // 10)):
        await call()
    before = process_cpu()
    for _ in range(calls):
        await call()
    return (process_cpu() - before) / calls * 1000


async def raw_call(host: str, port: int) -> tuple[Call, Callable[[], None]]:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {PATH} HTTP/1.1\r\nhost: {host}:{port}\r\naccept: application/json\r\n\r\n"
    encoded = request.encode("ascii")

    async def call() -> bytes:
        writer.write(encoded)
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return await reader.readexactly(int(value))
        raise AssertionError("the sandbox answered without a content-length")

    return call, writer.close


async def exchanged(http: httpx.AsyncClient, url: httpx.URL) -> bytes:
    response = await exchange(http, http.build_request("GET", url))
    try:
        return await response.aread()
    finally:
        await response.aclose()


async def layers(base: str, host: str, port: int, calls: int) -> dict[str, float]:
    url = base + PATH
    figures: dict[str, float] = {}
    raw, close_raw = await raw_call(host, port)
    figures["raw"] = await cpu_per_call(raw, calls)
    close_raw()
    async with httpcore.AsyncConnectionPool() as pool:
        figures["httpcore"] = await cpu_per_call(lambda: pool.request("GET", url), calls)
    async with httpx.AsyncClient() as plain:
        prepared = httpx.URL(url)
        figures["httpx"] = await cpu_per_call(lambda: plain.get(prepared), calls)
    signature = CareHQSignature(
        credentials.CAREHQ_ACCOUNT_ID, credentials.CAREHQ_API_KEY, credentials.CAREHQ_API_SECRET
    )
    async with carehq_http_client(
        f"{base}/carehq", signature, timeouts=httpx.Timeout(10)
    ) as signed:
        figures["httpx+signing"] = await cpu_per_call(lambda: signed.get(prepared), calls)
        figures["exchange+signing"] = await cpu_per_call(lambda: exchanged(signed, prepared), calls)
        client = CareHQClient(signed, timeout=10)
        query = BookingQuery()
        figures["client"] = await cpu_per_call(
            lambda: client.list_bookings(query, fields=["start_date"]), calls
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gateway", default=str(Path(sys.executable).parent / "gateway"))
    args = parser.parse_args()
    host, port = "127.0.0.1", free_port()
    base = f"http://{host}:{port}"
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rounds: list[dict[str, float]] = []
    with ExitStack() as stack:
        start(stack, [args.gateway, "sandbox", "--port", str(port), *SANDBOX_FLAGS], {})
        wait_until_up(f"{base}/_sandbox/stats")
        for _ in range(args.rounds):
            rounds.append(uvloop.run(layers(base, host, port, args.calls)))
    floor = statistics.median(r["raw"] for r in rounds)
    print(f"CPU ms per call, median of {args.rounds} rounds of {args.calls} calls, 1 connection")
    for layer in rounds[0]:
        cpu = statistics.median(r[layer] for r in rounds)
        print(f"  {layer:16} {cpu:6.3f} ms  x{cpu / floor:5.1f} of raw")
    print("(raw: the bytes on one asyncio stream; each layer includes the ones above it)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
