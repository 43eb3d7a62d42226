"""`availableRooms`: CareHQ rooms that no booking blocks during a window.

CareHQ has no availability endpoint, so the gateway joins two lists it asks for at the same
time: the rooms matching the filter, and the bookings overlapping the window that are not
cancelled (only their `room` attribute). A room is free when no such booking names it. The call
count depends on how many rooms and bookings there are (one request per 100 of each), never on
a request per room.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import strawberry

from gateway.schema import selection
from gateway.schema.carehq.inputs import RoomFilter, room_query
from gateway.schema.carehq.types import BOOKING_NEEDS, ROOM_NEEDS, Room
from gateway.schema.validation import Problems
from gateway.upstreams.carehq import BookingQuery, YesNo


async def available_rooms(
    info: strawberry.Info[Any, Any], start: date, end: date, filter: RoomFilter | None
) -> list[Room]:
    """The rooms matching `filter` that are free every night of [start, end)."""
    problems = Problems()
    problems.window(start, end)
    rooms_query = room_query(filter, problems)
    problems.raise_if_any()
    # Bookings of rooms the filter excludes cannot matter: narrow by what both lists share.
    bookings_query = BookingQuery(
        rooms=rooms_query.ids,
        locations=rooms_query.locations,
        cancelled=YesNo.NO,
        ends_after=start,
        starts_before=end,
    )
    fields = ROOM_NEEDS.of(selection.current(info))
    carehq = info.context.reads.carehq
    rooms, bookings = await asyncio.gather(
        carehq.all_rooms(rooms_query, fields=fields),
        carehq.all_bookings(bookings_query, fields=BOOKING_NEEDS.named("roomId")),
    )
    taken = {booking.room for booking in bookings}
    return [Room.of(room) for room in rooms if room.id not in taken]
