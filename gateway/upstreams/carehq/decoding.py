"""CareHQ's answers -> our records: each attribute's parser, and one decoder per kind of record.

Values arrive in more than one shape: integers come as numbers or numeric strings, booleans
as `yes`/`no`, dates with or without a time, and the create answer spells three dates as `*_str`.
Each attribute of a room or a booking has its parser here (enumerations are read through the
vocabularies of `wire.py`), and anything of the wrong shape is `UnexpectedShape`, never a wrong
value. Only the attributes a selection asked for are decoded (`only`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from gateway.upstreams.statuses import UnexpectedShape
from gateway.upstreams.vocabulary import Vocabulary

from .models import CareHQBooking, CareHQRoom, Page, RoomRate, uk_local
from .wire import BOOKING_TYPES, CARE_TYPES, FUNDING_TYPES, RATE_PERIODS, WIRE_NAMES

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


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
                (name, WIRE_NAMES.get(name, name), self._aliases.get(name), parse)
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
