"""Links of a list loaded before graphql-core completes the list, so each link is a value.

graphql-core completes a field whose resolver returns an awaitable with an asyncio task and a
few coroutines of its own, per object: on a page of 100 bookings with their rooms, that was
about half of the request's CPU. The resolver of the list, which has the objects and the
selection, loads their links at once instead, and each object's link resolver then returns
what was loaded. The loads are the ones the link resolvers would have made (the same keys of
the same per-request loader, in the same batch), so the upstream calls are the same; a load
that fails fails each link that needed it, with the same error, as it would have.

Only links that every object will resolve, whatever the variables, are loaded ahead: under a
`@skip` or `@include`, the link is left to its own resolver, as loading it could make a call
for a field that is not in the answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import strawberry
from strawberry.types.nodes import Selection

from gateway.schema import selection
from gateway.schema.carehq.types import ROOM_NEEDS, Booking, RoomAhead


async def rooms_ahead(
    info: strawberry.Info[Any, Any],
    bookings: Sequence[Booking],
    selections: Iterable[Selection] | None,
) -> None:
    """Loads the rooms of `bookings` when `selections`, what is selected on each of them, read
    `room` whatever the variables (None: the bookings themselves may be left out, see
    `selection.always_under`). Returns once every load is done, failed ones too."""
    rooms = selection.always_under(selections, "room") if selections is not None else None
    room_ids = list(dict.fromkeys(b.record.room for b in bookings if b.record.room))
    if rooms is None or not room_ids or _other_links(selections or ()):
        return
    fields = ROOM_NEEDS.of(rooms)
    carehq = info.context.reads.carehq
    aheads = {room_id: RoomAhead(carehq.room_load(room_id, fields)) for room_id in room_ids}
    for booking in bookings:
        if booking.record.room:
            booking.room_ahead = aheads[booking.record.room]
    # Futures, not coroutines: no task each. A failure stays in its load for `Booking.room`.
    await asyncio.gather(*(ahead.load for ahead in aheads.values()), return_exceptions=True)


# The other fields of a booking that load its room (`Stay.bookedUnits`). Their loads and the
# `room` loads of a list share one batch: loading only the rooms ahead would split it in two.
_OTHER_ROOM_LINKS = ("bookedUnits",)


def _other_links(selections: Iterable[Selection]) -> bool:
    return any(selection.under(selections, name) for name in _OTHER_ROOM_LINKS)
