"""What both emulated upstreams share: `Emulator`, recording requests, adding latency and faults.

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

What a recorded request holds, and how it is read off the ASGI scope, is `recording.py`; the
kinds of fault and the answer each gets, `faults.py`. This module keeps the ring of recent
requests, the list of injected faults and the order of things for one request.

This package is written from the vendors' docs and never imports the gateway's upstream clients:
a bug in our clients must not be mirrored by the emulator that is supposed to catch it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.sandbox.faults import Fault, FaultKind, send_fault
from gateway.sandbox.recording import RecordedRequest, read_body, record, replay

RECENT_REQUESTS = 1000
"""How many of the latest requests an emulator keeps for inspection (older ones are dropped)."""


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
        body = await read_body(receive)
        method: str = scope["method"]
        recorded = record(scope, body, at=self.monotonic())
        self.seen += 1
        self._recent.append(recorded)

        async def send_and_note_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                recorded.status = message["status"]
                recorded.answered_at = self.monotonic()
            await send(message)

        if self.latency_ms:
            await self.sleep(self.latency_ms / 1000)
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind is FaultKind.SLOW:
                await self.sleep(fault.delay_ms / 1000)
            else:
                await send_fault(fault, send_and_note_status)
                return
        await self._app(scope, replay(body), send_and_note_status)

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
