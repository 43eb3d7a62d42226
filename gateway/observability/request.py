"""The record of one HTTP request, shared by its log lines, metrics and spans.

The middleware opens it (`open_request`) in a context variable, so everything that runs for the
request, including dataloader batches in their own tasks, can find it (`current_request`).

Request ids: a caller's `x-request-id` is kept when it is sane (1-128 characters of
`A-Z a-z 0-9 . _ : -`, sent once); anything else is replaced by a fresh random id, so a log line
can never carry a caller's spaces, quotes, control characters or kilobytes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from opentelemetry.trace import Tracer

REQUEST_ID_HEADER = b"x-request-id"
CLIENT_CLOSED_REQUEST = 499
"""The status noted for a request whose client went away before its answer started (nginx's)."""
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_TRACEPARENT = re.compile(rb"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_NO_TRACE = "0" * 32


@dataclass(slots=True)
class Operation:
    """One GraphQL operation as the metrics see it: `name` is the raw name (None: anonymous or
    the document never got as far as naming one), `executed` is whether it passed validation."""

    name: str | None
    type: str
    executed: bool
    outcome: str
    error_codes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RequestRecord:
    """`tracer`: the app's tracer when tracing is on, for the spans opened inside the request."""

    request_id: str
    trace_id: str | None = None
    tracer: Tracer | None = None
    operations: list[Operation] = field(default_factory=list)


_current: ContextVar[RequestRecord | None] = ContextVar("gateway_request", default=None)


def current_request() -> RequestRecord | None:
    """The record of the request being served (None outside one: start-up, tests of units)."""
    return _current.get()


def open_request(record: RequestRecord) -> Token[RequestRecord | None]:
    """Makes `record` the current one; pass the returned token to `close_request`."""
    return _current.set(record)


def close_request(token: Token[RequestRecord | None]) -> None:
    _current.reset(token)


def request_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's sane `x-request-id`, or a new random one (32 hex digits: 128 random bits,
    `secrets.token_hex`; `uuid.uuid4().hex` looked the same and cost five times the CPU)."""
    sent = [value for name, value in headers if name == REQUEST_ID_HEADER]
    if len(sent) == 1 and _SANE_REQUEST_ID.fullmatch(sent[0]):
        return sent[0].decode("ascii")
    return secrets.token_hex(16)


def trace_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The trace id of a well-formed W3C `traceparent` (used when tracing is off, so log lines
    still name the caller's trace)."""
    sent = [value for name, value in headers if name == b"traceparent"]
    if len(sent) != 1 or not (match := _TRACEPARENT.fullmatch(sent[0].strip())):
        return None
    trace_id = match.group(1).decode("ascii")
    return None if trace_id == _NO_TRACE else trace_id
