"""Bedful queries: `bedfulBooking`, `bedfulBookings`.

Bedful has no paging and no multi-id request, and allows 5 requests a second and 100 a minute per
key: every read goes through the read layer (`gateway.reads.bedful`): one call per distinct id,
concurrently, paced by the client's limiter.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from gateway.reads.bedful.loaders import BedfulFilter, Dated
from gateway.schema.arguments import BedfulId
from gateway.schema.bedful.inputs import BedfulBookingFilter
from gateway.schema.bedful.types import BedfulBooking, BedfulBookingStatus
from gateway.schema.validation import Problems
from gateway.upstreams.bedful import LIST_LIMIT


@strawberry.type
class BedfulQuery:
    @strawberry.field(description="One Bedful booking by id; `null` if Bedful has no such booking.")
    async def bedful_booking(
        self,
        info: strawberry.Info[Any, Any],
        id: BedfulId,
    ) -> BedfulBooking | None:
        problems = Problems()
        booking_id = problems.bedful_id("id", id)
        problems.raise_if_any()
        found = await info.context.reads.bedful.booking(booking_id)
        return BedfulBooking.of(found) if found is not None else None

    @strawberry.field(
        description=(
            f"Bedful bookings matching `filter`, at most `limit` (1 to {LIST_LIMIT}; Bedful's "
            "default is 500), in Bedful's order. Bedful has no paging: narrow with `filter` "
            "instead."
        )
    )
    async def bedful_bookings(
        self,
        info: strawberry.Info[Any, Any],
        filter: Annotated[
            BedfulBookingFilter | None,
            strawberry.argument(description="Only bookings matching this."),
        ] = None,
        limit: Annotated[
            int, strawberry.argument(description=f"At most this many, 1 to {LIST_LIMIT}.")
        ] = 500,
    ) -> list[BedfulBooking] | None:
        problems = Problems()
        problems.between("limit", limit, 1, LIST_LIMIT)
        filter = filter or BedfulBookingFilter()
        if filter.status is BedfulBookingStatus.OTHER:
            problems.add("status", "OTHER stands for statuses unknown to the gateway")
        where = BedfulFilter(
            id=problems.bedful_id("id", filter.id),
            user_id=problems.bedful_id("userId", filter.user_id),
            site_id=problems.bedful_id("siteId", filter.site_id),
            status=filter.status.status if filter.status is not None else None,
        )
        problems.raise_if_any()
        found = await info.context.reads.bedful.bookings(where, limit=limit)
        return [BedfulBooking.of(Dated(record, found.fetched_at)) for record in found.value]
