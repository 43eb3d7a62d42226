"""A CareHQ booking as a `Stay`: what each field of the interface shows for it, and which of
the booking's attributes that field reads.

`Booking` implements `Stay` (`gateway.schema.stays.types`) through `stay_view`, computed here
from the client's record alone; `STAY_READS` is its declaration of what the `Stay` fields read
(`gateway.schema.selection`), so a `stays` list asks CareHQ for no more than those fields need.
A booking's units (`bookedUnits`) load its room, so they stay with `Booking`'s links.

Prices: CareHQ charges `rate` pence per day or per week; a stay occupies the nights from
`start_date` up to, not including, `end_date` (an assumption, listed in the README), so its
`totalPrice` is the rate over those nights in GBP, half up to the penny.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.schema.carehq.enums import RatePeriod, from_upstream
from gateway.schema.selection import reads
from gateway.schema.stays.types import BookingSystem, Money, StayView
from gateway.upstreams.carehq import CareHQBooking

if TYPE_CHECKING:
    from gateway.schema.carehq.types import Booking

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


def stay_view(booking: Booking) -> StayView:
    """What the `Stay` fields of a CareHQ booking show: `Booking.stay_view` itself (not a
    method calling this one: the `Stay` fields of a `stays` list call it once each, and so does
    the list's ordering). Built the first time and kept on the booking (`Booking.view`): the
    record it is built from is frozen, so every later call gets the same view."""
    view = booking.view
    if view is None:
        view = booking.view = _view(booking.record)
    return view


def _view(record: CareHQBooking) -> StayView:
    return StayView(
        system=BookingSystem.CAREHQ,
        start_date=record.start_date,
        end_date=record.end_date,
        is_cancelled=record.cancelled is not None,
        blocks_availability=record.cancelled is None,
        total_price=total_price(record),
        guest_name=None,
        place_id=record.location,
    )


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
