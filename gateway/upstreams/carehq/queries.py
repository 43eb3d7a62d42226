"""CareHQ's list queries: the filters of `GET /v1/rooms` and `GET /v1/bookings`, in the
gateway's words (`RoomQuery`, `BookingQuery`), and how CareHQ spells each (`room_filters`,
`booking_filters`: its `filters-*` parameters). A filter is one field and one line here, side by
side; its GraphQL input is in `gateway/schema/carehq/inputs.py`, its emulation in
`gateway/sandbox/carehq/filters.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TypeVar

from gateway.upstreams.vocabulary import Vocabulary

from .models import BookingType, CareType, FundingType, YesNo
from .wire import BOOKING_TYPES, CARE_TYPES, FUNDING_TYPES, YES_NO, Pairs, format_datetime

__all__ = ["BookingQuery", "RoomQuery", "booking_filters", "room_filters"]

E = TypeVar("E", bound=Enum)


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
    funding_types: tuple[FundingType, ...] | None = None
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    q: str | None = None
    """Case-insensitive keyword, matched against the room's `name`."""
    suitable_for: tuple[CareType, ...] | None = None


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
    booking_types: tuple[BookingType, ...] | None = None
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


def _words(vocabulary: Vocabulary[E, str], values: Iterable[E] | None) -> list[str] | None:
    return None if values is None else [vocabulary.wire(value) for value in values]


class _Filters:
    """Collects `filters-*` pairs; remembers an empty list filter (it matches nothing)."""

    def __init__(self) -> None:
        self.pairs: Pairs = []
        self.matches_nothing = False

    def many(self, name: str, values: Iterable[object] | None) -> None:
        if values is None:
            return
        items = [str(v) for v in values]
        if not items:
            self.matches_nothing = True
        self.pairs += [(f"filters-{name}", v) for v in items]

    def one(self, name: str, value: object) -> None:
        if value is None:
            return
        if isinstance(value, YesNo):
            text = YES_NO.wire(value)
        elif isinstance(value, datetime):
            text = format_datetime(value)
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = str(value)
        self.pairs.append((f"filters-{name}", text))


def room_filters(query: RoomQuery) -> Pairs | None:
    """The query's parameters, or None when it can match no room."""
    f = _Filters()
    f.many("ids", query.ids)
    f.many("location", query.locations)
    f.one("archived", query.archived)
    f.many("features", query.features)
    f.many("floor", query.floors)
    f.many("funding_types", _words(FUNDING_TYPES, query.funding_types))
    f.one("modified_after", query.modified_after)
    f.one("modified_before", query.modified_before)
    f.one("q", query.q)
    f.many("suitable_for", _words(CARE_TYPES, query.suitable_for))
    return None if f.matches_nothing else f.pairs


def booking_filters(query: BookingQuery) -> Pairs | None:
    """The query's parameters, or None when it can match no booking."""
    f = _Filters()
    f.many("ids", query.ids)
    f.many("location", query.locations)
    f.many("room", query.rooms)
    f.many("service_user", query.service_users)
    f.many("booking_type", _words(BOOKING_TYPES, query.booking_types))
    f.one("cancelled", query.cancelled)
    f.one("check_in", query.check_in)
    f.one("checkout", query.checkout)
    f.one("respite", query.respite)
    # CareHQ's two date filters are named after the field they bound, not the test they make.
    f.one("start_date", query.ends_after)  # keeps bookings that END after D (or never end)
    f.one("end_date", query.starts_before)  # keeps bookings that START before D
    f.one("min_rate", query.min_rate)
    f.one("max_rate", query.max_rate)
    f.one("modified_after", query.modified_after)
    f.one("modified_before", query.modified_before)
    f.one("q", query.q)
    return None if f.matches_nothing else f.pairs
