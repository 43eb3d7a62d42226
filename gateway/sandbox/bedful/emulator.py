"""The Bedful bookings API, emulated from `original-docs/bedful-bookings.txt`.

Routes, relative to the API root (`/bedful` on `gateway sandbox`, `http://bedful.sandbox` in
process):

    GET  /bookings                 ?id=&user_id=&site_id=&status=&limit=  -> {"bookings": [...]}
    GET  /bookings/{id}            one booking, 404 if unknown (or not a number)
    POST /bookings/create          create (the doc's curl); POST /bookings too (the doc's prose)
    POST /bookings/{id}/update     partial update; cancel = {"status": 11}

Every request, in this order: HTTP Basic auth (user = the channel key, password EMPTY, as the
doc's `curl -u KEY:`; anything else -> 401 with `WWW-Authenticate: Basic realm="Bedful"`), then
the rate limits (`ratelimit`; 429 + `Retry-After`), then the method (only GET and POST
exist, even HEAD -> 405), then the route. HTTPS-only cannot be emulated and is ignored.

Error bodies are not published; ours are our guess, `{"error": "..."}` plus `"errors"` by field
on 400/422, and the gateway must rely on status codes only. Assumed where the doc is silent:
list parameters are single integers (a repeated key, a comma list, an empty or non-integer value
-> 400); `limit` is any integer >= 1 (no maximum is published); lists are ordered by id
ascending; POST bodies are read as JSON whatever the Content-Type (the doc's update curl sends
none); a body that is not a JSON object -> 400; bad fields -> 422; success is 200.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.sandbox.bedful.ratelimit import SlidingWindowLimiter, retry_after
from gateway.sandbox.bedful.store import BedfulStore, NotOnChannel, UnknownBooking
from gateway.sandbox.bedful.validation import BookingInvalid
from gateway.sandbox.common import Emulator
from gateway.sandbox.credentials import BEDFUL_API_KEY

_LIST_FILTERS = ("id", "user_id", "site_id", "status")
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Bedful"'}


class BedfulSandbox(Emulator):
    """The emulated Bedful API with its data (`store`) and its live rate limits.

    `store` is public: tests add bookings (`store.add_booking(...)`) and compare answers with
    `store.bookings`. `rate_limits` can be switched at run time; `limiter.reset()` forgets the
    requests counted so far. `seed` picks the deterministic seed data.
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        latency_ms: int = 0,
        rate_limits: bool = True,
        per_second: int = 5,
        per_minute: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = BedfulStore.seeded(seed)
        self.rate_limits = rate_limits
        self.limiter = SlidingWindowLimiter(
            per_second=per_second, per_minute=per_minute, clock=clock
        )
        self.api_key = BEDFUL_API_KEY
        self._router = Starlette(
            routes=[
                Route("/bookings", self._list, methods=["GET"]),
                Route("/bookings", self._create, methods=["POST"]),
                Route("/bookings/create", self._create, methods=["POST"]),
                Route("/bookings/{booking_id}", self._show, methods=["GET"]),
                Route("/bookings/{booking_id}/update", self._update, methods=["POST"]),
            ],
            exception_handlers={HTTPException: _http_error},
        )
        super().__init__(self._guard, name="bedful", latency_ms=latency_ms)

    # --- before routing ------------------------------------------------------------------------
    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(Request(scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self._router(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        if not self._authorised(request.headers.get("authorization", "")):
            return _error(401, "missing or wrong access key", headers=_CHALLENGE)
        if self.rate_limits:
            wait = self.limiter.admit(self.api_key)
            if wait is not None:
                headers = {"Retry-After": retry_after(wait)}
                return _error(429, "rate limit exceeded", headers=headers)
        if request.method not in ("GET", "POST"):
            return _error(405, "method not allowed", headers={"Allow": "GET, POST"})
        return None

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        key_matches = hmac.compare_digest(user.encode(), self.api_key.encode())
        return key_matches and colon == ":" and password == ""

    # --- endpoints -----------------------------------------------------------------------------
    async def _list(self, request: Request) -> Response:
        params = request.query_params
        filters: dict[str, int] = {}
        errors: dict[str, list[str]] = {}
        for name in (*_LIST_FILTERS, "limit"):
            values = params.getlist(name)
            if not values:
                continue
            if len(values) > 1 or not _is_integer(values[0]):
                errors[name] = ["must be one integer"]
            elif name == "limit" and int(values[0]) < 1:
                errors[name] = ["must be at least 1"]
            else:
                filters[name] = int(values[0])
        if errors:
            return _error(400, "invalid parameters", errors=errors)
        bookings = self.store.find(**filters)
        return JSONResponse({"bookings": bookings})

    async def _show(self, request: Request) -> Response:
        return self._answer(request, self.store.get)

    async def _update(self, request: Request) -> Response:
        payload = await _json_object(request)
        if isinstance(payload, Response):
            return payload
        return self._answer(request, lambda booking_id: self.store.update(booking_id, payload))

    async def _create(self, request: Request) -> Response:
        payload = await _json_object(request)
        if isinstance(payload, Response):
            return payload
        return self._answer(request, lambda _: self.store.create(payload))

    @staticmethod
    def _answer(request: Request, action: Callable[[int], dict[str, Any]]) -> Response:
        """Runs `action` on the path's booking id (0 on create) and maps the store's errors."""
        raw: str = request.path_params.get("booking_id", "0")
        try:
            if not (raw.isascii() and raw.isdecimal()):
                raise UnknownBooking(raw)
            return JSONResponse(action(int(raw)))
        except UnknownBooking:
            return _error(404, "booking not found")
        except NotOnChannel:
            return _error(401, "not assigned to your channel", headers=_CHALLENGE)
        except BookingInvalid as exc:
            return _error(422, "invalid booking", errors=exc.errors)


def _is_integer(value: str) -> bool:
    digits = value[1:] if value.startswith("-") else value
    return digits.isascii() and digits.isdecimal()


async def _json_object(request: Request) -> dict[str, Any] | Response:
    """The body as a JSON object, or the 400 to answer (Content-Type is not looked at)."""
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return _error(400, "body must be JSON")
    if not isinstance(payload, dict):
        return _error(400, "body must be a JSON object")
    return payload


def _error(
    status: int,
    message: str,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such route) and 405 (wrong method for a route), as JSON."""
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for HTTPException only
    headers = dict(exc.headers or {})
    if "Allow" in headers:  # Starlette adds HEAD to GET routes; Bedful has only GET and POST
        headers["Allow"] = ", ".join(m for m in headers["Allow"].split(", ") if m != "HEAD")
    return _error(exc.status_code, exc.detail.lower(), headers=headers)
