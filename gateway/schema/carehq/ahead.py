"""Links of a list loaded before graphql-core completes the list, so each link is a value.

graphql-core completes a field whose resolver returns an awaitable with an asyncio task and a
few coroutines of its own, per object: on a page of 100 bookings with their rooms, that was
about half of the request's CPU. The resolver of the list, which has the objects and the
selection, loads their links at once instead, and each object's link resolver then returns
what was loaded. The loads are the ones the link resolvers would have made (the same keys of
the same per-request loader, in the same batch), so the upstream calls are the same; a load
that fails fails each link that needed it, with the same error, as it would have.

A booking's links that load its room (`room`, and `bookedUnits` for the room's name) share
one batch, so they are loaded ahead together or not at all: when any of them may be left out
(`@skip`, `@include`), every one is left to its own resolver, as loading a field that is not
in the answer could make a call, and loading only the others would split their batch in two.

What a booking is given is a `RoomAhead`, defined here beside the code that fills it in;
`gateway.schema.carehq.types` refers to it lazily (`strawberry.lazy`), as this module imports
that one.
"""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import Iterable, Sequence
from typing import Any

import strawberry
from strawberry.types.nodes import Selection

from gateway.reads import CareHQReads
from gateway.schema import selection
from gateway.schema.carehq.types import BOOKING_NEEDS, ROOM_NEEDS, Booking, Room
from gateway.upstreams.carehq import CareHQRoom


async def links_ahead(
    info: strawberry.Info[Any, Any],
    bookings: Sequence[Booking],
    selections: Iterable[Selection] | None,
) -> None:
    """Loads the rooms of `bookings` that `selections`, what is selected on each of them (or on
    each item of a list of `Stay`s they are in), read whatever the variables (None: the
    bookings themselves may be left out, see `selection.always_under`). Returns once every
    load is done, failed ones too."""
    if selections is None:
        return
    rooms = selection.always_under(selections, "room", BOOKING_NEEDS.type_names)
    units = selection.always_under(selections, "bookedUnits", BOOKING_NEEDS.type_names)
    if rooms is None or units is None or not (rooms or units):
        return
    room_ids = list(dict.fromkeys(b.record.room for b in bookings if b.record.room))
    if not room_ids:
        return
    carehq = info.context.reads.carehq
    room_loads = _loads(carehq, room_ids, ROOM_NEEDS.of(rooms)) if rooms else {}
    unit_loads = _loads(carehq, room_ids, ROOM_NEEDS.named("nameNo")) if units else {}
    for booking in bookings:
        if booking.record.room:
            booking.room_ahead = room_loads.get(booking.record.room)
            booking.units_ahead = unit_loads.get(booking.record.room)
    # Futures, not coroutines: no task each. A failure stays in its load for the resolvers.
    loads = (ahead.load for ahead in (*room_loads.values(), *unit_loads.values()))
    await asyncio.gather(*loads, return_exceptions=True)


def _loads(
    carehq: CareHQReads, room_ids: list[str], fields: frozenset[str]
) -> dict[str, RoomAhead]:
    return {room_id: RoomAhead(carehq.room_load(room_id, fields)) for room_id in room_ids}


class RoomAhead:
    """A booking's room, loaded by the list the booking is on before graphql-core completes it
    (`links_ahead`), with what every `room` under that list selects. One per room, shared by
    the bookings of the list in that room (`Booking.room_ahead`, `Booking.units_ahead`)."""

    __slots__ = ("_room", "load")

    def __init__(self, load: Future[CareHQRoom | None]) -> None:
        self.load = load
        self._room: Room | None = None

    def room(self) -> Room | None:
        """The room (None: CareHQ has no such room), once the load is done. A failed load
        raises its error here, for each booking, as it did when each booking awaited it."""
        record = self.load.result()
        if self._room is None and record is not None:
            self._room = Room.of(record)
        return self._room
