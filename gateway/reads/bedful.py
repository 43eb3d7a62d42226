"""Bedful reads: every Bedful read a resolver makes goes through `BedfulReads`.

One `BedfulReads` lives for one GraphQL request (see `gateway.context`). Bedful has no multi-id
request and no paging, and allows 5 requests a second and 100 a minute per key (the client's
limiter keeps to that). Call budgets:

* bookings by id -> one call per distinct id in the request, issued concurrently;
* a list         -> one call; its bookings then answer by-id loads of the same request;
* `stays`        -> one list call for all sites, or one per site asked for, concurrently, of up
  to `LIST_LIMIT` bookings each; Bedful has no date filter, so the overlap is computed here.

A Bedful write calls `changed` with the booking Bedful answered, so reads later in the same
document see it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from aiodataloader import DataLoader

from gateway.upstreams import bedful as bedful_api
from gateway.upstreams.bedful import BedfulBooking, BedfulClient, BedfulStatus, NewBedfulBooking
from gateway.upstreams.bedful_recovery import find_created


@dataclass(frozen=True, slots=True)
class BedfulFilter:
    """The filters of Bedful's list call; None = not sent. All given must match."""

    id: int | None = None
    user_id: int | None = None
    site_id: int | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class OverlappingBookings:
    """The bookings overlapping a window; `cut_at` is the `limit` a list answer reached (it may
    have been cut short: Bedful has no paging), None when none did."""

    bookings: list[BedfulBooking]
    cut_at: int | None


class BedfulReads:
    """This request's Bedful reads. Create one per request; never share across requests."""

    def __init__(self, client: BedfulClient) -> None:
        self._client = client
        self._by_id = DataLoader[int, BedfulBooking | None](self._load_by_id)

    async def booking(self, booking_id: int) -> BedfulBooking | None:
        """The booking, or None when Bedful has none with this id on our channel."""
        booking: BedfulBooking | None = await self._by_id.load(booking_id)
        return booking

    async def bookings(self, where: BedfulFilter, *, limit: int) -> list[BedfulBooking]:
        """The bookings matching `where`, at most `limit`, in Bedful's order."""
        records = await self._list(where, limit)
        for record in records:
            self._by_id.prime(record.id, record)
        return records

    async def overlapping(
        self, start: date, end: date, *, sites: Sequence[int] | None, include_cancelled: bool
    ) -> OverlappingBookings:
        """The bookings of `sites` (None: every site) overlapping [start, end)."""
        limit = bedful_api.LIST_LIMIT
        if sites is None:
            answers = [await self._list(BedfulFilter(), limit)]
        else:
            calls = (self._list(BedfulFilter(site_id=site), limit) for site in dict.fromkeys(sites))
            answers = list(await asyncio.gather(*calls))
        found: list[BedfulBooking] = []
        for record in (record for answer in answers for record in answer):
            if not include_cancelled and record.status == BedfulStatus.CANCELLED:
                continue
            if _overlaps(record, start, end):
                self._by_id.prime(record.id, record)
                found.append(record)
        cut = any(len(answer) >= limit for answer in answers)
        return OverlappingBookings(found, limit if cut else None)

    async def find_created(
        self, new: NewBedfulBooking, attempted_at: float
    ) -> BedfulBooking | None:
        """The booking a create of unknown outcome made, if any (`bedful_recovery`)."""
        return await find_created(self._client, new, attempted_at)

    def changed(self, booking: BedfulBooking) -> None:
        """A Bedful write answered with `booking`: later reads in this request see it."""
        self._by_id.clear(booking.id).prime(booking.id, booking)

    async def _list(self, where: BedfulFilter, limit: int) -> list[BedfulBooking]:
        return await self._client.list_bookings(
            id=where.id,
            user_id=where.user_id,
            site_id=where.site_id,
            status=where.status,
            limit=limit,
        )

    async def _load_by_id(self, ids: list[int]) -> list[BedfulBooking | None]:
        # An exception in a key's slot rejects that key only: one failing id, not the batch.
        results = await asyncio.gather(
            *(self._client.get_booking(booking_id) for booking_id in ids), return_exceptions=True
        )
        return list(results)  # type: ignore[arg-type]


def _overlaps(record: BedfulBooking, start: date, end: date) -> bool:
    """CareHQ's overlap rule, applied to Bedful's UTC midnights: a missing start counts as
    started, a missing end (Bedful's zero time) as open-ended."""
    starts = record.starts_at.date() if record.starts_at is not None else None
    ends = record.ends_at.date() if record.ends_at is not None else None
    return (starts is None or starts < end) and (ends is None or ends > start)
