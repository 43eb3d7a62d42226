"""The CareHQ sandbox: an emulated CareHQ API (rooms and bookings) over seeded demo data.

Routes, relative to wherever the app is mounted (`/carehq` in `gateway sandbox`, the root of
`http://carehq.sandbox` in-process):

    GET   /v1/rooms            GET /v1/rooms/<id>
    GET   /v1/bookings         GET /v1/bookings/<id>
    PUT   /v1/bookings         (create; answers the documented *_str create shape)
    PATCH /v1/bookings/<id>    (update/cancel: our assumption, README "Bookings")

Every request, in this order: rate limited per API key (429; the `X-CareHQ-RateLimit-*` headers
are on every answer, errors included), body format checked (a non-form body on PUT/PATCH/POST is
a 400: the signature covers form fields, so a JSON body would otherwise only ever show as an
unhelpful 401), signature verified (401), then routed (unknown path 404, other verb 405).
Errors are JSON `{"hint": ...}`, plus `arg_errors` on 400. Query parameters are signed for
GET/HEAD/DELETE, form fields for every other verb.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.sandbox.carehq.filters import BOOKINGS, ROOMS
from gateway.sandbox.carehq.forms import create_fields, update_fields
from gateway.sandbox.carehq.model import ArgErrors, Record, is_object_id
from gateway.sandbox.carehq.query import list_page
from gateway.sandbox.carehq.signing import (
    API_KEY_HEADER,
    ApiKey,
    SignatureError,
    SignatureVerifier,
)
from gateway.sandbox.carehq.store import CareHQStore
from gateway.sandbox.common import Emulator
from gateway.sandbox.credentials import CAREHQ_ACCOUNT_ID, CAREHQ_API_KEY, CAREHQ_API_SECRET
from gateway.sandbox.recording import route_path

Params = Sequence[tuple[str, str]]
Handler = Callable[[Params, str], dict[str, Any]]

_PATH: Final = re.compile(r"/v1/(rooms|bookings)(?:/([^/]+))?/?")
_QUERY_SIGNED: Final = frozenset({"GET", "HEAD", "DELETE"})
_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_CREATE_SPELLING: Final = {
    "start_date": "start_date_str",
    "end_date": "end_date_str",
    "proposed_checkout_date": "proposed_checkout_date_str",
}


class CareHQSandbox(Emulator):
    """The emulated CareHQ API; `store` holds its data (public: tests read and build on it).

    `clock` (epoch seconds) drives the signature timestamp window, the rate-limit windows and
    the `created` / `modified` / default `start_date` of bookings made through the API.

    Two less-faithful switches exist for benchmarking a peer that cannot sign requests (GraphQL
    Mesh), never as defaults: `rate_limits=False` answers every request (no 429, no
    `X-CareHQ-RateLimit-*` headers, as an API without limits would) and `signature_check=False`
    accepts unsigned requests (the method, path and parameters are still checked).
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        latency_ms: int = 0,
        rate_limit_per_second: int = 50,
        rate_limits: bool = True,
        signature_check: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.store = CareHQStore(seed=seed, clock=clock)
        self.account_id = CAREHQ_ACCOUNT_ID
        self.api_key = CAREHQ_API_KEY
        self.api_secret = CAREHQ_API_SECRET
        self.rate_limit_per_second = rate_limit_per_second
        self.rate_limits = rate_limits
        self.signature_check = signature_check
        self._verifier = SignatureVerifier(
            {self.api_key: ApiKey(self.account_id, self.api_secret)}, clock
        )
        self._limiter = RateLimiter(rate_limit_per_second, clock)
        self._routes: dict[tuple[str, bool, str], Handler] = {
            ("rooms", False, "GET"): self._list_rooms,
            ("rooms", True, "GET"): self._get_room,
            ("bookings", False, "GET"): self._list_bookings,
            ("bookings", False, "PUT"): self._create_booking,
            ("bookings", True, "GET"): self._get_booking,
            ("bookings", True, "PATCH"): self._update_booking,
        }
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=_METHODS)])
        super().__init__(app, name="carehq", latency_ms=latency_ms)

    async def _handle(self, request: Request) -> JSONResponse:
        if not self.rate_limits:
            return await self._answer(request)
        allowed, limit_headers = self._limiter.take(request.headers.get(API_KEY_HEADER, ""))
        if allowed:
            response = await self._answer(request)
        else:
            hint = f"Rate limit exceeded ({self.rate_limit_per_second} requests per second)."
            response = JSONResponse({"hint": hint}, 429)
            response.headers["Retry-After"] = "1"
        response.headers.update(limit_headers)
        return response

    async def _answer(self, request: Request) -> JSONResponse:
        try:
            return JSONResponse(await self._dispatch(request))
        except ArgErrors as exc:
            hint = "Invalid arguments: see arg_errors."
            return JSONResponse({"hint": hint, "arg_errors": exc.errors}, 400)
        except _Refused as exc:
            return JSONResponse({"hint": exc.hint}, exc.status)

    async def _dispatch(self, request: Request) -> dict[str, Any]:
        method = request.method
        path = route_path(request.scope)
        params = await _signed_params(request)
        try:
            if self.signature_check:
                self._verifier.verify(method, path, request.headers, params)
        except SignatureError as exc:
            raise _Refused(401, exc.hint) from exc
        match = _PATH.fullmatch(path)
        if match is None:
            raise _Refused(404, f"No such endpoint: {path}.")
        resource, doc_id = match.groups()
        handler = self._routes.get((resource, doc_id is not None, method))
        if handler is None:
            raise _Refused(405, f"{method} is not allowed on {path}.")
        return handler(params, doc_id or "")

    # --- handlers: (params or form fields, id from the path or "") -> JSON body ------------
    def _list_rooms(self, params: Params, _: str) -> dict[str, Any]:
        return list_page(ROOMS, self.store.rooms.values(), params)

    def _list_bookings(self, params: Params, _: str) -> dict[str, Any]:
        return list_page(BOOKINGS, self.store.bookings.values(), params)

    def _get_room(self, _: Params, room_id: str) -> dict[str, Any]:
        room = self.store.rooms.get(room_id) if is_object_id(room_id) else None
        if room is None:
            raise _Refused(404, f"No room with id {room_id!r}.")
        return _full(room)

    def _get_booking(self, _: Params, booking_id: str) -> dict[str, Any]:
        return _full(self._booking(booking_id))

    def _booking(self, booking_id: str) -> Record:
        booking = self.store.bookings.get(booking_id) if is_object_id(booking_id) else None
        if booking is None:
            raise _Refused(404, f"No booking with id {booking_id!r}.")
        return booking

    def _create_booking(self, form: Params, _: str) -> dict[str, Any]:
        booking = self.store.add_booking(**create_fields(form, self.store))
        renamed = {_CREATE_SPELLING.get(key, key): value for key, value in booking.items()}
        return _full(renamed)

    def _update_booking(self, form: Params, booking_id: str) -> dict[str, Any]:
        booking = self._booking(booking_id)
        changes = update_fields(form, self.store, booking)
        return _full(self.store.update_booking(booking_id, changes))


