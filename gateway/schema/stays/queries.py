"""`stays`: who is staying between two dates, in either system, as one list of `Stay`s.

Call budget of one `stays` field: CareHQ one bookings list call per 100 overlapping bookings
(page 1, then the other pages concurrently); Bedful one list call, or one per `siteIds` entry,
all concurrently. The two systems are asked at the same time. CareHQ selects the overlap itself
(`ends_after` / `starts_before`); Bedful has no date filter, so the gateway asks for up to
`LIST_LIMIT` bookings and keeps the overlapping ones (`gateway.reads.bedful`).

One system failing leaves the other's stays in the answer, with the failure reported as an error
at the field's path (`report_partial_failure`); only when every chosen system fails does the
field itself fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import strawberry

from gateway.schema import selection
from gateway.schema.bedful.types import BedfulBooking
from gateway.schema.carehq.ahead import links_ahead
from gateway.schema.carehq.inputs import RoomFilterArgument
from gateway.schema.carehq.types import BOOKING_NEEDS, Booking, Room
from gateway.schema.errors import UpstreamListIncomplete, report_partial_failure
from gateway.schema.stays.availability import available_rooms
from gateway.schema.stays.types import BookingSystem, Stay
from gateway.schema.validation import MAX_WINDOW_DAYS, Problems
from gateway.upstreams.bedful import LIST_LIMIT
from gateway.upstreams.carehq import BookingQuery, YesNo
from gateway.upstreams.errors import UpstreamError

_SYSTEM_ORDER = {BookingSystem.CAREHQ: 0, BookingSystem.BEDFUL: 1}
_WINDOW = (
    f"The window is [`from`, `to`): `to` must be after `from`, at most {MAX_WINDOW_DAYS} days "
    "later. A stay overlaps it when it starts before `to` and ends after `from` (a stay that "
    "ends on `from` or starts on `to` does not); a stay with no end date overlaps every window "
    "from its start on."
)

_FROM = "First night of the window (inclusive)."
_TO = "The day after the window (exclusive): nights up to, not including, `to`."


MAX_SITE_IDS = 20
"""`siteIds` makes one Bedful request per site, and Bedful allows 100 a minute for every user."""


@strawberry.type
class StaysQuery:
    @strawberry.field(
        description=(
            "Every stay of the chosen `systems` (default: both) that overlaps the window, "
            "ordered by start date (stays without one first), then system (CareHQ before "
            "Bedful), then id. " + _WINDOW + " Cancelled stays are included with "
            "`isCancelled: true` unless `includeCancelled` is false; use `blocksAvailability` "
            "to tell which stays occupy their room or units. "
            "Upstream calls: CareHQ selects the overlapping bookings itself, one request per "
            "100 of them. Bedful's API has no date filter: the gateway fetches the bookings of "
            f"each site in `siteIds` (one request per site, at most {MAX_SITE_IDS} sites; all "
            f"sites in one request when omitted), up to {LIST_LIMIT} per request, and keeps "
            "those that overlap; "
            "should a request return that many, an error with `extensions.upstream: BEDFUL` "
            "says the list may be incomplete. Both systems are asked at the same time; when "
            "one fails, the other's stays are returned with an error naming the failed system "
            "in `extensions.upstream`."
        )
    )
    async def stays(
        self,
        info: strawberry.Info[Any, Any],
        *,
        from_: Annotated[date, strawberry.argument(name="from", description=_FROM)],
        to: Annotated[date, strawberry.argument(description=_TO)],
        systems: Annotated[
            list[BookingSystem] | None,
            strawberry.argument(description="The systems to list; omitted or null: both."),
        ] = None,
        include_cancelled: Annotated[
            bool,
            strawberry.argument(
                description="Whether cancelled stays (CareHQ `cancelled`, Bedful `CANCELLED`) "
                "are listed."
            ),
        ] = True,
        location_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(
                description="CareHQ only: stays at any of these CareHQ location ids. Omitted "
                "or null: every location."
            ),
        ] = None,
        site_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(
                description="Bedful only: stays at any of these Bedful site ids, one Bedful "
                f"request per site: at most {MAX_SITE_IDS} (more is `BAD_USER_INPUT`, before "
                "any call). Omitted or null: every site, in one request."
            ),
        ] = None,
    ) -> list[Stay]:
        problems = Problems()
        problems.window(from_, to)
        problems.carehq_id_list("locationIds", location_ids)
        problems.at_most_items("siteIds", site_ids, MAX_SITE_IDS)
        sites = [problems.bedful_id("siteIds", site) for site in (site_ids or ())[:MAX_SITE_IDS]]
        problems.raise_if_any()
        chosen = list(dict.fromkeys(systems if systems is not None else BookingSystem))
        fetches = [
            _carehq_stays(info, from_, to, location_ids, include_cancelled)
            if system is BookingSystem.CAREHQ
            else _bedful_stays(
                info, from_, to, _known(sites) if site_ids is not None else None, include_cancelled
            )
            for system in chosen
        ]
        results = await asyncio.gather(*fetches, return_exceptions=True)
        found: list[Stay] = []
        failures: list[UpstreamError] = []
        for result in results:
            if isinstance(result, UpstreamError):
                failures.append(result)
            elif isinstance(result, BaseException):
                raise result  # a bug, not an upstream failure: the usual masked error
            else:
                found.extend(result)
        if failures and len(failures) == len(chosen):
            for failure in failures[1:]:
                report_partial_failure(info, failure)
            raise failures[0]
        for failure in failures:
            report_partial_failure(info, failure)
        return sorted(found, key=_order)

    @strawberry.field(
        description=(
            "CareHQ rooms matching `filter` (archived rooms hidden unless `filter.archived` "
            "says otherwise) that no booking blocks on any night of the window: a room is "
            "free when none of its bookings that are not cancelled overlaps [`from`, `to`). "
            f"`to` must be after `from`, at most {MAX_WINDOW_DAYS} days later. In CareHQ's id "
            "order. Upstream calls: 2 CareHQ list requests made at the same time (the rooms "
            "and the window's bookings), each followed page by page at 100 per page; never "
            "one request per room. `null` with an error (`extensions.upstream: CAREHQ`) when "
            "CareHQ fails."
        )
    )
    async def available_rooms(
        self,
        info: strawberry.Info[Any, Any],
        *,
        from_: Annotated[date, strawberry.argument(name="from", description=_FROM)],
        to: Annotated[date, strawberry.argument(description=_TO)],
        filter: RoomFilterArgument = None,
    ) -> list[Room] | None:
        return await available_rooms(info, from_, to, filter)


async def _carehq_stays(
    info: strawberry.Info[Any, Any],
    start: date,
    end: date,
    locations: Sequence[str] | None,
    include_cancelled: bool,
) -> list[Stay]:
    query = BookingQuery(
        locations=tuple(locations) if locations is not None else None,
        cancelled=None if include_cancelled else YesNo.NO,
        ends_after=start,
        starts_before=end,
    )
    # `start_date` orders the list whatever the selection reads.
    fields = BOOKING_NEEDS.of(selection.current(info)) | BOOKING_NEEDS.named("startDate")
    records = await info.context.reads.carehq.all_bookings(query, fields=fields)
    bookings = [Booking.of(record) for record in records]
    await links_ahead(info, bookings, selection.current(info))
    return list(bookings)


async def _bedful_stays(
    info: strawberry.Info[Any, Any],
    start: date,
    end: date,
    sites: Sequence[int] | None,
    include_cancelled: bool,
) -> list[Stay]:
    found = await info.context.reads.bedful.overlapping(
        start, end, sites=sites, include_cancelled=include_cancelled
    )
    if found.cut_at is not None:
        report_partial_failure(
            info,
            UpstreamListIncomplete(
                f"Bedful returned {found.cut_at} bookings, the most the gateway asks for in one "
                "request (Bedful has no paging): Bedful stays may be missing. Narrow the "
                "list with `siteIds`.",
                upstream=BookingSystem.BEDFUL.value,
                limit=found.cut_at,
            ),
        )
    return [BedfulBooking.of(dated) for dated in found.bookings]


def _known(ids: Sequence[int | None]) -> list[int]:
    """The checked ids (`Problems` has refused the request if any was invalid)."""
    return [value for value in ids if value is not None]


def _order(stay: Stay) -> tuple[bool, date, int, int, str]:
    start, system = stay.start_date, stay.system
    # Bedful ids are numbers (order them as such); CareHQ's are hex strings of equal length.
    numeric = int(stay.id) if system is BookingSystem.BEDFUL else 0
    return (start is not None, start or date.min, _SYSTEM_ORDER[system], numeric, stay.id)
