"""CareHQ's spelling of our requests: its value for each member of our enumerations, and more.

One `Vocabulary` per enumeration, each pair written once and read both ways: the requests below
and the list filters (`queries.py`) send CareHQ's values, and `decoding.py` reads its answers
back into our members. Also here: the record attributes CareHQ names differently
(`WIRE_NAMES`), `yes`/`no`, its date-time format, `attributes=`, `sort_by` and the create form.
Multi-value parameters are repeated keys (`filters-ids=a&filters-ids=b`), so parameters are lists
of pairs, never dicts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from gateway.upstreams.vocabulary import Vocabulary

from .models import (
    BookingSortKey,
    BookingType,
    CareType,
    FundingType,
    NewCareHQBooking,
    RatePeriod,
    RoomSortKey,
    Sort,
    YesNo,
    uk_local,
)

E = TypeVar("E", bound=Enum)
Pairs = list[tuple[str, str]]

# -- vocabularies --------------------------------------------------------------------------

BOOKING_TYPES = Vocabulary(
    "CareHQ",
    BookingType,
    {
        BookingType.SERVICE_USER: "service_user",
        BookingType.BLOCK_CONTRACT: "block_contract",
        BookingType.OUT_OF_SERVICE: "out_of_service",
    },
)
RATE_PERIODS = Vocabulary(
    "CareHQ", RatePeriod, {RatePeriod.DAILY: "daily", RatePeriod.WEEKLY: "weekly"}
)
FUNDING_TYPES = Vocabulary(
    "CareHQ",
    FundingType,
    {
        FundingType.PRIVATE: "private",
        FundingType.LOCAL_AUTHORITY: "local_authority",
        FundingType.LOCAL_AUTHORITY_TOP_UP: "local_authority_top_up",
        FundingType.CHC: "chc",
        FundingType.CHC_LIFESTYLE: "chc_lifestyle",
        FundingType.BLOCK_BED: "block_bed",
        FundingType.DTA_SPOT: "dta_spot",
    },
)
CARE_TYPES = Vocabulary(
    "CareHQ",
    CareType,
    {
        CareType.BARIATRIC_CARE: "bariatric_care",
        CareType.LEARNING_DISABILITY_CARE: "learning_disability_care",
        CareType.RESIDENTIAL: "residential",
        CareType.RESIDENTIAL_DEMENTIA: "residential_dementia",
        CareType.NURSING: "nursing",
        CareType.NURSING_DEMENTIA: "nursing_dementia",
    },
)
ROOM_SORT_KEYS = Vocabulary(
    "CareHQ",
    RoomSortKey,
    {
        RoomSortKey.ID: "_id",
        RoomSortKey.CREATED: "created",
        RoomSortKey.FLOOR: "floor",
        RoomSortKey.MODIFIED: "modified",
        RoomSortKey.NAME: "name_no",
    },
)
BOOKING_SORT_KEYS = Vocabulary(
    "CareHQ",
    BookingSortKey,
    {
        BookingSortKey.ID: "_id",
        BookingSortKey.CREATED: "created",
        BookingSortKey.END_DATE: "end_date",
        BookingSortKey.MODIFIED: "modified",
        BookingSortKey.START_DATE: "start_date",
    },
)
YES_NO = Vocabulary("CareHQ", YesNo, {YesNo.YES: "yes", YesNo.NO: "no", YesNo.UNSET: "unset"})
VOCABULARIES: tuple[Vocabulary[Any, str], ...] = (
    BOOKING_TYPES,
    RATE_PERIODS,
    FUNDING_TYPES,
    CARE_TYPES,
    ROOM_SORT_KEYS,
    BOOKING_SORT_KEYS,
    YES_NO,
)
WIRE_NAMES = {"name": "name_no"}
"""Our record attributes that CareHQ names differently (the others it names as we do)."""


# -- encoding ------------------------------------------------------------------------------


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def format_datetime(value: datetime) -> str:
    """CareHQ's "YYYY-MM-DD HH:MM:SS"; an aware value is converted to UK local time first."""
    return uk_local(value).strftime("%Y-%m-%d %H:%M:%S")


def attributes(fields: Collection[str], allowed: frozenset[str]) -> Pairs:
    """`attributes=` pairs for the requested record attributes (our names; CareHQ's are sent).
    `_id` is always returned, so "id" is never sent. Unknown names are programming errors
    (ValueError)."""
    if isinstance(fields, str):
        raise TypeError("fields must be a collection of names, not one string")
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown CareHQ fields: {sorted(unknown)}")
    return [("attributes", name) for name in sorted(_wire(set(fields) - {"id"}))]


def _wire(names: Iterable[str]) -> Iterator[str]:
    return (WIRE_NAMES.get(name, name) for name in names)


def sort_by(sort: Sequence[Sort[E]], keys: Vocabulary[E, str]) -> Pairs:
    return [("sort_by", ("-" if s.descending else "") + keys.wire(s.key)) for s in sort]


def new_booking_form(new: NewCareHQBooking) -> dict[str, str]:
    form = {
        "booking_type": BOOKING_TYPES.wire(new.booking_type),
        "rate": str(new.rate),
        "rate_period": RATE_PERIODS.wire(new.rate_period),
        "room": new.room,
        "service_user": new.service_user,
    }
    for name in ("start_date", "end_date", "proposed_checkout_date"):
        day: date | None = getattr(new, name)
        if day is not None:
            form[name] = day.isoformat()
    for name in ("check_in", "checkout", "respite"):
        flag: bool | None = getattr(new, name)
        if flag is not None:
            form[name] = yes_no(flag)
    for name in ("notes", "checkout_notes", "reason_for_checkout"):
        text: str | None = getattr(new, name)
        if text is not None:
            form[name] = text
    return form
