"""The failures an emulated upstream can be made to show, and how each is answered.

A test, or a frontend developer through `POST /_sandbox/{carehq|bedful}/faults`, injects a
`Fault` into an emulator (`Emulator.inject`); the emulator takes the first one that matches a
request's method and answers with `send_fault` instead of the emulated API. These answers are
the vendor-neutral shapes of an upstream in trouble (a 5xx HTML page, a cut-off JSON body, a 429
with `Retry-After`), the same for both emulators; a slow fault only delays the real answer, and
"down" is a refused connection (see `Emulator.transport`), or a 503 with no body over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from starlette.types import Send


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


async def send_fault(fault: Fault, send: Send) -> None:
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
