"""Reading the JSON body of a Bedful create or update, field by field.

The doc publishes the create curl (`name`, `site_id`, `starts_at`, `ends_at`, `units`) and that
update takes partial JSON; it publishes no validation rules and no error bodies. Ours, assumed:

* a body that is not a JSON object -> 400; any field-level problem -> 422 with
  `{"error": "invalid booking", "errors": {"<field>": ["<message>", ...]}}` naming EVERY bad field;
* types are strict, like Go's JSON decoder: ids and counts are JSON integers (not strings, not
  floats, not booleans), texts are strings; keys we do not know are ignored, as Go ignores them;
* `ages` is a list of integers or a comma-separated string, stored as "40, 40";
* dates: RFC 3339 or YYYY-MM-DD (the README's rule for date parameters), stored as UTC midnight.

Checks that need the data (the site exists, units belong to it, dates in order, availability)
are the store's: see `BedfulStore.create` / `BedfulStore.update`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

from gateway.sandbox.bedful.records import STATUSES, parse_day

Errors = dict[str, list[str]]

CREATE_REQUIRED: Final = ("name", "site_id", "starts_at", "ends_at", "units")


class BookingInvalid(Exception):
    """The body names fields we cannot accept; `errors` maps each field to its messages."""

    def __init__(self, errors: Errors) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _name(value: Any) -> str:
    if not _text(value).strip():
        raise ValueError("must not be empty")
    return str(value).strip()


def _count(value: Any) -> int:
    if not _is_int(value) or value < 0:
        raise ValueError("must be a non-negative integer")
    return int(value)


def _id(value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError("must be a positive integer id")
    return int(value)


def _ids(value: Any, *, allow_empty: bool) -> list[int]:
    if not isinstance(value, list) or not all(_is_int(v) and v > 0 for v in value):
        raise ValueError("must be a list of positive integer ids")
    if not value and not allow_empty:
        raise ValueError("must name at least one unit")
    if len(set(value)) != len(value):
        raise ValueError("must not repeat an id")
    return list(value)


def _day(value: Any) -> date:
    try:
        return parse_day(_text(value))
    except ValueError:
        raise ValueError("must be an RFC 3339 date-time or YYYY-MM-DD") from None


def _status(value: Any) -> int:
    if not _is_int(value) or value not in STATUSES:
        raise ValueError(f"must be one of {', '.join(map(str, STATUSES))}")
    return int(value)


def _ages(value: Any) -> str:
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")] if value.strip() else []
        if not all(part.isdigit() for part in parts):
            raise ValueError('must be a list of ages or a string like "40, 38, 7"')
        return ", ".join(str(int(part)) for part in parts)
    if isinstance(value, list) and all(_is_int(v) and 0 <= v <= 130 for v in value):
        return ", ".join(map(str, value))
    raise ValueError('must be a list of ages or a string like "40, 38, 7"')


_FIELDS: Final[dict[str, Callable[[Any], Any]]] = {
    "name": _name,
    "site_id": _id,
    "starts_at": _day,
    "ends_at": _day,
    "units": lambda value: _ids(value, allow_empty=False),
    "extras": lambda value: _ids(value, allow_empty=True),
    "status": _status,
    "user_id": _count,
    "email": _text,
    "telephone": _text,
    "address": _text,
    "postal_code": _text,
    "country": _text,
    "adults": _count,
    "children": _count,
    "ages": _ages,
}


def read_fields(
    payload: Mapping[str, Any], *, required: tuple[str, ...]
) -> tuple[dict[str, Any], Errors]:
    """The known fields of `payload`, converted (dates to `date`, ages to the stored string),
    and the problems found: missing required fields and values of the wrong kind."""
    values: dict[str, Any] = {}
    errors: Errors = {}
    for field in required:
        if field not in payload:
            errors[field] = ["is required"]
    for field, parse in _FIELDS.items():
        if field in payload:
            try:
                values[field] = parse(payload[field])
            except ValueError as exc:
                errors.setdefault(field, []).append(str(exc))
    return values, errors
