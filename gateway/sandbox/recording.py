"""A request as an emulated upstream received it, kept so tests can assert on the calls made.

`Emulator` reads each request's body once (`read_body`), records the request (`record`: method,
path relative to the upstream's root, query parameters, form or JSON body, headers, arrival
time) and hands the app the same body again (`replay`). The status and the time the answer
started are filled in on the record as the answer goes out. Tests read records through
`Emulator.requests` and `Emulator.calls`; the standalone server serves them, without bodies, at
`/_sandbox/{carehq|bedful}/requests`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope


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


def route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a real server: nothing more until disconnect
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


def record(scope: Scope, body: bytes, *, at: float) -> RecordedRequest:
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
        path=route_path(scope),
        params=tuple(parse_qsl(query, keep_blank_values=True)),
        form=form,
        json=payload,
        headers=headers,
        at=at,
    )
