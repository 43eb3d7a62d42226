"""What the required libraries alone add to one call, next to the gateway (not part of the tests).

    .venv/bin/python bench/stack_floor.py [--requests 1000] [--rounds 4]

Issue #10 asks the gateway to add at most 1.5 ms (p50, 1 connection, 0 ms upstream latency) to
the bookings page's one CareHQ call. This measures how much of that the stack the gateway must be
built on takes before any gateway code runs. Over one `gateway sandbox` (0 ms, no rate limits,
no signature checks), each of these answers the bookings page (10 bookings, `id` and
`startDate`) by making the same CareHQ call the gateway makes, in a process of its own, served
by uvicorn as `gateway serve` is (uvloop, httptools, no access log):

- `direct`: no server in between; the client asks the sandbox itself (the floor);
- `asgi+httpx`: a bare ASGI app: read the request, one `httpx.AsyncClient` GET, answer its body;
- `fastapi+httpx`: the same as a FastAPI route;
- `strawberry`: Strawberry's own ASGI app and a one-field schema whose resolver makes the call
  and maps the page, with Strawberry's parser and validation caches;
- `gateway`: `gateway serve`.

One keep-alive connection from this process (a blocking socket, so the client costs little and
the same for all), A B ... B A rounds, each a block of `--requests` requests after a warm-up.
Printed per server: p50 and p90 latency, p50 over `direct`, and the server's own CPU per request
(user + system, `/proc/<pid>/stat`).
"""

# No `from __future__ import annotations`: Strawberry reads the floor schema's annotations.
import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import strawberry
import uvicorn
from fastapi import FastAPI, Request, Response
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

BOOKINGS = "/carehq/v1/bookings?per_page=10&attributes=start_date"
QUERY = "query BookingsPage { bookings(perPage: 10) { itemCount page pageCount items { id startDate } } }"
_TICKS = os.sysconf("SC_CLK_TCK")


Fetch = Callable[[], Awaitable[httpx.Response]]


def serve(kind: str, port: int, upstream: str) -> None:
    """Run one of the floor servers (in a process of its own)."""
    client = httpx.AsyncClient(base_url=upstream, headers={"Accept": "application/json"})

    async def fetch() -> httpx.Response:
        return await client.get(BOOKINGS)

    apps = {"asgi+httpx": _asgi_app, "fastapi+httpx": _fastapi_app, "strawberry": _strawberry_app}
    uvicorn.run(apps[kind](fetch), host="127.0.0.1", port=port, access_log=False, log_config=None)


def _asgi_app(fetch: Fetch) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        body = (await fetch()).content
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _fastapi_app(fetch: Fetch) -> Any:
    app = FastAPI()

    @app.post("/graphql")
    async def graphql(request: Request) -> Response:
        await request.body()
        return Response((await fetch()).content, media_type="application/json")

    return app


@strawberry.type
class Booking:
    id: strawberry.ID
    start_date: datetime.date


@strawberry.type
class BookingPage:
    item_count: int
    page: int
    page_count: int
    items: list[Booking]