class RateLimiter:
    """Fixed one-second windows (aligned to whole clock seconds), counted per API key.

    `take` answers whether the request may proceed, and the `X-CareHQ-RateLimit-*` headers:
    the limit, what is left in this window, and when it resets (epoch seconds, as a float).
    """

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._window = -1
        self._used: dict[str, int] = {}

    def take(self, key: str) -> tuple[bool, dict[str, str]]:
        window = math.floor(self._clock())
        if window != self._window:
            self._window, self._used = window, {}
        used = self._used.get(key, 0)
        allowed = used < self.limit
        if allowed:
            used = self._used[key] = used + 1
        return allowed, {
            "X-CareHQ-RateLimit-Limit": str(self.limit),
            "X-CareHQ-RateLimit-Remaining": str(self.limit - used),
            "X-CareHQ-RateLimit-Reset": str(float(window + 1)),
        }


class _Refused(Exception):
    """Answer `status` with `{"hint": hint}` instead of the handler's result."""

    def __init__(self, status: int, hint: str) -> None:
        super().__init__(hint)
        self.status = status
        self.hint = hint


async def _signed_params(request: Request) -> Params:
    """The parameters the signature covers: the query (GET/HEAD/DELETE) or the form body."""
    if request.method in _QUERY_SIGNED:
        return request.query_params.multi_items()
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if body and not content_type.startswith("application/x-www-form-urlencoded"):
        raise _Refused(
            400,
            "CareHQ takes request bodies as application/x-www-form-urlencoded form fields, "
            f"not {content_type or 'an untyped body'}.",
        )
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as exc:
        raise _Refused(400, "The form body is not valid UTF-8.") from exc


def _full(record: Record) -> dict[str, Any]:
    """A record as the API answers it: every attribute, keys in the docs' (alphabetical) order."""
    return {key: record[key] for key in sorted(record)}
