"""What both emulated upstreams share: request recording, latency and fault injection.

Each emulator (`CareHQSandbox`, `BedfulSandbox`) is an ASGI app wrapped by `Emulator`, which

* counts every request that reaches it (`Emulator.seen`, for `GET /_sandbox/stats`) and keeps the
  most recent ones (`Emulator.requests`, the last `RECENT_REQUESTS`), so tests can assert which
  upstream calls the gateway made, with which parameters, when, and how they were answered. Only a
  short ring is kept: a long-running sandbox (`gateway serve` without upstreams, a benchmark) must
  not grow with every request, nor hold every header and body it was ever sent;
* adds `latency_ms` to every answer (the `--latency-ms` of `gateway sandbox`);
* applies injected faults (`Emulator.inject`): the upstream is down, answers 5xx, is slow, answers
  malformed JSON, or answers 429.

"Down" cannot be emulated by an ASGI app (a refused connection never reaches one), so it is applied
by `Emulator.transport()`, the in-process httpx transport the embedded gateway and the tests use:
it raises `httpx.ConnectError` exactly as a network client sees a refused connection. Served over
real HTTP (`gateway sandbox`), "down" answers 503 with an empty body instead.

This package is written from the vendors' docs and never imports the gateway's upstream clients:
a bug in our clients must not be mirrored by the emulator that is supposed to catch it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RECENT_REQUESTS = 1000
"""How many of the latest requests an emulator keeps for inspection (older ones are dropped)."""


class FaultKind(StrEnum):
    """The failures a test or a frontend developer can make an emulated upstream show."""

    DOWN = "down"  # connection refused (in-process transport) / 503 without body (over HTTP)
    ERROR = "error"  # answers `status` (default 503) with a small non-JSON body
    SLOW = "slow"  # waits `delay_ms` before handling the request normally
    MALFORMED = "malformed"  # answers 200 with a body that is not valid JSON
    RATE_LIMITED = "rate_limited"  # answers 429 with `Retry-After: retry_after`


@dataclass
class Fault:
    """One injected fault; it applies to matching requests, `times` times (None: until cleared)."""

    kind: FaultKind
    status: int = 503
    delay_ms: int = 0
    retry_after: float = 1.0
    methods: frozenset[str] | None = None  # e.g. {"PUT"}: only creates; None: every method
    times: int | None = None

    def matches(self, method: str) -> bool:
        return self.methods is None or method in self.methods


@dataclass
class RecordedRequest:
    """A request as the emulated upstream received it (path relative to the upstream's root),
    when it arrived and when its answer started (seconds on the emulator's `monotonic` clock), and
    the status it was answered with."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    json: Any
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    at: float = field(default_factory=time.monotonic)  # when it arrived
    status: int | None = None  # None until the answer starts (or if none ever came)
    answered_at: float | None = None  # when the answer started (None: not yet, or never)

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name` (None when absent)."""
        return next((value for key, value in self.params if key == name), None)

    def params_of(self, name: str) -> list[str]:
        """Every value of a repeated query parameter, in order."""
        return [value for key, value in self.params if key == name]

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key == lowered), None)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class Emulator:
    """Wraps an emulated upstream's ASGI app with recording, latency and faults."""

    name: str

    def __init__(self, app: ASGIApp, *, name: str, latency_ms: int = 0) -> None:
        self.name = name
        self.latency_ms = latency_ms
        self.seen = 0  # every request that reached the emulator since it started (never reset)
        self.refused = 0  # connections refused by a DOWN fault (they never became requests)
        self._recent: deque[RecordedRequest] = deque(maxlen=RECENT_REQUESTS)
        self._app = app
        self._faults: list[Fault] = []
        # The emulator's time: when requests arrive and are answered, and how latency and slow
        # faults wait. Tests swap in a fake clock's to count what happened instead of timing it.
        self.monotonic: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # --- faults ------------------------------------------------------------------------------
    def inject(
        self,
        kind: FaultKind | str,
        *,
        status: int = 503,
        delay_ms: int = 0,
        retry_after: float = 1.0,
        methods: Iterable[str] | None = None,
        times: int | None = None,
    ) -> Fault:
        """Make matching requests fail as `kind` (see `FaultKind`); returns the fault."""
        fault = Fault(
            FaultKind(kind),
            status=status,
            delay_ms=delay_ms,
            retry_after=retry_after,
            methods=frozenset(m.upper() for m in methods) if methods is not None else None,
            times=times,
        )
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def is_down(self, method: str) -> bool:
        """Consumes and reports a DOWN fault for this request, if one applies."""
        for fault in self._faults:
            if fault.kind is FaultKind.DOWN and fault.matches(method):
                self._take_fault(method)
                return True
        return False

    # --- what was seen -----------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """The most recent requests (at most `RECENT_REQUESTS`), oldest first."""
        return list(self._recent)

    def calls(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests, optionally only those with this method and/or exact path."""
        return [
            r
            for r in self._recent
            if (method is None or r.method == method.upper()) and (path is None or r.path == path)
        ]

    def reset_calls(self) -> None:
        """Forget the recent requests and refused connections (`seen` keeps counting)."""
        self._recent.clear()
        self.refused = 0

    # --- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        body = await _read_body(receive)
        method: str = scope["method"]
        record = _record(scope, body, at=self.monotonic())
        self.seen += 1
        self._recent.append(record)

        async def send_and_note_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                record.answered_at = self.monotonic()
            await send(message)

        if self.latency_ms:
            await self.sleep(self.latency_ms / 1000)
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind is FaultKind.SLOW:
                await self.sleep(fault.delay_ms / 1000)
            else:
                await _send_fault(fault, send_and_note_status)
                return
        await self._app(scope, _replay(body), send_and_note_status)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process httpx transport to this emulator that also emulates refused connections."""
        return _EmulatorTransport(self)


class _EmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._asgi = httpx.ASGITransport(app=emulator)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._emulator.is_down(request.method):
            self._emulator.refused += 1
            raise httpx.ConnectError(
                "[Errno 111] Connection refused (sandbox fault)", request=request
            )
        return await self._asgi.handle_async_request(request)

    async def aclose(self) -> None:
        await self._asgi.aclose()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a real server: nothing more until disconnect
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


def _record(scope: Scope, body: bytes, *, at: float) -> RecordedRequest:
    headers = tuple(
        (key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in scope["headers"]
    )
    content_type = next((v for k, v in headers if k == "content-type"), "")
    query = scope.get("query_string", b"").decode("latin-1")
    form: tuple[tuple[str, str], ...] = ()
    payload: Any = None
    if body and "application/x-www-form-urlencoded" in content_type:
        form = tuple(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif body:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
    return RecordedRequest(
        method=scope["method"],
        path=_route_path(scope),
        params=tuple(parse_qsl(query, keep_blank_values=True)),
        form=form,
        json=payload,
        headers=headers,
        at=at,
    )


async def _send_fault(fault: Fault, send: Send) -> None:
    headers: list[tuple[bytes, bytes]] = []
    if fault.kind is FaultKind.MALFORMED:
        status, body = 200, b'{"items": [{"_id": '
        headers.append((b"content-type", b"application/json"))
    elif fault.kind is FaultKind.RATE_LIMITED:
        status, body = 429, b'{"hint": "Rate limit exceeded."}'
        headers += [
            (b"content-type", b"application/json"),
            (b"retry-after", b"%g" % fault.retry_after),
        ]
    elif fault.kind is FaultKind.DOWN:
        status, body = 503, b""
    else:
        status, body = fault.status, b"<html><body>Internal Server Error</body></html>"
        headers.append((b"content-type", b"text/html"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
