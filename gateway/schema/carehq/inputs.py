"""CareHQ's enumerations, filters and sort orders as GraphQL types, and their translation into
the CareHQ client's queries (the client owns the wire names and values).

Each enum's values are the members of the client's enumeration of the same name
(`gateway.upstreams.carehq`), which the client alone maps to CareHQ's strings. They carry an
`OTHER` member: CareHQ adds values over time (new care types have appeared in its docs), and a
value this gateway does not know yet is shown as `OTHER` instead of failing the response.
`OTHER` is refused as a filter or input value.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry

from gateway.schema.validation import Problems
from gateway.upstreams import carehq
from gateway.upstreams.carehq import (
    BookingQuery,
    BookingSortKey,
    RoomQuery,
    RoomSortKey,
    Sort,
    YesNo,
    uk_local,
)

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Enum)
T = TypeVar("T")

_OTHER = "A value CareHQ added after this gateway was built. Not accepted as input."


@strawberry.enum(description="The kind of a CareHQ booking.")
class BookingType(Enum):
    SERVICE_USER = strawberry.enum_value(
        carehq.BookingType.SERVICE_USER, description="A resident's stay."
    )
    BLOCK_CONTRACT = strawberry.enum_value(
        carehq.BookingType.BLOCK_CONTRACT, description="A block contract bed."
    )
    OUT_OF_SERVICE = strawberry.enum_value(
        carehq.BookingType.OUT_OF_SERVICE,
        description="The room is out of service (see `notes` for why).",
    )
    OTHER = strawberry.enum_value(carehq.BookingType.OTHER, description=_OTHER)


@strawberry.enum(description="The period a CareHQ booking's `rate` is charged over.")
class RatePeriod(Enum):
    DAILY = strawberry.enum_value(carehq.RatePeriod.DAILY, description="`rate` is pence per night.")
    WEEKLY = strawberry.enum_value(
        carehq.RatePeriod.WEEKLY, description="`rate` is pence per week (7 nights)."
    )
    OTHER = strawberry.enum_value(carehq.RatePeriod.OTHER, description=_OTHER)


@strawberry.enum(description="A funding type a CareHQ room is available for.")
class FundingType(Enum):
    PRIVATE = strawberry.enum_value(carehq.FundingType.PRIVATE, description="Privately funded.")
    LOCAL_AUTHORITY = strawberry.enum_value(
        carehq.FundingType.LOCAL_AUTHORITY, description="Funded by a local authority."
    )
    LOCAL_AUTHORITY_TOP_UP = strawberry.enum_value(
        carehq.FundingType.LOCAL_AUTHORITY_TOP_UP,
        description="Funded by a local authority, with a top-up.",
    )
    CHC = strawberry.enum_value(carehq.FundingType.CHC, description="NHS Continuing Healthcare.")
    CHC_LIFESTYLE = strawberry.enum_value(
        carehq.FundingType.CHC_LIFESTYLE, description="NHS Continuing Healthcare, lifestyle."
    )
    BLOCK_BED = strawberry.enum_value(
        carehq.FundingType.BLOCK_BED, description="A block-booked bed."
    )
    DTA_SPOT = strawberry.enum_value(
        carehq.FundingType.DTA_SPOT, description="A discharge-to-assess (DTA) spot bed."
    )
    OTHER = strawberry.enum_value(carehq.FundingType.OTHER, description=_OTHER)


@strawberry.enum(description="A type of care a CareHQ room is suitable for.")
class CareType(Enum):
    BARIATRIC_CARE = strawberry.enum_value(
        carehq.CareType.BARIATRIC_CARE, description="Bariatric care."
    )
    LEARNING_DISABILITY_CARE = strawberry.enum_value(
        carehq.CareType.LEARNING_DISABILITY_CARE,
        description="Care for residents with learning disabilities.",
    )
    RESIDENTIAL = strawberry.enum_value(
        carehq.CareType.RESIDENTIAL, description="Residential care."
    )
    RESIDENTIAL_DEMENTIA = strawberry.enum_value(
        carehq.CareType.RESIDENTIAL_DEMENTIA,
        description="Residential care for residents living with dementia.",
    )
    NURSING = strawberry.enum_value(carehq.CareType.NURSING, description="Nursing care.")
    NURSING_DEMENTIA = strawberry.enum_value(
        carehq.CareType.NURSING_DEMENTIA,
        description="Nursing care for residents living with dementia.",
    )
    OTHER = strawberry.enum_value(carehq.CareType.OTHER, description=_OTHER)


def _sort(key: RoomSortKey | BookingSortKey, descending: bool, what: str) -> Any:
    order = "descending" if descending else "ascending"
    return strawberry.enum_value((key, descending), description=f"By {what}, {order}.")


@strawberry.enum(description="Orders for `rooms`; `_DESC` sorts descending. Default: `ID`.")
class RoomSort(Enum):
    ID = _sort(RoomSortKey.ID, False, "id")
    ID_DESC = _sort(RoomSortKey.ID, True, "id")
    CREATED = _sort(RoomSortKey.CREATED, False, "creation time")
    CREATED_DESC = _sort(RoomSortKey.CREATED, True, "creation time")
    FLOOR = _sort(RoomSortKey.FLOOR, False, "floor")
    FLOOR_DESC = _sort(RoomSortKey.FLOOR, True, "floor")
    MODIFIED = _sort(RoomSortKey.MODIFIED, False, "last change")
    MODIFIED_DESC = _sort(RoomSortKey.MODIFIED, True, "last change")
    NAME_NO = _sort(RoomSortKey.NAME, False, "name or number (`nameNo`)")
    NAME_NO_DESC = _sort(RoomSortKey.NAME, True, "name or number (`nameNo`)")


@strawberry.enum(description="Orders for bookings; `_DESC` sorts descending. Default: `ID`.")
class BookingSort(Enum):
    ID = _sort(BookingSortKey.ID, False, "id")
    ID_DESC = _sort(BookingSortKey.ID, True, "id")
    CREATED = _sort(BookingSortKey.CREATED, False, "creation time")
    CREATED_DESC = _sort(BookingSortKey.CREATED, True, "creation time")
    END_DATE = _sort(BookingSortKey.END_DATE, False, "end date")
    END_DATE_DESC = _sort(BookingSortKey.END_DATE, True, "end date")
    MODIFIED = _sort(BookingSortKey.MODIFIED, False, "last change")
    MODIFIED_DESC = _sort(BookingSortKey.MODIFIED, True, "last change")
    START_DATE = _sort(BookingSortKey.START_DATE, False, "start date")
    START_DATE_DESC = _sort(BookingSortKey.START_DATE, True, "start date")


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
RoomSortArgument = Annotated[
    list[RoomSort] | None,
    strawberry.argument(
        name="sortBy", description="Sort keys, most significant first; default: by id."
    ),
]
BookingSortArgument = Annotated[
    list[BookingSort] | None,
    strawberry.argument(
        name="sortBy", description="Sort keys, most significant first; default: by id."
    ),
]


# --- translation ------------------------------------------------------------------------------
def from_upstream(enum: type[E], member: Enum | None) -> E | None:
    """A client record's enumeration member as this GraphQL enum (the client has already read
    a value it does not know as `OTHER`)."""
    return None if member is None else enum(member)


def member(value: Enum, kind: type[M]) -> M:
    """The client's `kind` member that a GraphQL enum value stands for."""
    found = value.value
    if not isinstance(found, kind):
        raise TypeError(f"{value} stands for {found!r}, not a {kind.__name__}")
    return found


def to_upstream(
    field: str, values: list[E] | None, kind: type[M], problems: Problems
) -> tuple[M, ...] | None:
    """The client's members for GraphQL enum values; `OTHER` is refused into `problems`."""
    if values is None:
        return None
    for value in values:
        if value.name == "OTHER":
            problems.add(field, "OTHER stands for values unknown to the gateway; it cannot be sent")
    return tuple(member(value, kind) for value in values)


def sort_of(order: list[RoomSort] | list[BookingSort] | None) -> tuple[Sort[Enum], ...]:
    return tuple(Sort(member.value[0], member.value[1]) for member in order or ())


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
