"""Finding the booking a CareHQ create of unknown outcome may have made.

A create that timed out or lost its connection after the request left (`WriteOutcomeUnknown`)
may or may not have booked. Before trying again, the idempotent-create machinery
(`gateway.idempotency`) asks `find_created`: CareHQ lists the room's bookings for the resident,
changed since shortly before the attempt, and the one that carries every value the create sent
is the one it made.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from .client import MAX_PER_PAGE, CareHQClient
from .models import (
    BOOKING_FIELDS,
    UK,
    BookingSortKey,
    CareHQBooking,
    NewCareHQBooking,
    Sort,
)
from .queries import BookingQuery

__all__ = ["CLOCK_SLACK_SECONDS", "find_created"]

CLOCK_SLACK_SECONDS = 300
"""How far CareHQ's clock (and its one-second timestamps) may be behind ours when a create of
unknown outcome is looked up: bookings created this long before the attempt still count."""


async def find_created(
    client: CareHQClient, new: NewCareHQBooking, attempted_at: float
) -> CareHQBooking | None:
    """The booking a create of unknown outcome (sent at `attempted_at`, epoch seconds) made,
    if CareHQ has it: the room's bookings for this resident created since shortly before the
    attempt that match every value the create sent; the earliest when several do."""
    since = datetime.fromtimestamp(attempted_at - CLOCK_SLACK_SECONDS, UK).replace(tzinfo=None)
    query = BookingQuery(rooms=(new.room,), service_users=(new.service_user,), modified_after=since)
    page = await client.list_bookings(
        query,
        fields=BOOKING_FIELDS,
        sort=(Sort(BookingSortKey.CREATED),),
        per_page=MAX_PER_PAGE,
    )
    for booking in page.items:
        if booking.created is not None and booking.created >= since and _matches(booking, new):
            return booking
    return None


_COMPARED = tuple(field.name for field in dataclasses.fields(NewCareHQBooking))


def _matches(booking: CareHQBooking, new: NewCareHQBooking) -> bool:
    """Every value the create sent (None: not sent, CareHQ's default applies) is the booking's."""
    return all(
        getattr(new, name) is None or getattr(new, name) == getattr(booking, name)
        for name in _COMPARED
    )
