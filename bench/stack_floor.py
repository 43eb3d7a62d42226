"""What the required libraries alone add to one call, next to the gateway (not part of the tests).

    .venv/bin/python bench/stack_floor.py [--requests 1000] [--rounds 4] [--mesh bench/peer-mesh]

Issue #10 asks the gateway to add at most 1.5 ms (p50, 1 connection, 0 ms upstream latency) to
the bookings page's one CareHQ call. This measures how much of that the stack the gateway must be
built on takes before any gateway code runs. Over one `gateway sandbox` (0 ms, no rate limits,
no signature checks), each of these answers the bookings page (10 bookings, `id` and
`startDate`) by making the same CareHQ call the gateway makes, in a process of its own, served
by uvicorn as `gateway serve` is (uvloop, httptools, no access log):

- `direct`: no server in between; the client asks the sandbox itself (the floor);
- `asgi, no call`: a bare ASGI app answering the body of the first upstream answer again, without
  calling: what uvicorn alone adds (its "over direct" is no overhead: it skips the call);
- `asgi+asyncio`: the same app making the call over asyncio's own streams, no HTTP library;
- `asgi+httpcore`: ... through httpcore, httpx's transport layer (on AnyIO), without httpx;
- `asgi+httpx`: ... through `httpx.AsyncClient` (a GET), as the gateway is required to;
- `fastapi+httpx`: the same as a FastAPI route;
- `strawberry`: Strawberry's own ASGI app and a one-field schema whose resolver makes the call
  and maps the page, with Strawberry's parser and validation caches;
- `gateway`: `gateway serve`;
- `mesh` (with `--mesh bench/peer-mesh`, after `npm ci` there): GraphQL Mesh (Hive Gateway) on a
  supergraph composed for this sandbox, as `compare.sh` runs it.

One keep-alive connection from this process (a blocking socket, so the client costs little and
the same for all), A B ... B A rounds, each a block of `--requests` requests after a warm-up.
Printed per server: p50 and p90 latency, p50 over `direct`, and the server's own CPU per request
(user + system, `/proc/<pid>/stat`).
"""

# No `from __future__ import annotations`: Strawberry reads the floor schema's annotations.
import argparse
import asyncio
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx
import strawberry
import uvicorn
from fastapi import FastAPI, Request, Response
from gateway_cpu import SANDBOX_FLAGS, cpu_seconds, free_port, start, wait_until_up
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

BOOKINGS = "/carehq/v1/bookings?per_page=10&attributes=start_date"
QUERY = "query BookingsPage { bookings(perPage: 10) { itemCount page pageCount items { id startDate } } }"
ACCEPT = {"Accept": "application/json"}


Fetch = Callable[[], Awaitable[httpx.Response]]