def _strawberry_app(fetch: Fetch) -> Any:
    @strawberry.type
    class Query:
        @strawberry.field
        async def bookings(self, per_page: int = 10) -> BookingPage:
            raw = (await fetch()).json()
            items = [
                Booking(
                    id=strawberry.ID(b["_id"]),
                    start_date=datetime.date.fromisoformat(b["start_date"]),
                )
                for b in raw["items"]
            ]
            count = raw["item_count"]
            return BookingPage(
                item_count=count, page=1, page_count=-(-count // per_page), items=items
            )

    schema = strawberry.Schema(Query, extensions=[ParserCache, ValidationCache])
    return GraphQL(schema, graphql_ide=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on port {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class Client:
    """One keep-alive HTTP/1.1 connection, blocking: a request out, its answer in, timed."""

    def __init__(self, name: str, port: int, request: bytes, graphql: bool) -> None:
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request, self.graphql, self.rest = request, graphql, b""

    def call(self) -> float:
        start = time.perf_counter()
        self.sock.sendall(self.request)
        data = self.rest
        while b"\r\n\r\n" not in data:
            data += self._recv()
        head, _, data = data.partition(b"\r\n\r\n")
        length = next(
            int(v)
            for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:])
            if k.strip().lower() == b"content-length"
        )
        while len(data) < length:
            data += self._recv()
        body, self.rest = data[:length], data[length:]
        elapsed = time.perf_counter() - start
        answer = json.loads(body)
        items = answer["data"]["bookings"]["items"] if self.graphql else answer["items"]
        if not head.startswith(b"HTTP/1.1 200") or "errors" in answer or len(items) != 10:
            sys.exit(f"{self.name}: unexpected answer: {head[:40]!r} {body[:200]!r}")
        return elapsed

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            sys.exit(f"{self.name} closed the connection")
        return chunk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.upstream)
        return
    gateway = str(Path(sys.executable).parent / "gateway")
    with ExitStack() as stack:

        def start(command: list[str], env: dict[str, str] | None = None) -> tuple[int, int]:
            port = free_port()
            process = subprocess.Popen(  # noqa: S603 (our own executables)
                [*command, "--port", str(port)],
                env={**os.environ, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(process.wait)
            stack.callback(process.terminate)
            wait_for(port)
            return port, process.pid

        sandbox_port, sandbox_pid = start(
            [gateway, "sandbox", "--no-rate-limits", "--no-signature-check"]
        )
        upstream = f"http://127.0.0.1:{sandbox_port}"
        servers = {"direct": (sandbox_port, sandbox_pid)}
        for kind in ("asgi+httpx", "fastapi+httpx", "strawberry"):
            servers[kind] = start(
                [sys.executable, __file__, "--serve", kind, "--upstream", upstream]
            )
        env = {
            "CAREHQ_BASE_URL": f"{upstream}/carehq",
            "CAREHQ_ACCOUNT_ID": "sandbox-account",
            "CAREHQ_API_KEY": "sandbox-carehq-key",
            "CAREHQ_API_SECRET": "sandbox-carehq-secret",
            "BEDFUL_BASE_URL": f"{upstream}/bedful",
            "BEDFUL_API_KEY": "sandbox-bedful-key",
        }
        servers["gateway"] = start([gateway, "serve", "--host", "127.0.0.1"], env)
        body = json.dumps({"query": QUERY}).encode()
        requests = {}
        for name in servers:
            if name == "direct":
                request = f"GET {BOOKINGS} HTTP/1.1\r\nhost: x\r\naccept: application/json\r\n\r\n".encode()
            else:
                request = (
                    b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )
            requests[name] = request
        latencies: dict[str, list[float]] = {name: [] for name in servers}
        cpu: dict[str, list[float]] = {name: [] for name in servers}
        order = list(servers)
        for round_ in range(args.rounds):
            for name in order if round_ % 2 == 0 else order[::-1]:
                # A connection per block: uvicorn closes one idle for 5 s.
                port, pid = servers[name]
                client = Client(
                    name, port, requests[name], graphql=name in ("strawberry", "gateway")
                )
                for _ in range(min(200, args.requests)):
                    client.call()
                before = cpu_seconds(pid)
                latencies[name] += [client.call() for _ in range(args.requests)]
                cpu[name].append((cpu_seconds(pid) - before) / args.requests)
        floor = statistics.median(latencies["direct"])
        print(
            f"bookings page, 1 connection, 0 ms; {args.rounds} rounds of {args.requests} requests each"
        )
        print(
            f"{'server':<15} {'p50 ms':>7} {'p90 ms':>7} {'p50 over direct':>16} {'server CPU ms/req':>18}"
        )
        for name in servers:
            p50 = statistics.median(latencies[name])
            p90 = statistics.quantiles(latencies[name], n=10)[-1]
            over = "" if name == "direct" else f"+{(p50 - floor) * 1000:.2f}"
            print(
                f"{name:<15} {p50 * 1000:>7.2f} {p90 * 1000:>7.2f} {over:>16} {statistics.median(cpu[name]) * 1000:>18.2f}"
            )


if __name__ == "__main__":
    main()
