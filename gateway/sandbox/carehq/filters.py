"""Every documented `filters-*` parameter of `GET /v1/bookings` and `/v1/rooms`, and its meaning.

Documented meanings worth a second look (they are easy to get backwards):

* bookings `filters-start_date=D` keeps bookings that END after D, or have no end date;
  `filters-end_date=D` keeps bookings that START before D. Together they select the bookings
  overlapping [start_date, end_date). Both comparisons are strict: a booking ending exactly on D
  is not kept by `filters-start_date=D`. A booking without a start date counts as started.
* `filters-modified_after` / `_before` are strict too; they take `YYYY-MM-DD HH:MM:SS` or a bare
  `YYYY-MM-DD` (midnight at the start of that day).
* Tri-state filters take `unset` | `yes` | `no`; rooms' `filters-archived` defaults to `no`, so
  archived rooms are hidden unless asked for (`GET /v1/rooms/<id>` still finds them).
* List filters match a record whose value is ANY of the given values. For rooms' list-valued
  attributes (`features`, `funding_types`, `suitable_for`) the docs do not say whether a room
  must have any or all of the given values: the sandbox keeps a room having ANY of them.

Choices where the docs are silent: id filters reject values that are not 24-hex ids (this is
what catches a client that comma-joins a list into one value); enumerations reject unknown
values; rates must be whole non-negative pence; `filters-q` is a case-insensitive substring
match and an empty `q` matches everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.sandbox.carehq.model import (
    BOOKING_ATTRIBUTES,
    BOOKING_TYPES,
    FLOORS,
    FUNDING_TYPES,
    ROOM_ATTRIBUTES,
    SUITABLE_FOR,
    TRI_STATE,
    BadValue,
    Record,
    is_object_id,
    parse_date,
    parse_datetime,
    parse_pence,
)
from gateway.sandbox.carehq.query import Filter, Listing, first

Keep = Callable[[Record, Any], bool]


# --- parsing raw values ----------------------------------------------------------------------
def _one_of(allowed: tuple[str, ...]) -> Callable[[list[str]], frozenset[str]]:
    def parse(raw: list[str]) -> frozenset[str]:
        bad = [value for value in raw if value not in allowed]
        if bad:
            raise BadValue(f"Not a valid choice: {', '.join(bad)} (allowed: {', '.join(allowed)}).")
        return frozenset(raw)

    return parse


def _ids(raw: list[str]) -> frozenset[str]:
    bad = [value for value in raw if not is_object_id(value)]
    if bad:
        raise BadValue(f"Not a valid id (24 hex digits): {', '.join(bad)}.")
    return frozenset(raw)


def _tri_state(raw: list[str]) -> str:
    value = first(raw)
    if value not in TRI_STATE:
        raise BadValue(f"Not a valid choice: {value} (allowed: unset, yes, no).")
    return value


def _date(raw: list[str]) -> str:
    day = parse_date(first(raw))
    if day is None:
        raise BadValue("Not a valid date (YYYY-MM-DD).")
    return day.isoformat()


def _datetime(raw: list[str]) -> str:
    moment = parse_datetime(first(raw), allow_date=True)
    if moment is None:
        raise BadValue("Not a valid date/time (YYYY-MM-DD HH:MM:SS or YYYY-MM-DD).")
    return moment


def _pence(raw: list[str]) -> int:
    return parse_pence(first(raw))


def _text(raw: list[str]) -> str:
    return first(raw).casefold()


# --- keeping records ---------------------------------------------------------------------------
def _is_in(name: str) -> Keep:
    return lambda record, wanted: record.get(name) in wanted


def _has_any(name: str) -> Keep:
    return lambda record, wanted: any(value in wanted for value in record.get(name) or ())


def _flag(name: str) -> Keep:
    return lambda record, state: state == "unset" or bool(record.get(name)) == (state == "yes")


def _mentions(*names: str) -> Keep:
    def keep(record: Record, needle: str) -> bool:
        return not needle or any(needle in (record.get(n) or "").casefold() for n in names)

    return keep


def _modified_after(record: Record, moment: str) -> bool:
    return bool(record["modified"] > moment)


def _modified_before(record: Record, moment: str) -> bool:
    return bool(record["modified"] < moment)


def _starts_before(record: Record, day: str) -> bool:
    return record.get("start_date") is None or bool(record["start_date"] < day)


def _ends_after(record: Record, day: str) -> bool:
    return record.get("end_date") is None or bool(record["end_date"] > day)


BOOKINGS = Listing(
    attributes=BOOKING_ATTRIBUTES,
    sort_keys=("_id", "created", "end_date", "modified", "start_date"),
    filters={
        "filters-booking_type": Filter(_one_of(BOOKING_TYPES), _is_in("booking_type")),
        "filters-cancelled": Filter(_tri_state, _flag("cancelled")),
        "filters-check_in": Filter(_tri_state, _flag("check_in")),
        "filters-checkout": Filter(_tri_state, _flag("checkout")),
        "filters-end_date": Filter(_date, _starts_before),
        "filters-ids": Filter(_ids, _is_in("_id")),
        "filters-location": Filter(_ids, _is_in("location")),
        "filters-max_rate": Filter(_pence, lambda record, pence: record["rate"] <= pence),
        "filters-min_rate": Filter(_pence, lambda record, pence: record["rate"] >= pence),
        "filters-modified_after": Filter(_datetime, _modified_after),
        "filters-modified_before": Filter(_datetime, _modified_before),
        "filters-q": Filter(_text, _mentions("checkout_notes", "notes")),
        "filters-respite": Filter(_tri_state, _flag("respite")),
        "filters-room": Filter(_ids, _is_in("room")),
        "filters-service_user": Filter(_ids, _is_in("service_user")),
        "filters-start_date": Filter(_date, _ends_after),
    },
)

ROOMS = Listing(
    attributes=ROOM_ATTRIBUTES,
    sort_keys=("_id", "created", "floor", "modified", "name_no"),
    filters={
        "filters-archived": Filter(_tri_state, _flag("archived")),
        "filters-features": Filter(_ids, _has_any("features")),  # ANY of them: docs are silent
        "filters-floor": Filter(_one_of(FLOORS), _is_in("floor")),
        "filters-funding_types": Filter(_one_of(FUNDING_TYPES), _has_any("funding_types")),
        "filters-ids": Filter(_ids, _is_in("_id")),
        "filters-location": Filter(_ids, _is_in("location")),
        "filters-modified_after": Filter(_datetime, _modified_after),
        "filters-modified_before": Filter(_datetime, _modified_before),
        "filters-q": Filter(_text, _mentions("name_no")),
        "filters-suitable_for": Filter(_one_of(SUITABLE_FOR), _has_any("suitable_for")),
    },
    defaults={"filters-archived": ["no"]},
)
