"""CareHQ's records and queries as typed values (re-exported by `gateway.upstreams.carehq`).

Units and time: money is integer pence; dates are `datetime.date`; CareHQ's date-times
("YYYY-MM-DD HH:MM:SS", no zone) are NAIVE `datetime`s in UK local time (`UK`).

These are the gateway's words, not CareHQ's: attribute and member names are ours, and
`carehq_wire` alone knows how CareHQ spells each of them. Enumerations carry an `OTHER` member:
CareHQ adds values over time, and one this gateway does not know yet is read as `OTHER` instead
of breaking the response (it is never sent).

Records carry only what was asked for: an attribute not requested from the upstream is None
(`id` is always present).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum, auto
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from gateway.upstreams.vocabulary import Word

__all__ = [
    "BOOKING_FIELDS",
    "ROOM_FIELDS",
    "UK",
    "BookingSortKey",
    "BookingType",
    "CareHQBooking",
    "CareHQRoom",
    "CareType",
    "FundingType",
    "NewCareHQBooking",
    "Page",
    "RatePeriod",
    "RoomRate",
    "RoomSortKey",
    "Sort",
    "YesNo",
    "uk_local",
]

T = TypeVar("T")
K = TypeVar("K", bound=Enum)


UK = ZoneInfo("Europe/London")
"""CareHQ's date-times carry no zone: they are UK local time."""


def uk_local(value: datetime) -> datetime:
    """`value` as CareHQ compares it: a naive UK wall-clock time (an aware value is converted,
    a naive one is taken to be UK time already)."""
    return value.astimezone(UK).replace(tzinfo=None) if value.tzinfo is not None else value


class YesNo(Word):
    """A tri-state list filter. UNSET explicitly asks for both; a None filter is not sent at all
    (CareHQ then applies its own default, e.g. `archived`: no)."""

    YES = auto()
    NO = auto()
    UNSET = auto()


class BookingType(Word):
    """The kind of a booking."""

    SERVICE_USER = auto()
    BLOCK_CONTRACT = auto()
    OUT_OF_SERVICE = auto()
    OTHER = auto()


class RatePeriod(Word):
    """What a booking's `rate` is charged per."""

    DAILY = auto()
    WEEKLY = auto()
    OTHER = auto()


class FundingType(Word):
    """A funding type a room is available for."""

    PRIVATE = auto()
    LOCAL_AUTHORITY = auto()
    LOCAL_AUTHORITY_TOP_UP = auto()
    CHC = auto()
    CHC_LIFESTYLE = auto()
    BLOCK_BED = auto()
    DTA_SPOT = auto()
    OTHER = auto()


class CareType(Word):
    """A type of care a room is suitable for."""

    BARIATRIC_CARE = auto()
    LEARNING_DISABILITY_CARE = auto()
    RESIDENTIAL = auto()
    RESIDENTIAL_DEMENTIA = auto()
    NURSING = auto()
    NURSING_DEMENTIA = auto()
    OTHER = auto()


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
    funding_types: tuple[FundingType, ...] | None = None
    location: str | None = None
    modified: datetime | None = None
    name: str | None = None
    """The room's name or number, e.g. `01`."""
    rates: tuple[RoomRate, ...] | None = None
    suitable_for: tuple[CareType, ...] | None = None


@dataclass(frozen=True, slots=True)
class CareHQBooking:
    id: str
    booking_type: BookingType | None = None
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
    rate_period: RatePeriod | None = None
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


class RoomSortKey(Word):
    ID = auto()
    CREATED = auto()
    FLOOR = auto()
    MODIFIED = auto()
    NAME = auto()


class BookingSortKey(Word):
    ID = auto()
    CREATED = auto()
    END_DATE = auto()
    MODIFIED = auto()
    START_DATE = auto()


@dataclass(frozen=True)
class Sort(Generic[K]):
    key: K
    descending: bool = False


@dataclass(frozen=True)
class NewCareHQBooking:
    """A booking to create. `rate` is pence per `rate_period` (not OTHER); `booking_type` can
    only be SERVICE_USER today. None = not sent (CareHQ's default)."""

    room: str
    service_user: str
    rate: int
    rate_period: RatePeriod
    booking_type: BookingType = BookingType.SERVICE_USER
    start_date: date | None = None
    end_date: date | None = None
    proposed_checkout_date: date | None = None
    check_in: bool | None = None
    checkout: bool | None = None
    respite: bool | None = None
    notes: str | None = None
    checkout_notes: str | None = None
    reason_for_checkout: str | None = None
