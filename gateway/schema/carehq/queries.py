"""CareHQ queries: `room`, `rooms`, `booking`, `bookings`.

Arguments are checked before any upstream call. Every read goes through the read layer
(`gateway.reads.carehq`): by-id lookups are batched, so `booking(id: "a")` and `booking(id: "b")`
in one document make one CareHQ call. `rooms` and `bookings` are nullable: when CareHQ fails they
are `null` with an error, and the fields of the other system in the same document still return
their data.
"""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.schema import selection
from gateway.schema.arguments import CareHQId, Page, PerPage
from gateway.schema.carehq.ahead import links_ahead
from gateway.schema.carehq.inputs import (
    BookingFilterArgument,
    RoomFilterArgument,
    booking_query,
    room_query,
)
from gateway.schema.carehq.pages import BookingPage, RoomPage, counts
from gateway.schema.carehq.sorting import BookingSortArgument, RoomSortArgument, sort_of
from gateway.schema.carehq.types import BOOKING_NEEDS, ROOM_NEEDS, Booking, Room
from gateway.schema.validation import Problems
from gateway.upstreams.carehq import MAX_PER_PAGE

_PAGING = f"`perPage` is 1 to {MAX_PER_PAGE}; `page` counts from 1."


@strawberry.type
class CareHQQuery:
    @strawberry.field(
        description="One CareHQ room by id (archived ones too); `null` if CareHQ has no such room."
    )
    async def room(self, info: strawberry.Info[Any, Any], id: CareHQId) -> Room | None:
        problems = Problems()
        problems.carehq_id("id", id)
        problems.raise_if_any()
        fields = ROOM_NEEDS.of(selection.current(info))
        record = await info.context.reads.carehq.room(id, fields)
        return Room.of(record) if record is not None else None

    @strawberry.field(
        description=(
            "CareHQ rooms matching `filter` (archived rooms are hidden unless "
            "`filter.archived` says otherwise), in `sortBy` order, one page at a time. " + _PAGING
        )
    )
    async def rooms(
        self,
        info: strawberry.Info[Any, Any],
        filter: RoomFilterArgument = None,
        order: RoomSortArgument = None,
        page: Page = 1,
        per_page: PerPage = 10,
    ) -> RoomPage | None:
        problems = Problems()
        problems.page(page, per_page)
        query = room_query(filter, problems)
        problems.raise_if_any()
        fields = ROOM_NEEDS.of(selection.under(selection.current(info), "items"))
        result = await info.context.reads.carehq.rooms_page(
            query, fields=fields, sort=sort_of(order), page=page, per_page=per_page
        )
        return RoomPage(items=[Room.of(record) for record in result.items], **counts(result))

    @strawberry.field(description="One CareHQ booking by id; `null` if CareHQ has no such booking.")
    async def booking(self, info: strawberry.Info[Any, Any], id: CareHQId) -> Booking | None:
        problems = Problems()
        problems.carehq_id("id", id)
        problems.raise_if_any()
        fields = BOOKING_NEEDS.of(selection.current(info))
        record = await info.context.reads.carehq.booking(id, fields)
        return Booking.of(record) if record is not None else None

    @strawberry.field(
        description=(
            "CareHQ bookings matching `filter`, in `sortBy` order, one page at a time. " + _PAGING
        )
    )
    async def bookings(
        self,
        info: strawberry.Info[Any, Any],
        filter: BookingFilterArgument = None,
        order: BookingSortArgument = None,
        page: Page = 1,
        per_page: PerPage = 10,
    ) -> BookingPage | None:
        problems = Problems()
        problems.page(page, per_page)
        query = booking_query(filter, problems)
        problems.raise_if_any()
        selected = selection.current(info)
        fields = BOOKING_NEEDS.of(selection.under(selected, "items"))
        result = await info.context.reads.carehq.bookings_page(
            query, fields=fields, sort=sort_of(order), page=page, per_page=per_page
        )
        bookings = [Booking.of(r) for r in result.items]
        await links_ahead(info, bookings, selection.always_under(selected, "items"))
        return BookingPage(items=bookings, **counts(result))
