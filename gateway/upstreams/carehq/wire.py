"""CareHQ's wire format: our typed queries -> its parameters, its JSON -> our records.

Everything CareHQ spells its own way is here: `filters-*`, `_id`, `yes`/`no`, the create
answer's `*_str` dates, and its value for each member of our enumerations (one `Vocabulary` per
enumeration, each pair written once). Multi-value parameters are repeated keys
(`filters-ids=a&filters-ids=b`), so parameters are lists of pairs, never dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from gateway.upstreams.statuses import UnexpectedShape
from gateway.upstreams.vocabulary import Vocabulary

from .models import (
    BookingSortKey,
    BookingType,
    CareHQBooking,
    CareHQRoom,
    CareType,
    FundingType,
    NewCareHQBooking,
    Page,
    RatePeriod,
    RoomRate,
    RoomSortKey,
    Sort,
    YesNo,
    uk_local,
)

T = TypeVar("T")
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
    return (_WIRE_NAMES.get(name, name) for name in names)


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


# -- decoding ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise UnexpectedShape(f"expected a string, got {type(value).__name__}")


def _integer(value: object) -> int:
    """Integers arrive as numbers or numeric strings (`floor: "0"`, `rate` "a string")."""
    if isinstance(value, bool):
        raise UnexpectedShape("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise UnexpectedShape(f"expected an integer, got {type(value).__name__}")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
        return value.lower() in ("yes", "true")
    raise UnexpectedShape(f"expected a boolean, got {type(value).__name__}")


def _datetime(value: object) -> datetime:
    return uk_local(datetime.fromisoformat(_text(value)))


def _date(value: object) -> date:
    text = _text(value)
    return date.fromisoformat(text) if len(text) == 10 else _datetime(text).date()


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise UnexpectedShape(f"expected a list, got {type(value).__name__}")
    return tuple(_text(v) for v in value)


def _member(vocabulary: Vocabulary[E, str]) -> Callable[[object], E]:
    return lambda value: vocabulary.ours(_text(value))


def _members(vocabulary: Vocabulary[E, str]) -> Callable[[object], tuple[E, ...]]:
    return lambda value: tuple(vocabulary.ours(text) for text in _texts(value))


def _rates(value: object) -> tuple[RoomRate, ...]:
    if not isinstance(value, dict):
        raise UnexpectedShape(f"expected a hash of rates, got {type(value).__name__}")
    return tuple(RoomRate(str(k), _integer(v)) for k, v in value.items() if v is not None)


_ROOM: dict[str, Callable[[object], object]] = {
    "archived": _boolean,
    "created": _datetime,
    "features": _texts,
    "floor": _integer,
    "funding_types": _members(FUNDING_TYPES),
    "location": _text,
    "modified": _datetime,
    "name": _text,
    "rates": _rates,
    "suitable_for": _members(CARE_TYPES),
}
_BOOKING: dict[str, Callable[[object], object]] = {
    "booking_type": _member(BOOKING_TYPES),
    "cancelled": _datetime,
    "check_in": _boolean,
    "checkout": _boolean,
    "checkout_notes": _text,
    "created": _datetime,
    "end_date": _date,
    "location": _text,
    "modified": _datetime,
    "notes": _text,
    "proposed_checkout_date": _date,
    "rate": _integer,
    "rate_period": _member(RATE_PERIODS),
    "reason_for_checkout": _text,
    "respite": _boolean,
    "room": _text,
    "service_user": _text,
    "start_date": _date,
}
_WIRE_NAMES = {"name": "name_no"}
"""Our record attributes that CareHQ names differently (the others it names as we do)."""
# The documented create answer spells three dates differently from the booking object.
_BOOKING_ALIASES = {
    name: f"{name}_str" for name in ("start_date", "end_date", "proposed_checkout_date")
}


class _Decoder:
    """Decodes one kind of record: `parsers` by our attribute name, `aliases` the other CareHQ
    name an attribute may come under. What to decode for a selection (`only`) is worked out once
    per selection, not once per record (a page of 100 bookings would otherwise test all 18
    attributes against `only` 100 times); at most `MAX_PLANS` selections are kept."""

    MAX_PLANS = 256

    def __init__(
        self, parsers: dict[str, Callable[[object], object]], aliases: dict[str, str] | None = None
    ) -> None:
        self._parsers = parsers
        self._aliases = aliases or {}
        self._plans: dict[frozenset[str] | None, _Plan] = {}

    def __call__(self, raw: object, only: Collection[str] | None) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise UnexpectedShape(f"expected an object, got {type(raw).__name__}")
        values: dict[str, Any] = {"id": _text(raw["_id"])}
        for name, key, alias, parse in self._plan(only):
            value = raw.get(key)
            if value is None and alias is not None:
                value = raw.get(alias)
            values[name] = None if value is None else parse(value)
        return values

    def _plan(self, only: Collection[str] | None) -> _Plan:
        wanted = only if only is None or isinstance(only, frozenset) else frozenset(only)
        plan = self._plans.get(wanted)
        if plan is None:
            if len(self._plans) >= self.MAX_PLANS:
                self._plans.clear()
            plan = self._plans[wanted] = tuple(
                (name, _WIRE_NAMES.get(name, name), self._aliases.get(name), parse)
                for name, parse in self._parsers.items()
                if wanted is None or name in wanted
            )
        return plan


_Plan = tuple[tuple[str, str, str | None, Callable[[object], object]], ...]
"""(our name, CareHQ's name, its alias, parser) of each attribute to decode."""
_ROOM_RECORD = _Decoder(_ROOM)
_BOOKING_RECORD = _Decoder(_BOOKING, _BOOKING_ALIASES)


def parse_room(raw: object, only: Collection[str] | None = None) -> CareHQRoom:
    """A room object; `only` limits parsing to the requested attributes (None = all given)."""
    return CareHQRoom(**_ROOM_RECORD(raw, only))


def parse_booking(raw: object, only: Collection[str] | None = None) -> CareHQBooking:
    """A booking object, from a list, a retrieve, or the create answer (`*_str` dates)."""
    return CareHQBooking(**_BOOKING_RECORD(raw, only))


def parse_page(raw: object, item: Callable[[object], T]) -> Page[T]:
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise UnexpectedShape("expected a page object with an `items` list")
    return Page(
        items=tuple(item(i) for i in raw["items"]),
        item_count=_integer(raw["item_count"]),
        page=_integer(raw["page"]),
        page_count=_integer(raw["page_count"]),
        per_page=_integer(raw["per_page"]),
    )
