"""Bedful's JSON wire form: our typed bookings -> request bodies, its answers -> records.

Bedful is a Go service: every field is always present and "absent" is the type's zero value
(0, "", the zero time `0001-01-01T00:00:00Z`, null for an empty list). We read it the same way:
a missing or null field becomes that zero value, the zero time becomes None. Datetimes come
out timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from gateway.upstreams.statuses import UnexpectedShape
from gateway.upstreams.vocabulary import Vocabulary

from .models import (
    BedfulBooking,
    BedfulBookingChanges,
    BedfulExtra,
    BedfulItem,
    BedfulStatus,
    BedfulUnit,
    NewBedfulBooking,
)

__all__ = ["STATUSES", "booking_body", "parse_ages", "parse_booking", "parse_utc"]

STATUSES = Vocabulary(
    "Bedful",
    BedfulStatus,
    {
        BedfulStatus.NONE: 0,
        BedfulStatus.INCOMPLETE: 1,
        BedfulStatus.PROVISIONAL: 10,
        BedfulStatus.CANCELLED: 11,
        BedfulStatus.UNAVAILABLE: 12,
        BedfulStatus.FAILED: 13,
        BedfulStatus.CONFIRMED: 100,
    },
)
"""Bedful's documented status codes."""
VOCABULARIES: tuple[Vocabulary[Any, int], ...] = (STATUSES,)


def booking_body(booking: NewBedfulBooking | BedfulBookingChanges) -> dict[str, object]:
    """The JSON body: only the fields that are set. Days go as RFC 3339 UTC midnight, `ages`
    as the comma-separated string Bedful itself returns."""
    body: dict[str, object] = {}
    for f in fields(booking):
        value = getattr(booking, f.name)
        if value is None:
            continue
        if isinstance(value, datetime):  # a day is wanted; keep the (UTC) calendar day
            value = value.date()
        if isinstance(value, date):
            value = f"{value.isoformat()}T00:00:00Z"
        elif isinstance(value, BedfulStatus):
            value = STATUSES.wire(value)
        elif f.name == "ages":
            value = ", ".join(str(age) for age in value)
        elif isinstance(value, tuple):
            value = list(value)
        body[_WIRE_NAMES.get(f.name, f.name)] = value
    return body


def parse_utc(value: object) -> datetime | None:
    """RFC 3339 -> aware UTC datetime; Go's zero time (year 1) and "" -> None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UnexpectedShape("expected an RFC 3339 date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.year == 1:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_ages(value: object) -> tuple[int, ...]:
    """Bedful's `ages`: "40, 40" -> (40, 40); "" or null -> (). A JSON list is accepted too."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_int(v) for v in value)
    if not isinstance(value, str):
        raise UnexpectedShape("expected `ages` as a comma-separated string")
    return tuple(int(part) for part in value.split(",") if part.strip())


def _int(value: object, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip():
        return int(value)
    raise UnexpectedShape(f"expected an integer, got {type(value).__name__}")


def _float(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(value)
    raise UnexpectedShape(f"expected a number, got {type(value).__name__}")


def _str(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UnexpectedShape(f"expected a string, got {type(value).__name__}")
    return value


def _objects(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise UnexpectedShape(f"expected `{key}` to be a list")
    return value


def _item(raw: Any) -> BedfulItem:
    return BedfulItem(
        id=_int(raw["id"]),
        unit_id=_int(raw.get("unit_id"), 0),
        booking_id=_int(raw.get("booking_id"), 0),
        accommodation_price=_int(raw.get("accommodation_price"), 0),
        people_price=_int(raw.get("people_price"), 0),
        rates=_str(raw.get("rates")),
        ages=parse_ages(raw.get("ages")),
    )


def _unit(raw: Any) -> BedfulUnit:
    name = raw.get("name")
    return BedfulUnit(id=_int(raw["id"]), name=name if isinstance(name, str) else None)


def _extra(raw: Any) -> BedfulExtra:
    if not isinstance(raw, dict):  # perhaps just the id
        return BedfulExtra(id=_int(raw))
    name, quantity, price = raw.get("name"), raw.get("quantity"), raw.get("price")
    return BedfulExtra(
        id=_int(raw["id"]),
        name=name if isinstance(name, str) else None,
        quantity=_int(quantity) if quantity is not None else None,
        price=_int(price) if price is not None else None,
    )


_INTS = (
    "parent_id", "user_id", "channel_id", "adults", "children", "child_count", "paid", "price",
    "units_price", "extras_price", "discount_amount", "security_deposit_amount", "currency_id",
)  # fmt: skip
_TEXTS = (
    "name", "email", "telephone", "address", "postal_code", "country", "summary",
    "campsite_reference",
)  # fmt: skip
_DATES = ("created", "modified", "arrival", "departure", "expires")
_WIRE_NAMES = {
    "created": "created_at",
    "modified": "updated_at",
    "arrival": "starts_at",
    "departure": "ends_at",
    "expires": "expires_at",
}
"""Our attribute names that Bedful spells differently (the others it spells as we do)."""
_OPTIONAL_INTS = ("commission", "commission_net", "fees")  # only in list answers


def parse_booking(raw: object) -> BedfulBooking:
    """A booking object as answered by GET, create and update. `id`, `site_id`, `status` and
    `currency_rate` are required (a missing rate must not silently become 0 or 1)."""
    if not isinstance(raw, dict):
        raise UnexpectedShape("expected a booking object")
    values: dict[str, Any] = {name: _int(raw.get(name), 0) for name in _INTS}
    values.update((name, _str(raw.get(name))) for name in _TEXTS)
    values.update((name, parse_utc(raw.get(_WIRE_NAMES[name]))) for name in _DATES)
    values.update(
        (name, None if raw.get(name) is None else _int(raw[name])) for name in _OPTIONAL_INTS
    )
    status = _int(raw["status"])
    return BedfulBooking(
        id=_int(raw["id"]),
        site_id=_int(raw["site_id"]),
        status=STATUSES.ours(status),
        status_code=status,
        ages=parse_ages(raw.get("ages")),
        marketing_subscribe=bool(_int(raw.get("marketing_subscribe"), 0)),
        currency_rate=_float(raw["currency_rate"]),
        items=tuple(_item(i) for i in _objects(raw, "items")),
        units=tuple(_unit(u) for u in _objects(raw, "units")),
        extras=tuple(_extra(e) for e in _objects(raw, "extras")),
        **values,
    )
