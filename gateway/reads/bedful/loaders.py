"""Bedful reads: every Bedful read a resolver makes goes through `BedfulReads`.

One `BedfulReads` lives for one GraphQL request (see `gateway.context`); below it, the
process-wide `BedfulSource` coalesces identical calls and caches answers for at most
`GATEWAY_BEDFUL_MAX_STALENESS_SECONDS` (see `source`). Every answer comes `Dated`: when the
gateway asked Bedful for it, which the schema shows as `BedfulBooking.asOf`.

Bedful has no multi-id request and no paging, and allows 5 requests a second and 100 a minute per
key (the client's limiter keeps to that). Call budgets, at most (the cache only lowers them):

* bookings by id -> one call per distinct id in the request, issued concurrently;
* a list         -> one call; its bookings then answer by-id loads of the same request;
* `overlapping`  -> one list call for all sites, or one per site asked for, concurrently, of up
  to `LIST_LIMIT` bookings each; Bedful has no date filter, so the overlap is computed here;
* `current`      -> one call, unless this request already had the booking from Bedful itself.

A Bedful write calls `changed` with the booking Bedful answered, so reads later in the same
document, and every later read of any request, see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gateway.reads.bedful.source import BedfulFilter, BedfulSource, Dated
from gateway.reads.dependencies import Dependencies
from gateway.upstreams.bedful import BedfulBooking, BedfulStatus, NewBedfulBooking
from gateway.upstreams.bedful import client as bedful_api
from gateway.upstreams.bedful.recovery import find_created
from gateway.upstreams.fanout import gather_or_cancel

__all__ = ["BedfulFilter", "BedfulReads", "Dated", "OverlappingBookings"]


@dataclass(frozen=True, slots=True)
class OverlappingBookings:
    """The bookings overlapping a window; `cut_at` is the `limit` a list answer reached (it may
    have been cut short: Bedful has no paging), None when none did."""

    bookings: list[Dated[BedfulBooking]]
    cut_at: int | None


class BedfulReads:
    """This request's Bedful reads. Create one per request; never share across requests."""

    def __init__(self, source: BedfulSource, dependencies: Dependencies) -> None:
        self._source = source
        # The cache entries this request was answered from (for the reuse of its result).
        self._dependencies = dependencies
        # What this request has seen, by id: a document reading a booking twice sees one state.
        # (No batching loader: Bedful has no multi-id call, and `BedfulSource` already makes
        # identical calls in flight one call.)
        self._seen: dict[int, Dated[BedfulBooking | None]] = {}
        self._fresh: dict[int, Dated[BedfulBooking | None]] = {}  # from Bedful in this request

    async def booking(self, booking_id: int) -> Dated[BedfulBooking] | None:
        """The booking, or None when Bedful has none with this id on our channel."""
        found = self._seen.get(booking_id)
        if found is None:
            answer = await self._source.booking(booking_id, track=self._dependencies)
            found = self._seen.setdefault(booking_id, answer)
        return _present(found)

    async def bookings(self, where: BedfulFilter, *, limit: int) -> Dated[list[BedfulBooking]]:
        """The bookings matching `where`, at most `limit`, in Bedful's order."""
        found = await self._source.bookings(where, limit, track=self._dependencies)
        for record in found.value:
            self._seen.setdefault(record.id, Dated(record, found.fetched_at))
        return found

    async def overlapping(
        self, start: date, end: date, *, sites: Sequence[int] | None, include_cancelled: bool
    ) -> OverlappingBookings:
        """The bookings of `sites` (None: every site) overlapping [start, end)."""
        limit = bedful_api.LIST_LIMIT
        wheres = (
            [BedfulFilter()]
            if sites is None
            else [BedfulFilter(site_id=site) for site in dict.fromkeys(sites)]
        )
        answers = await gather_or_cancel(
            self._source.bookings(where, limit, track=self._dependencies) for where in wheres
        )
        found: list[Dated[BedfulBooking]] = []
        for answer in answers:
            for record in answer.value:
                if not include_cancelled and record.status == BedfulStatus.CANCELLED:
                    continue
                if _overlaps(record, start, end):
                    dated = Dated(record, answer.fetched_at)
                    self._seen.setdefault(record.id, dated)
                    found.append(dated)
        cut = any(len(answer.value) >= limit for answer in answers)
        return OverlappingBookings(found, limit if cut else None)

    async def current(self, booking_id: int) -> Dated[BedfulBooking] | None:
        """The booking as Bedful has it now, for a write's checks: never from the cache, unless
        this request already had it from Bedful itself (or wrote it)."""
        self._dependencies.spoil()
        found = self._fresh.get(booking_id)
        if found is None:
            found = await self._source.current(booking_id)
            self._fresh[booking_id] = self._seen[booking_id] = found
        return _present(found)

    async def find_created(
        self, new: NewBedfulBooking, attempted_at: float
    ) -> BedfulBooking | None:
        """The booking a create of unknown outcome made, if any (`bedful.recovery`)."""
        self._dependencies.spoil()
        return await find_created(self._source.client, new, attempted_at)

    async def changed(self, booking: BedfulBooking) -> Dated[BedfulBooking]:
        """A Bedful write answered with `booking`: every later read sees it."""
        self._dependencies.spoil()
        dated = Dated(booking, self._source.now())
        self._fresh[booking.id] = self._seen[booking.id] = dated
        await self._source.written(booking)
        return dated

    async def maybe_changed(self, *, booking_id: int | None, site_id: int | None) -> None:
        """A Bedful write's outcome is unknown: later reads must not show what it may have
        changed from before it."""
        self._dependencies.spoil()
        if booking_id is not None:
            self._fresh.pop(booking_id, None)
            self._seen.pop(booking_id, None)
        await self._source.maybe_written(booking_id=booking_id, site_id=site_id)


def _present(found: Dated[BedfulBooking | None]) -> Dated[BedfulBooking] | None:
    if found.value is None:
        return None
    return Dated(found.value, found.fetched_at)


def _overlaps(record: BedfulBooking, start: date, end: date) -> bool:
    """CareHQ's overlap rule, applied to Bedful's UTC midnights: a missing start counts as
    started, a missing end (Bedful's zero time) as open-ended."""
    starts = record.arrival.date() if record.arrival is not None else None
    ends = record.departure.date() if record.departure is not None else None
    return (starts is None or starts < end) and (ends is None or ends > start)
