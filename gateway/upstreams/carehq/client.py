"""The CareHQ client: rooms and bookings of a care-home account.

Docs: shared/upstreams/original-docs/carehome-{bookings,rooms}.txt and the upstreams README.
Requests go through `http.Sender` (deadline, GET retries, error mapping) on an httpx client made
by `carehq_http_client`, which signs every attempt (`CareHQSignature`). CareHQ's rate-limit
headers are followed by `rate_limit` (a `RateLimitState`).

Money is integer pence; date-times are naive UK local time (see `models`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import TypeVar

import httpx

from gateway.upstreams.errors import Upstream, UpstreamNotFound
from gateway.upstreams.health import Health
from gateway.upstreams.http import Sender
from gateway.upstreams.observe import NOT_OBSERVED, CallObserver, Routes
from gateway.upstreams.statuses import parse_hint_and_arg_errors

from .decoding import parse_booking, parse_page, parse_room
from .models import (
    BOOKING_FIELDS,
    ROOM_FIELDS,
    BookingSortKey,
    CareHQBooking,
    CareHQRoom,
    NewCareHQBooking,
    Page,
    RoomSortKey,
    Sort,
)
from .queries import BookingQuery, RoomQuery, booking_filters, room_filters
from .ratelimit import RateLimitState
from .wire import (
    BOOKING_SORT_KEYS,
    ROOM_SORT_KEYS,
    Pairs,
    attributes,
    format_datetime,
    new_booking_form,
    sort_by,
)

__all__ = ["MAX_PER_PAGE", "CareHQClient"]

T = TypeVar("T")

# ==========================================================================================
# ASSUMED BEHAVIOUR. CareHQ publishes nothing on the points below (shared/upstreams/README.md,
# "assumed"). Every guess about CareHQ lives in this block; change it here, and only here, when
# CareHQ confirms the real behaviour.
#
# 1. The largest `per_page` CareHQ accepts is 100 (more: 400 with `arg_errors.per_page`).
MAX_PER_PAGE = 100
#
# 2. Cancelling a booking = updating it: PATCH /v1/bookings/<id> with the form field
#    `cancelled=<YYYY-MM-DD HH:MM:SS>` (UK local time), plus `reason_for_checkout` and
#    `checkout_notes` when given; the answer is the updated booking object. Should it answer
#    with no body, the booking is read back with a GET.
CANCEL_METHOD = "PATCH"


def _cancel_form(at: datetime, reason: str | None, notes: str | None) -> dict[str, str]:
    form = {"cancelled": format_datetime(at)}
    if reason is not None:
        form["reason_for_checkout"] = reason
    if notes is not None:
        form["checkout_notes"] = notes
    return form


# ==========================================================================================

# Ids become URL path segments; CareHQ's are 24 hex digits. Anything that could change the path
# (`/`, `..`, `?`) is refused before a request is made, so caller input cannot reach another
# endpoint with our credentials.
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ROUTES = Routes(("/v1/rooms", "/v1/bookings", "/v1/rooms/{id}", "/v1/bookings/{id}"))
"""The paths this client calls, as the templates metrics and traces name them."""


def _optional(parse: Callable[[object], T]) -> Callable[[object], T | None]:
    return lambda raw: None if raw is None else parse(raw)


def _check_page(page: int, per_page: int) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")


class CareHQClient:
    """Typed calls to CareHQ. One instance per process: it holds the rate-limit state.

    `http` comes from `carehq_http_client` (base URL, signing, transport). `timeout` is the
    overall deadline in seconds of each method call, waits and retries included; GETs are
    retried at most `max_get_retries` times, writes never.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout: float,
        max_get_retries: int = 2,
        rate_limit: RateLimitState | None = None,
        health: Health | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observer: CallObserver = NOT_OBSERVED,
    ) -> None:
        self.rate_limit = rate_limit if rate_limit is not None else RateLimitState(sleep=sleep)
        self.health = health or Health("CareHQ", interval=30.0)
        self.health.set_probe(self.ping)
        self._sender = Sender(
            http,
            upstream=Upstream.CAREHQ,
            timeout=timeout,
            max_get_retries=max_get_retries,
            parse_error_body=parse_hint_and_arg_errors,
            auth_statuses=frozenset({401, 403, 405}),  # 405: the key lacks the permission
            slot=self.rate_limit.slot,
            after_response=self.rate_limit.observe,
            retry_after_fallback=self.rate_limit.seconds_to_reset,
            health=self.health,
            sleep=sleep,
            routes=ROUTES,
            observer=observer,
        )

    async def list_rooms(
        self,
        query: RoomQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[RoomSortKey]] = (),
        page: int = 1,
        per_page: int = 10,
    ) -> Page[CareHQRoom]:
        """A page of rooms. `fields` names the `CareHQRoom` attributes to fetch (`ROOM_FIELDS`);
        the others are None. CareHQ hides archived rooms unless `query.archived` says so."""
        only = frozenset(fields)
        return await self._list(
            "rooms",
            params=[*attributes(fields, ROOM_FIELDS), *sort_by(sort, ROOM_SORT_KEYS)],
            filters=room_filters(query),
            page=page,
            per_page=per_page,
            item=lambda raw: parse_room(raw, only),
        )

    async def list_bookings(
        self,
        query: BookingQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[BookingSortKey]] = (),
        page: int = 1,
        per_page: int = 10,
    ) -> Page[CareHQBooking]:
        """A page of bookings; `fields` as for `list_rooms` (`BOOKING_FIELDS`)."""
        only = frozenset(fields)
        return await self._list(
            "bookings",
            params=[*attributes(fields, BOOKING_FIELDS), *sort_by(sort, BOOKING_SORT_KEYS)],
            filters=booking_filters(query),
            page=page,
            per_page=per_page,
            item=lambda raw: parse_booking(raw, only),
        )

    async def _list(
        self,
        resource: str,
        *,
        params: Pairs,
        filters: Pairs | None,
        page: int,
        per_page: int,
        item: Callable[[object], T],
    ) -> Page[T]:
        _check_page(page, per_page)
        if filters is None:  # an empty list filter: nothing can match, CareHQ need not be asked
            return Page(items=(), item_count=0, page=page, page_count=0, per_page=per_page)
        paging = [("page", str(page)), ("per_page", str(per_page))]
        return await self._sender.call(
            "GET",
            f"/v1/{resource}",
            lambda raw: parse_page(raw, item),
            params=(*params, *filters, *paging),
        )

    async def get_room(self, room_id: str) -> CareHQRoom | None:
        """The room with every attribute, or None when CareHQ has no such room."""
        return await self._get("rooms", room_id, parse_room)

    async def get_booking(self, booking_id: str) -> CareHQBooking | None:
        """The booking with every attribute, or None when CareHQ has no such booking."""
        return await self._get("bookings", booking_id, parse_booking)

    async def _get(self, resource: str, id_: str, parse: Callable[[object], T]) -> T | None:
        if not _SAFE_ID.fullmatch(id_):
            return None
        try:
            return await self._sender.call("GET", f"/v1/{resource}/{id_}", parse)
        except UpstreamNotFound:
            return None

    async def create_booking(self, new: NewCareHQBooking) -> CareHQBooking:
        """PUT /v1/bookings (form body). Never retried: on `WriteOutcomeUnknown` the booking
        may exist; look for it before creating again."""
        return await self._sender.call(
            "PUT", "/v1/bookings", parse_booking, data=new_booking_form(new)
        )

    async def cancel_booking(
        self,
        booking_id: str,
        *,
        at: datetime,
        reason: str | None = None,
        notes: str | None = None,
    ) -> CareHQBooking:
        """Mark the booking cancelled at `at` (naive = UK local time; aware values are
        converted). `reason` -> `reason_for_checkout`, `notes` -> `checkout_notes`.
        Raises `UpstreamNotFound` for an unknown booking. See the ASSUMED block above."""
        if not _SAFE_ID.fullmatch(booking_id):
            raise UpstreamNotFound(Upstream.CAREHQ, "CareHQ has no such booking")
        updated = await self._sender.call(
            CANCEL_METHOD,
            f"/v1/bookings/{booking_id}",
            _optional(parse_booking),
            data=_cancel_form(at, reason, notes),
        )
        if updated is None:
            updated = await self.get_booking(booking_id)
            if updated is None:
                raise UpstreamNotFound(Upstream.CAREHQ, "CareHQ has no such booking")
        return updated

    async def ping(self) -> None:
        """The cheapest authenticated call (one room id), for readiness checks. Raises the
        usual `UpstreamError`s."""
        await self.list_rooms(RoomQuery(), fields=(), per_page=1)
