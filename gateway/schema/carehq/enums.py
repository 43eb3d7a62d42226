"""CareHQ's enumerations as GraphQL enums, and the mapping between their values and the CareHQ
client's members, for the types (`Room.fundingTypes`, `Booking.ratePeriod`), the filters and
the mutations alike.

Each enum's values are the members of the client's enumeration of the same name
(`gateway.upstreams.carehq`), which the client alone maps to CareHQ's strings. They carry an
`OTHER` member: CareHQ adds values over time (new care types have appeared in its docs), and a
value this gateway does not know yet is shown as `OTHER` instead of failing the response.
`OTHER` is refused as a filter or input value (`to_upstream`).
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from gateway.schema.validation import Problems
from gateway.upstreams import carehq

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Enum)

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
