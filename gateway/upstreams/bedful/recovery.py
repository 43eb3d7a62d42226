"""Finding the booking a Bedful create of unknown outcome may have made.

A create that timed out or lost its connection after the request left (`WriteOutcomeUnknown`)
may or may not have booked. Before trying again, the idempotent-create machinery
(`gateway.idempotency`) asks `find_created`: Bedful lists the site's (and user's) bookings, and
one created since shortly before the attempt with the same guest, days, units and every other
value the create sent is the one it made. Bedful has no paging and no sort parameter, so the
list asks for up to `LIST_LIMIT` bookings.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .client import LIST_LIMIT, BedfulClient
from .models import BedfulBooking, NewBedfulBooking

__all__ = ["CLOCK_SLACK_SECONDS", "find_created"]

CLOCK_SLACK_SECONDS = 300
"""How far Bedful's clock may be behind ours when a create of unknown outcome is looked up."""


async def find_created(
    client: BedfulClient, new: NewBedfulBooking, attempted_at: float
) -> BedfulBooking | None:
    """The booking a create of unknown outcome (sent at `attempted_at`, epoch seconds) made, if
    Bedful has it: the site's (and user's) bookings created since shortly before the attempt
    with the same guest name, days and units, and every other value the create sent; the
    earliest when several match."""
    since = datetime.fromtimestamp(attempted_at - CLOCK_SLACK_SECONDS, UTC)
    records = await client.list_bookings(
        site_id=new.site_id, user_id=new.user_id, status=new.status, limit=LIST_LIMIT
    )
    found = [
        (record.created, record.id, record)
        for record in records
        if record.created is not None and record.created >= since and _matches(record, new)
    ]
    return min(found, key=lambda match: match[:2], default=(None, None, None))[2]


_OPTIONAL = ("email", "telephone", "address", "postal_code", "country", "adults", "children")


def _matches(record: BedfulBooking, new: NewBedfulBooking) -> bool:
    days = (
        record.arrival is not None
        and record.departure is not None
        and record.arrival.date() == new.arrival
        and record.departure.date() == new.departure
    )
    return (
        days
        and record.name.strip() == new.name.strip()
        and {unit.id for unit in record.units} == set(new.units)
        and (new.ages is None or record.ages == new.ages)
        and all(
            getattr(new, name) is None or getattr(new, name) == getattr(record, name)
            for name in _OPTIONAL
        )
    )
