"""Logging: one INFO line per HTTP request, and nothing personal at INFO.

Requests carry residents' and guests' personal data (names, emails, phone numbers) in variables,
bodies and upstream payloads, so the request line holds only the method, path, GraphQL operation
name(s), status and duration. Bodies and upstream payloads are never logged at INFO; upstream
clients log at DEBUG without bodies.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

logger = logging.getLogger("gateway.request")

_operations: ContextVar[list[str] | None] = ContextVar("gateway_operations", default=None)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(EscapeControlCharacters())
    # httpx logs every request URL at INFO; CareHQ URLs carry filter values (ids, search text).
    logging.getLogger("httpx").setLevel(logging.WARNING)


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`, ...)."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class EscapeControlCharacters(logging.Filter):
    """One record is one line: a client-chosen value (a path with `%0a` in it, an operation
    name) can never start a forged line. Applied to the formatted message, so it covers every
    value of every logger; tracebacks (`exc_info`) are formatted separately and keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _CONTROL.search(message):
            record.msg, record.args = escape_controls(message), None
        return True


class RecordOperationName(SchemaExtension):
    """Tells the request log which GraphQL operation ran (the name only, never variables)."""

    def on_execute(self) -> Iterator[None]:
        names = _operations.get()
        if names is not None:
            context = self.execution_context
            names.append(context.operation_name or context.operation_type.value.lower())
        yield


class RequestLog:
    """ASGI middleware writing the one INFO line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        names: list[str] = []
        token = _operations.set(names)
        started = time.perf_counter()

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            _operations.reset(token)
            logger.info(
                "%s %s op=%s status=%d duration_ms=%.1f",
                scope["method"],
                scope["path"],
                ",".join(names) or "-",
                status,
                (time.perf_counter() - started) * 1000,
            )
