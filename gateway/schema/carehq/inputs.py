"""CareHQ's filters as GraphQL inputs (`RoomFilter`, `BookingFilter`), and their translation
into the CareHQ client's queries (the client owns the wire names and values), checked into
`Problems` before any upstream call.

A filter is one field on its input and one line in `room_query` (`booking_query`), side by
side in this module. Enum-valued filters take the enums of `gateway.schema.carehq.enums`
(`OTHER` refused); the orders a list can be sorted in are in `gateway.schema.carehq.sorting`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

import strawberry

from gateway.schema.carehq.enums import BookingType, CareType, FundingType, to_upstream
from gateway.schema.validation import Problems
from gateway.upstreams import carehq
from gateway.upstreams.carehq import BookingQuery, RoomQuery, YesNo, uk_local

T = TypeVar("T")


_TRI_STATE = (
    " `true`: only those that are; `false`: only those that are not; explicit `null`: both "
    "(CareHQ's `unset`); omitted: CareHQ's default"
)


@strawberry.input(description="Filters for CareHQ rooms; all given filters must match.")
class RoomFilter:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Only these room ids."
    )
    locations: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms in any of these location ids."
    )
    archived: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Archived rooms." + _TRI_STATE + " (which hides archived rooms).",
    )
    features: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms with these room-feature (group) ids."
    )
    floors: list[int] | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms on any of these floors (-1 to 4)."
    )
    funding_types: list[FundingType] | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms available for any of these funding types."
    )
    modified_after: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms modified after this time (UK time if naive)."
    )
    modified_before: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms modified before this time (UK time if naive)."
    )
    q: str | None = strawberry.field(
        default=strawberry.UNSET, description="Case-insensitive keyword matched against `nameNo`."
    )
    suitable_for: list[CareType] | None = strawberry.field(
        default=strawberry.UNSET, description="Rooms suitable for any of these types of care."
    )


@strawberry.input(description="Filters for CareHQ bookings; all given filters must match.")
class BookingFilter:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Only these booking ids."
    )
    locations: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings at any of these location ids."
    )
    rooms: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings of any of these room ids."
    )
    service_users: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings of any of these service users (residents)."
    )
    booking_types: list[BookingType] | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings of any of these kinds."
    )
    cancelled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Cancelled bookings." + _TRI_STATE + "."
    )
    check_in: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings that check in." + _TRI_STATE + "."
    )
    checkout: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings that check out." + _TRI_STATE + "."
    )
    respite: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Respite bookings." + _TRI_STATE + "."
    )
    ends_after: date | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "Bookings that end after this date, or have no end date. With `startsBefore`, "
            "selects the bookings overlapping a window."
        ),
    )
    starts_before: date | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings that start before this date."
    )
    min_rate: int | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings whose `rate` is at least this (pence)."
    )
    max_rate: int | None = strawberry.field(
        default=strawberry.UNSET, description="Bookings whose `rate` is at most this (pence)."
    )
    modified_after: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Modified after this time (UK time if naive)."
    )
    modified_before: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Modified before this time (UK time if naive)."
    )
    q: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Case-insensitive keyword matched against `notes` and `checkoutNotes`.",
    )


RoomFilterArgument = Annotated[
    RoomFilter | None, strawberry.argument(description="Only rooms matching this.")
]
BookingFilterArgument = Annotated[
    BookingFilter | None, strawberry.argument(description="Only bookings matching this.")
]


def _tri(value: bool | None) -> YesNo | None:
    if value is strawberry.UNSET:
        return None  # omitted: not sent, CareHQ's default applies
    if value is None:
        return YesNo.UNSET  # explicit null: both
    return YesNo.YES if value else YesNo.NO


def _ids(
    field: str, values: list[strawberry.ID] | None, problems: Problems
) -> tuple[str, ...] | None:
    if values is None or values is strawberry.UNSET:
        return None
    problems.carehq_id_list(field, values)
    return tuple(values)


def _uk(value: datetime | None) -> datetime | None:
    """CareHQ compares naive UK wall-clock times: convert an instant to one."""
    if value is None or value is strawberry.UNSET:
        return None
    return uk_local(value)


def _value(value: T | None) -> T | None:
    return None if value is strawberry.UNSET else value


def room_query(filter: RoomFilter | None, problems: Problems) -> RoomQuery:
    """The client query for a `RoomFilter` (checked into `problems`)."""
    if filter is None:
        return RoomQuery()
    floors = _value(filter.floors)
    for floor in floors or ():
        problems.between("floors", floor, -1, 4)
    return RoomQuery(
        ids=_ids("ids", filter.ids, problems),
        locations=_ids("locations", filter.locations, problems),
        archived=_tri(filter.archived),
        features=_ids("features", filter.features, problems),
        floors=tuple(floors) if floors is not None else None,
        funding_types=to_upstream(
            "fundingTypes", _value(filter.funding_types), carehq.FundingType, problems
        ),
        modified_after=_uk(filter.modified_after),
        modified_before=_uk(filter.modified_before),
        q=_value(filter.q),
        suitable_for=to_upstream(
            "suitableFor", _value(filter.suitable_for), carehq.CareType, problems
        ),
    )


def booking_query(filter: BookingFilter | None, problems: Problems) -> BookingQuery:
    """The client query for a `BookingFilter` (checked into `problems`)."""
    if filter is None:
        return BookingQuery()
    min_rate, max_rate = _value(filter.min_rate), _value(filter.max_rate)
    problems.at_least("minRate", min_rate, 0)
    problems.at_least("maxRate", max_rate, 0)
    if min_rate is not None and max_rate is not None and max_rate < min_rate:
        problems.add("maxRate", f"must not be less than minRate ({min_rate})")
    return BookingQuery(
        ids=_ids("ids", filter.ids, problems),
        locations=_ids("locations", filter.locations, problems),
        rooms=_ids("rooms", filter.rooms, problems),
        service_users=_ids("serviceUsers", filter.service_users, problems),
        booking_types=to_upstream(
            "bookingTypes", _value(filter.booking_types), carehq.BookingType, problems
        ),
        cancelled=_tri(filter.cancelled),
        check_in=_tri(filter.check_in),
        checkout=_tri(filter.checkout),
        respite=_tri(filter.respite),
        ends_after=_value(filter.ends_after),
        starts_before=_value(filter.starts_before),
        min_rate=min_rate,
        max_rate=max_rate,
        modified_after=_uk(filter.modified_after),
        modified_before=_uk(filter.modified_before),
        q=_value(filter.q),
    )
