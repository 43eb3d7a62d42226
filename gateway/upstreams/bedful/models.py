"""Bedful's booking records as typed values (re-exported by `gateway.upstreams.bedful`).

Date-times are timezone-aware UTC; Bedful's zero time ("no date") is None. Money is integer
minor units (cents/pence) of the booking's currency; `currency_rate` converts to GBP. The wire
form (JSON in and out) is in `wire`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import auto

from gateway.upstreams.vocabulary import Word

__all__ = [
    "BLOCKING_STATUSES",
    "BedfulBooking",
    "BedfulBookingChanges",
    "BedfulExtra",
    "BedfulItem",
    "BedfulStatus",
    "BedfulUnit",
    "NewBedfulBooking",
]


class BedfulStatus(Word):
    """The documented booking statuses (Bedful's codes for them are in `bedful_wire`). OTHER
    stands for a status Bedful added after this gateway was built: it does not break parsing,
    and the record keeps Bedful's code (`status_code`). OTHER is never sent."""

    NONE = auto()
    INCOMPLETE = auto()
    PROVISIONAL = auto()
    CANCELLED = auto()
    UNAVAILABLE = auto()  # an "unavailable period" is a booking with this status
    FAILED = auto()
    CONFIRMED = auto()
    OTHER = auto()


BLOCKING_STATUSES: frozenset[BedfulStatus] = frozenset(
    {BedfulStatus.PROVISIONAL, BedfulStatus.UNAVAILABLE, BedfulStatus.CONFIRMED}
)
"""Statuses that make the booked units unavailable for the booking's nights."""


@dataclass(frozen=True, slots=True)
class BedfulItem:
    """Links one unit to the booking, with that unit's prices (minor units)."""

    id: int
    unit_id: int
    booking_id: int
    accommodation_price: int
    people_price: int
    rates: str
    ages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BedfulUnit:
    id: int
    name: str | None


@dataclass(frozen=True, slots=True)
class BedfulExtra:
    """An extra chosen on booking. Bedful does not publish its shape: only `id` is relied on."""

    id: int
    name: str | None = None
    quantity: int | None = None
    price: int | None = None


@dataclass(frozen=True, slots=True)
class BedfulBooking:
    id: int
    parent_id: int
    site_id: int
    user_id: int
    channel_id: int
    status: BedfulStatus
    """OTHER for a status newer than this code (`status_code` has it)."""
    status_code: int
    """The status as Bedful sent it."""
    created: datetime | None
    modified: datetime | None
    arrival: datetime | None
    """Midnight UTC of the arrival day."""
    departure: datetime | None
    """Midnight UTC of the departure day (exclusive: the last night is the day before)."""
    expires: datetime | None
    name: str
    email: str
    telephone: str
    address: str
    postal_code: str
    country: str
    adults: int
    children: int
    child_count: int
    ages: tuple[int, ...]
    paid: int
    price: int
    """Total price, minor units of `currency_id`."""
    units_price: int
    extras_price: int
    discount_amount: int
    security_deposit_amount: int
    summary: str
    campsite_reference: str
    marketing_subscribe: bool
    currency_id: int
    currency_rate: float
    """Multiply a price by this to get GBP (a conversion rate, hence a float)."""
    items: tuple[BedfulItem, ...]
    units: tuple[BedfulUnit, ...]
    extras: tuple[BedfulExtra, ...]
    commission: int | None = None
    commission_net: int | None = None
    fees: int | None = None

    @property
    def blocks_availability(self) -> bool:
        return self.status in BLOCKING_STATUSES


@dataclass(frozen=True)
class NewBedfulBooking:
    """A booking to create on our channel, from the `arrival` day up to (not including) the
    `departure` day; None = not sent (Bedful's default)."""

    name: str
    site_id: int
    arrival: date
    departure: date
    units: tuple[int, ...]
    email: str | None = None
    telephone: str | None = None
    address: str | None = None
    postal_code: str | None = None
    country: str | None = None
    adults: int | None = None
    children: int | None = None
    ages: tuple[int, ...] | None = None
    status: BedfulStatus | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class BedfulBookingChanges:
    """A partial update: None = leave unchanged. To clear a text field, send ""."""

    name: str | None = None
    site_id: int | None = None
    arrival: date | None = None
    departure: date | None = None
    units: tuple[int, ...] | None = None
    email: str | None = None
    telephone: str | None = None
    address: str | None = None
    postal_code: str | None = None
    country: str | None = None
    adults: int | None = None
    children: int | None = None
    ages: tuple[int, ...] | None = None
    status: BedfulStatus | None = None
    user_id: int | None = None
