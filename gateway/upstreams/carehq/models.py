"""CareHQ's records and queries as typed values (re-exported by `gateway.upstreams.carehq`).

Units and time: money is integer pence; dates are `datetime.date`; CareHQ's date-times
("YYYY-MM-DD HH:MM:SS", no zone) are NAIVE `datetime`s in UK local time (Europe/London).
Enumeration-like values (`booking_type`, `rate_period`, `funding_types`, ...) stay plain `str`:
CareHQ adds values over time and an unknown one must not break a response.

Records carry only what was asked for: an attribute not requested from the upstream is None
(`id` is always present).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from typing import Generic, TypeVar

__all__ = [
    "BOOKING_FIELDS",
    "ROOM_FIELDS",
    "BookingQuery",
    "BookingSortKey",
    "CareHQBooking",
    "CareHQRoom",
    "NewCareHQBooking",
    "Page",
    "RoomQuery",
    "RoomRate",
    "RoomSortKey",
    "Sort",
    "YesNo",
]

T = TypeVar("T")
K = TypeVar("K", bound=Enum)


class YesNo(Enum):
    """A tri-state list filter. UNSET explicitly asks for both; a None filter is not sent at all
    (CareHQ then applies its own default, e.g. `archived`: no)."""

    YES = "yes"
    NO = "no"
    UNSET = "unset"


@dataclass(frozen=True, slots=True)
class RoomRate:
    """A room's price for one room-rate type (CareHQ resource `room-rate-types`), in pence."""

    rate_type_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class CareHQRoom:
    id: str
    archived: bool | None = None
    created: datetime | None = None
    features: tuple[str, ...] | None = None
    """Ids of CareHQ `groups` of type `room_feature`."""
    floor: int | None = None
    funding_types: tuple[str, ...] | None = None
    location: str | None = None
    modified: datetime | None = None
    name_no: str | None = None
    rates: tuple[RoomRate, ...] | None = None
    suitable_for: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CareHQBooking:
    id: str
    booking_type: str | None = None
    cancelled: datetime | None = None
    """When the booking was cancelled (UK local time); None if it is not (or not requested)."""
    check_in: bool | None = None
    checkout: bool | None = None
    checkout_notes: str | None = None
    created: datetime | None = None
    end_date: date | None = None
    """None also when the booking is open-ended (no end date)."""
    location: str | None = None
    modified: datetime | None = None
    notes: str | None = None
    proposed_checkout_date: date | None = None
    rate: int | None = None
    """Pence per `rate_period`."""
    rate_period: str | None = None
    reason_for_checkout: str | None = None
    respite: bool | None = None
    room: str | None = None
    service_user: str | None = None
    start_date: date | None = None


ROOM_FIELDS: frozenset[str] = frozenset(f.name for f in fields(CareHQRoom))
"""The `CareHQRoom` attributes a caller may ask for (`fields=`)."""
BOOKING_FIELDS: frozenset[str] = frozenset(f.name for f in fields(CareHQBooking))
"""The `CareHQBooking` attributes a caller may ask for (`fields=`)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a CareHQ list; `page` counts from 1, `item_count` is over all pages."""

    items: tuple[T, ...]
    item_count: int
    page: int
    page_count: int
    per_page: int


class RoomSortKey(Enum):
    ID = "_id"
    CREATED = "created"
    FLOOR = "floor"
    MODIFIED = "modified"
    NAME_NO = "name_no"


class BookingSortKey(Enum):
    ID = "_id"
    CREATED = "created"
    END_DATE = "end_date"
    MODIFIED = "modified"
    START_DATE = "start_date"


@dataclass(frozen=True)
class Sort(Generic[K]):
    key: K
    descending: bool = False


@dataclass(frozen=True)
class RoomQuery:
    """Room filters; None = not sent. An EMPTY tuple matches nothing (no upstream call is made).

    Hashable (tuples only), so loaders can batch by it. Date-times are naive UK local time.
    """

    ids: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    archived: YesNo | None = None
    features: tuple[str, ...] | None = None
    floors: tuple[int, ...] | None = None
    funding_types: tuple[str, ...] | None = None
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    q: str | None = None
    """Case-insensitive keyword, matched against `name_no`."""
    suitable_for: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BookingQuery:
    """Booking filters; None = not sent. An EMPTY tuple matches nothing (no upstream call).

    `ends_after` and `starts_before` together select the bookings overlapping a window.
    Rates are pence. Hashable, so loaders can batch by it.
    """

    ids: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    rooms: tuple[str, ...] | None = None
    service_users: tuple[str, ...] | None = None
    booking_types: tuple[str, ...] | None = None
    cancelled: YesNo | None = None
    check_in: YesNo | None = None
    checkout: YesNo | None = None
    respite: YesNo | None = None
    ends_after: date | None = None
    """Bookings that end after this date, or have no end date."""
    starts_before: date | None = None
    """Bookings that start before this date."""
    min_rate: int | None = None
    max_rate: int | None = None
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    q: str | None = None
    """Case-insensitive keyword, matched against `notes` and `checkout_notes`."""


@dataclass(frozen=True)
class NewCareHQBooking:
    """A booking to create. `rate` is pence per `rate_period` ("daily" / "weekly");
    `booking_type` can only be "service_user" today. None = not sent (CareHQ's default)."""

    room: str
    service_user: str
    rate: int
    rate_period: str
    booking_type: str = "service_user"
    start_date: date | None = None
    end_date: date | None = None
    proposed_checkout_date: date | None = None
    check_in: bool | None = None
    checkout: bool | None = None
    respite: bool | None = None
    notes: str | None = None
    checkout_notes: str | None = None
    reason_for_checkout: str | None = None
