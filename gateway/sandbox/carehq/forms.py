"""Validation of the form bodies of `PUT /v1/bookings` (create) and `PATCH /v1/bookings/<id>`.

Every bad or missing argument is reported at once (ArgErrors -> 400 `arg_errors`), each under
its own name. Choices where the docs are silent:

* Booleans (`check_in`, `checkout`, `respite`) take exactly `yes` / `no`, the spelling of the
  docs' examples; `true`, `1`, `True` are rejected, so a client cannot drift from it unnoticed.
  Omitted on create, they are false.
* Create stores `notes` and `checkout_notes` as "" when omitted (the documented create response
  shows exactly that) and `reason_for_checkout` as null. `start_date` defaults to today (UK).
* `end_date` may not be before `start_date`; an empty `end_date` / `proposed_checkout_date`
  means "none". No double-booking check: the docs publish none.
* PATCH (our assumption for update/cancel, README "Bookings") takes the create fields plus
  `cancelled` (`YYYY-MM-DD HH:MM:SS`; empty = not cancelled). `booking_type` and
  `service_user` cannot be changed (400). Unknown fields are ignored, as on lists.
* A field sent twice uses its first value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from gateway.sandbox.carehq.model import (
    CREATABLE_BOOKING_TYPES,
    RATE_PERIODS,
    ArgErrors,
    BadValue,
    Record,
    is_object_id,
    parse_date,
    parse_datetime,
    parse_pence,
)
from gateway.sandbox.carehq.store import CareHQStore

Parse = Callable[[str, CareHQStore], Any]

REQUIRED: Final = ("booking_type", "rate", "rate_period", "room", "service_user")
IMMUTABLE: Final = ("booking_type", "service_user")


def _choice(allowed: tuple[str, ...]) -> Parse:
    def parse(value: str, _store: CareHQStore) -> str:
        if value not in allowed:
            raise BadValue(f"Not a valid choice (allowed: {', '.join(allowed)}).")
        return value

    return parse


def _yes_no(value: str, _store: CareHQStore) -> bool:
    if value not in ("yes", "no"):
        raise BadValue("Not a valid boolean: send yes or no.")
    return value == "yes"


def _pence(value: str, _store: CareHQStore) -> int:
    return parse_pence(value)


def _date(value: str, _store: CareHQStore) -> str | None:
    if value == "":
        return None
    day = parse_date(value)
    if day is None:
        raise BadValue("Not a valid date (YYYY-MM-DD).")
    return day.isoformat()


def _datetime(value: str, _store: CareHQStore) -> str | None:
    if value == "":
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise BadValue("Not a valid date/time (YYYY-MM-DD HH:MM:SS).")
    return moment


def _text(value: str, _store: CareHQStore) -> str:
    return value


def _object_id(value: str, _store: CareHQStore) -> str:
    if not is_object_id(value):
        raise BadValue("Not a valid id (24 hex digits).")
    return value


def _room(value: str, store: CareHQStore) -> str:
    room = store.rooms.get(value)
    if room is None:
        raise BadValue("No room with this id.")
    if room["archived"]:
        raise BadValue("The room is archived and cannot be booked.")
    return value


FIELDS: Final[dict[str, Parse]] = {
    "booking_type": _choice(CREATABLE_BOOKING_TYPES),
    "cancelled": _datetime,
    "check_in": _yes_no,
    "checkout": _yes_no,
    "checkout_notes": _text,
    "end_date": _date,
    "notes": _text,
    "proposed_checkout_date": _date,
    "rate": _pence,
    "rate_period": _choice(RATE_PERIODS),
    "reason_for_checkout": _text,
    "respite": _yes_no,
    "room": _room,
    "service_user": _object_id,
    "start_date": _date,
}


def create_fields(form: Sequence[tuple[str, str]], store: CareHQStore) -> Record:
    """The new booking's attributes (all but `_id`/`created`/`modified`), or ArgErrors."""
    given = _first_values(form)
    errors: dict[str, list[str]] = {}
    for name in REQUIRED:
        if not given.get(name):
            errors[name] = ["This field is required."]
    allowed = [name for name in FIELDS if name != "cancelled" and name not in errors]
    values = _parse(given, allowed, store, errors)
    start = values.get("start_date") or store.today().isoformat()
    _check_order(start, values.get("end_date"), errors)
    if errors:
        raise ArgErrors(errors)
    return {
        "booking_type": values["booking_type"],
        "cancelled": None,
        "check_in": values.get("check_in", False),
        "checkout": values.get("checkout", False),
        "checkout_notes": values.get("checkout_notes", ""),
        "end_date": values.get("end_date"),
        "location": store.rooms[values["room"]]["location"],
        "notes": values.get("notes", ""),
        "proposed_checkout_date": values.get("proposed_checkout_date"),
        "rate": values["rate"],
        "rate_period": values["rate_period"],
        "reason_for_checkout": values.get("reason_for_checkout"),
        "respite": values.get("respite", False),
        "room": values["room"],
        "service_user": values["service_user"],
        "start_date": start,
    }


def update_fields(form: Sequence[tuple[str, str]], store: CareHQStore, booking: Record) -> Record:
    """The changes a PATCH asks of `booking`, validated against the merged result, or ArgErrors."""
    given = _first_values(form)
    errors: dict[str, list[str]] = {
        name: ["Cannot be changed."] for name in IMMUTABLE if name in given
    }
    changeable = [name for name in FIELDS if name not in IMMUTABLE]
    changes = _parse(given, changeable, store, errors)
    for name in ("rate", "rate_period", "room", "start_date"):
        if name in given and given[name] == "":
            errors[name] = ["This field may not be empty."]
    start = changes.get("start_date") or booking.get("start_date")
    _check_order(start, changes.get("end_date", booking.get("end_date")), errors)
    if errors:
        raise ArgErrors(errors)
    return changes


def _first_values(form: Sequence[tuple[str, str]]) -> dict[str, str]:
    given: dict[str, str] = {}
    for key, value in form:
        given.setdefault(key, value)
    return given


def _parse(
    given: dict[str, str], names: list[str], store: CareHQStore, errors: dict[str, list[str]]
) -> Record:
    values: Record = {}
    for name in names:
        if name in given and name not in errors:
            try:
                values[name] = FIELDS[name](given[name], store)
            except BadValue as exc:
                errors[name] = [str(exc)]
    return values


def _check_order(start: str | None, end: str | None, errors: dict[str, list[str]]) -> None:
    if start and end and end < start and "end_date" not in errors:
        errors["end_date"] = ["The end date must not be before the start date."]
