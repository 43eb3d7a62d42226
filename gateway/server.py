"""uvicorn's HTTP/1.1 protocol (httptools), answering each response in one socket write.

uvicorn writes a response's status line and headers the moment the app sends
`http.response.start`, and the body when `http.response.body` follows: two writes, two TCP
segments for every answer, so the client is woken twice and reads twice (with TCP_NODELAY, as
uvloop sets it, nothing joins them). At one connection that is a wake-up on the critical path of
every request, and the gateway pays it twice over: once for its own answer and once reading the
sandbox's (also served by uvicorn).

`OneWriteProtocol` holds the start message back until the first body message, then hands both
to uvicorn's own `send`, one after the other, with a stand-in transport that collects what they
write; the collected bytes go out in one write. Everything uvicorn decides is its own code, run
on the same messages in the same order: header checks, content-length accounting, keep-alive,
flow control, pipelining, what happens when the app fails. Only the number of writes changes
(and, for an app that fails between start and body, the client sees the connection close
without the head it would never have had a body for).

Pass it as `uvicorn.run(..., http=OneWriteProtocol)`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

__all__ = ["OneWriteProtocol"]


class OneWriteProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; each request's cycle sends head and body in one write."""

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        # uvicorn made this request's cycle (unless the request is an upgrade); its ASGI task
        # has not run yet, so the app will be handed the joined `send`.
        if self.cycle is not before and self.cycle is not None:
            self.cycle.send = _JoinedSend(self.cycle)  # type: ignore[method-assign]  # per cycle


class _JoinedSend:
    """A cycle's `send`: the start message waits for the first body message."""

    __slots__ = ("cycle", "send", "start")

    def __init__(self, cycle: RequestResponseCycle) -> None:
        self.cycle = cycle
        self.send = cycle.send  # uvicorn's own
        self.start: ASGISendEvent | None = None

    async def __call__(self, message: ASGISendEvent) -> None:
        cycle = self.cycle
        if message["type"] == "http.response.start" and not cycle.response_started:
            self.start = message
            # As uvicorn's send would: the response has begun (an app failing now gets the
            # connection closed, not a 500 after its own head), and no "100 Continue" any more.
            cycle.response_started = True
            cycle.waiting_for_100_continue = False
            return
        start, self.start = self.start, None
        if start is None:
            await self.send(message)
            return
        transport = cycle.transport
        collected = _Collected(transport)
        cycle.transport = collected
        cycle.response_started = False
        try:
            await self.send(start)
            await self.send(message)
        finally:
            cycle.transport = transport
            collected.flush()


class _Collected(asyncio.Transport):
    """Stands in for the connection's transport while uvicorn writes one response's head and
    first body; anything else it is asked goes to the real one, after what it holds."""

    def __init__(self, transport: asyncio.Transport) -> None:
        super().__init__()
        self.transport = transport
        self.parts: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.parts.append(bytes(data))

    def flush(self) -> None:
        if self.parts:
            data = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
            self.parts.clear()
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)
