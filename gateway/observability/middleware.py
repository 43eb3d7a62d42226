"""`ObserveRequests`: the ASGI middleware around every HTTP request.

It opens the request's record (request id, trace id), answers the request id in `x-request-id`,
and when the response is done writes the one INFO request line and counts the request in the
metrics. The line holds the method, path, GraphQL operation name(s), status and duration: never
the query string, variables or bodies (they carry personal data).

A request whose client went away before any answer was started is logged with status 499
(nginx's "client closed request") and counted with outcome `cancelled`: a hang-up is the
client's doing, not a server error, and must not page anyone as a 500 would.
"""

from __future__ import annotations

import logging
import time

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.metrics import Metrics
from gateway.observability.request import (
    CLIENT_CLOSED_REQUEST,
    REQUEST_ID_HEADER,
    RequestRecord,
    close_request,
    open_request,
    request_id_from,
    trace_id_from,
)

logger = logging.getLogger("gateway.request")


class ObserveRequests:
    """`metrics`: where requests are counted (None: metrics are off). `tracer`: the app's
    tracer when tracing is on (its server span, opened outside this middleware, is current
    here, and its trace id is the request's)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics | None = None,
        tracer: trace.Tracer | None = None,
        graphql_path: str = "/graphql",
    ) -> None:
        self.app = app
        self._metrics = metrics
        self._tracer = tracer
        self._graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        record = RequestRecord(request_id_from(headers), self._trace_id(headers), self._tracer)
        request_id = record.request_id.encode("ascii")
        status: int | None = None  # until an answer starts
        gone = False  # the client went away
        token = open_request(record)
        started = time.perf_counter()

        async def receive_noting_hang_up() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
            return message

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive_noting_hang_up, send_with_request_id)
        finally:
            duration = time.perf_counter() - started
            if status is None:  # no answer: the client left first, or the app failed
                status = CLIENT_CLOSED_REQUEST if gone else 500
            self._log(scope, record, status, duration)
            close_request(token)
            if self._metrics is not None and scope["path"].rstrip("/") == self._graphql_path:
                self._metrics.observe_request(record.operations, status, duration)

    def _trace_id(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        if self._tracer is not None:
            context = trace.get_current_span().get_span_context()
            if context.is_valid:
                return format(context.trace_id, "032x")
        return trace_id_from(headers)

    @staticmethod
    def _log(scope: Scope, record: RequestRecord, status: int, duration: float) -> None:
        """Written while the record is still current, so the line carries its ids."""
        names = [op.name or op.type for op in record.operations]
        logger.info(
            "%s %s op=%s status=%d duration_ms=%.1f",
            scope["method"],
            scope["path"],
            ",".join(names) or "-",
            status,
            duration * 1000,
            extra={
                "fields": {
                    "method": scope["method"],
                    "path": scope["path"],
                    "operations": names,
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                }
            },
        )
