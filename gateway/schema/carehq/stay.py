"""A CareHQ booking as a `Stay`: what each field of the interface shows for it, and which of
the booking's attributes that field reads.

`Booking` implements `Stay` (`gateway.schema.stays.types`): `Booking.of` sets the `Stay` fields
from the client's record alone, its price worked out here; `STAY_READS` is its declaration of
what the `Stay` fields read (`gateway.schema.selection`), so a `stays` list asks CareHQ for no
more than those fields need. A booking's units (`bookedUnits`) load its room, so they stay with
`Booking`'s links.

Prices: CareHQ charges `rate` pence per day or per week; a stay occupies the nights from
`start_date` up to, not including, `end_date` (an assumption, listed in the README), so its
`totalPrice` is the rate over those nights in GBP, half up to the penny.
"""

from __future__ import annotations

from gateway.schema.carehq.enums import RatePeriod, from_upstream
from gateway.schema.selection import reads
from gateway.schema.stays.types import Money
from gateway.upstreams.carehq import CareHQBooking

STAY_READS = {
    "id": reads("id"),
    "system": reads(),
    "isCancelled": reads("cancelled"),
    "blocksAvailability": reads("cancelled"),
    "totalPrice": reads("rate", "rate_period", "start_date", "end_date"),
    "guestName": reads(),
    "placeId": reads("location"),
    "bookedUnits": reads("room"),
}
"""The `Stay` fields, declared on the interface for both systems, as a CareHQ booking has them:
GraphQL field name -> the record attributes it reads (`inherited` of `BOOKING_NEEDS`)."""


def total_price(record: CareHQBooking) -> Money | None:
    """The rate over the nights [start_date, end_date), half up to the penny; None if unknown."""
    if record.start_date is None or record.end_date is None or record.rate is None:
        return None
    nights = (record.end_date - record.start_date).days
    if nights < 0:
        return None
    period = from_upstream(RatePeriod, record.rate_period)
    if period is RatePeriod.DAILY:
        return Money(amount=record.rate * nights, currency="GBP")
    if period is RatePeriod.WEEKLY:
        return Money(amount=(record.rate * nights * 2 + 7) // 14, currency="GBP")
    return None
