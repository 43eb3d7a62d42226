"""A cap on request bodies, enforced while they arrive: `GATEWAY_MAX_BODY_BYTES`.

A body whose `Content-Length` is over the cap is refused before a byte of it is read; one sent
without a length (chunked) is counted as it streams in and refused as soon as it passes the cap,
so a 50 MB body never sits in memory. The refusal is a 413 with the gateway's JSON error shape
(`extensions.code` `BAD_REQUEST`), not a text page. (Starlette's own `max_body_size` answers
text/plain, and replaces any response to an oversized `Content-Length` with it.)
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.schema.errors import ErrorCode, error_body


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: at most `max_bytes` of request body."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def noted_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, noted_send)
        except _TooLarge:
            if started:  # cannot happen for /graphql, which reads the body before answering
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = (
            f"The request body is larger than {self.max_bytes:,} bytes (GATEWAY_MAX_BODY_BYTES)."
        )
        body = json.dumps(error_body(ErrorCode.BAD_REQUEST, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