def serve(kind: str, port: int, upstream: str) -> None:
    """Run one of the floor servers (in a process of its own)."""
    client = httpx.AsyncClient(base_url=upstream, headers=ACCEPT)

    async def fetch() -> httpx.Response:
        return await client.get(BOOKINGS)

    kept: list[httpx.Response] = []

    async def fetch_once() -> httpx.Response:  # the first answer, then that one again
        if not kept:
            kept.append(await fetch())
        return kept[0]

    pool = httpcore.AsyncConnectionPool()

    async def fetch_httpcore() -> httpx.Response:  # httpx's transport layer, without httpx
        answer = await pool.request("GET", upstream + BOOKINGS, headers=ACCEPT)
        return httpx.Response(answer.status, content=answer.content)

    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def fetch_raw() -> httpx.Response:  # asyncio's own streams, no HTTP library
        if not streams or streams[0][0].at_eof():  # the sandbox closes an idle connection
            streams[:] = [await asyncio.open_connection(*upstream[7:].split(":"))]
        reader, writer = streams[0]
        writer.write(
            b"GET %s HTTP/1.1\r\nhost: x\r\naccept: application/json\r\n\r\n" % BOOKINGS.encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return httpx.Response(200, content=await reader.readexactly(length))

    apps = {
        "asgi, no call": lambda _: _asgi_app(fetch_once),
        "asgi+asyncio": lambda _: _asgi_app(fetch_raw),
        "asgi+httpcore": lambda _: _asgi_app(fetch_httpcore),
        "asgi+httpx": _asgi_app,
        "fastapi+httpx": _fastapi_app,
        "strawberry": _strawberry_app,
    }
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


@dataclass
class Server:
    """A server under measurement: where it listens, its process, what it is asked, and where
    the 10 bookings are in its answer."""

    name: str
    port: int
    pid: int
    request: bytes
    items: Callable[[Any], Any]
    latencies: list[float] = field(default_factory=list)  # seconds, every timed request
    cpu: list[float] = field(default_factory=list)  # seconds per request, one per block


def post(query: str) -> bytes:
    body = json.dumps({"query": query}).encode()
    return (
        b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


class Client:
    """One keep-alive HTTP/1.1 connection, blocking: a request out, its answer in, timed."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.sock = socket.create_connection(("127.0.0.1", server.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rest = b""

    def call(self) -> float:
        start = time.perf_counter()
        self.sock.sendall(self.server.request)
        data = self.rest
        while b"\r\n\r\n" not in data:
            data += self._recv()
        head, _, data = data.partition(b"\r\n\r\n")
        lines = (line.partition(b":") for line in head.split(b"\r\n")[1:])
        length = next(int(v) for k, _, v in lines if k.strip().lower() == b"content-length")
        while len(data) < length:
            data += self._recv()
        body, self.rest = data[:length], data[length:]
        elapsed = time.perf_counter() - start
        answer = json.loads(body)
        if not head.startswith(b"HTTP/1.1 200") or "errors" in answer:
            sys.exit(f"{self.server.name}: unexpected answer: {head[:40]!r} {body[:200]!r}")
        if len(self.server.items(answer)) != 10:
            sys.exit(f"{self.server.name}: not 10 bookings: {body[:200]!r}")
        return elapsed

    def close(self) -> None:
        self.sock.close()

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            sys.exit(f"{self.server.name} closed the connection")
        return chunk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--mesh", help="bench/peer-mesh after `npm ci`: GraphQL Mesh measured too")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.upstream)
        return
    gateway = str(Path(sys.executable).parent / "gateway")
    with ExitStack() as stack:

        def serving(
            command: list[str], path: str, env: dict[str, str] | None = None
        ) -> tuple[int, int]:
            """Start a server on a free port; (port, pid) once `path` answers 200."""
            port = free_port()
            process = start(stack, [*command, "--port", str(port)], env or {})
            url = f"http://127.0.0.1:{port}{path}"
            wait_until_up(url, post=path == "/graphql")
            return port, process.pid

        sandbox = serving([gateway, "sandbox", *SANDBOX_FLAGS], "/_sandbox/stats")
        upstream = f"http://127.0.0.1:{sandbox[0]}"
        direct = f"GET {BOOKINGS} HTTP/1.1\r\nhost: x\r\naccept: application/json\r\n\r\n"
        ours = post(QUERY)
        servers = [
            Server("direct", *sandbox, direct.encode(), lambda a: a["items"]),
            *(
                Server(
                    kind,
                    *serving(
                        [sys.executable, __file__, "--serve", kind, "--upstream", upstream],
                        "/graphql",
                    ),
                    ours,
                    lambda a: a["items"] if "items" in a else a["data"]["bookings"]["items"],
                )
                for kind in (
                    "asgi, no call",
                    "asgi+asyncio",
                    "asgi+httpcore",
                    "asgi+httpx",
                    "fastapi+httpx",
                    "strawberry",
                )
            ),
        ]
        env = {
            "CAREHQ_BASE_URL": f"{upstream}/carehq",
            "CAREHQ_ACCOUNT_ID": "sandbox-account",
            "CAREHQ_API_KEY": "sandbox-carehq-key",
            "CAREHQ_API_SECRET": "sandbox-carehq-secret",
            "BEDFUL_BASE_URL": f"{upstream}/bedful",
            "BEDFUL_API_KEY": "sandbox-bedful-key",
        }
        servers.append(
            Server(
                "gateway",
                *serving([gateway, "serve", "--host", "127.0.0.1"], "/graphql", env),
                ours,
                lambda a: a["data"]["bookings"]["items"],
            )
        )
        if args.mesh:
            servers.append(start_mesh(args.mesh, upstream, stack, serving))
        run(servers, args.requests, args.rounds)


def start_mesh(
    folder: str, upstream: str, stack: ExitStack, serving: Callable[..., tuple[int, int]]
) -> Server:
    """Hive Gateway over a supergraph composed for this run's sandbox (as `compare.sh` does)."""
    supergraph = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "supergraph.graphql"
    tools = Path(folder).resolve() / "node_modules" / ".bin"
    node = shutil.which("node") or sys.exit("--mesh needs Node (node on PATH)")
    subprocess.run(  # noqa: S603 (Mesh's own composer)
        [node, str(tools / "mesh-compose"), "-o", str(supergraph)],
        cwd=folder,
        env={**os.environ, "SANDBOX_URL": upstream},
        check=True,
        capture_output=True,
    )
    command = [node, str(tools / "hive-gateway"), "supergraph", str(supergraph)]
    query = (Path(folder) / "queries" / "mesh" / "bookings-page.graphql").read_text()
    return Server(
        "mesh",
        *serving([*command, "--host", "127.0.0.1"], "/graphql"),
        post(query),
        lambda a: a["data"]["CareHQ_listBookings"]["items"],
    )


def run(servers: list[Server], requests: int, rounds: int) -> None:
    for round_ in range(rounds):
        for server in servers if round_ % 2 == 0 else servers[::-1]:
            client = Client(server)  # a connection per block: uvicorn closes one idle for 5 s
            for _ in range(min(200, requests)):
                client.call()
            before = cpu_seconds(server.pid)
            server.latencies += [client.call() for _ in range(requests)]
            server.cpu.append((cpu_seconds(server.pid) - before) / requests)
            client.close()
    floor = statistics.median(servers[0].latencies)
    print(f"bookings page, 1 connection, 0 ms; {rounds} rounds of {requests} requests each")
    print(
        f"{'server':<15} {'p50 ms':>7} {'p90 ms':>7} {'p50 over direct':>16} {'server CPU ms/req':>18}"
    )
    for server in servers:
        p50 = statistics.median(server.latencies)
        p90 = statistics.quantiles(server.latencies, n=10)[-1]
        over = f"{(p50 - floor) * 1000:+.2f}" if server is not servers[0] else ""
        if server.name == "asgi, no call":
            over = "(no call)"
        cpu = statistics.median(server.cpu) * 1000
        print(f"{server.name:<15} {p50 * 1000:>7.2f} {p90 * 1000:>7.2f} {over:>16} {cpu:>18.2f}")


if __name__ == "__main__":
    main()
