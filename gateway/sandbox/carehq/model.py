"""CareHQ's vocabulary as the emulator speaks it: enumerations, attribute names, formats, ids.

Everything here is taken from `original-docs/carehome-bookings.txt` and `carehome-rooms.txt`.
Upstream values are kept in upstream spelling: dates `YYYY-MM-DD`, date-times
`YYYY-MM-DD HH:MM:SS` (naive UK local time), money in integer pence, floors as strings
(`"-1"` .. `"4"`), ids as 24 lowercase hex digits shaped like MongoDB ObjectIds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Record = dict[str, Any]
"""One room or booking in upstream JSON shape (what `GET /v1/<resource>/<id>` answers)."""

BOOKING_TYPES: Final = ("block_contract", "out_of_service", "service_user")
CREATABLE_BOOKING_TYPES: Final = ("service_user",)  # "Currently this must be set to service_user."
RATE_PERIODS: Final = ("daily", "weekly")
FLOORS: Final = ("-1", "0", "1", "2", "3", "4")
FUNDING_TYPES: Final = (
    "private",
    "local_authority",
    "local_authority_top_up",
    "chc",
    "chc_lifestyle",
    "block_bed",
    "dta_spot",
)
SUITABLE_FOR: Final = (
    "bariatric_care",
    "learning_disability_care",
    "residential",
    "residential_dementia",
    "nursing",
    "nursing_dementia",
)
TRI_STATE: Final = ("unset", "yes", "no")

BOOKING_ATTRIBUTES: Final = frozenset(
    {
        "_id",
        "booking_type",
        "cancelled",
        "check_in",
        "checkout",
        "checkout_notes",
        "created",
        "end_date",
        "location",
        "modified",
        "notes",
        "proposed_checkout_date",
        "rate",
        "rate_period",
        "reason_for_checkout",
        "respite",
        "room",
        "service_user",
        "start_date",
    }
)
ROOM_ATTRIBUTES: Final = frozenset(
    {
        "_id",
        "archived",
        "created",
        "features",
        "floor",
        "funding_types",
        "location",
        "modified",
        "name_no",
        "rates",
        "suitable_for",
    }
)

DATE_FORMAT: Final = "%Y-%m-%d"
DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_OBJECT_ID_RE: Final = re.compile(r"[0-9a-f]{24}")


def _uk_zone() -> ZoneInfo:
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # pragma: no cover - a machine without tz data: UTC is close
        return ZoneInfo("UTC")


UK: Final = _uk_zone()


class ArgErrors(Exception):
    """Invalid arguments, answered as 400 `{"hint", "arg_errors": {name: [message, ...]}}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class BadValue(ValueError):
    """One argument's value is invalid; the message is what its arg_errors entry shows."""


def parse_pence(value: str) -> int:
    """A money amount: whole, non-negative pence written as digits only (no sign, no point)."""
    if not (value.isascii() and value.isdigit()):
        raise BadValue("Not a valid rate: a whole, non-negative number of pence.")
    return int(value)


def parse_date(value: str) -> date | None:
    """`YYYY-MM-DD` as a date; None when it is not exactly that or not a real calendar date."""
    if not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: str, *, allow_date: bool = False) -> str | None:
    """A date-time normalised to `YYYY-MM-DD HH:MM:SS` (string-comparable), or None if invalid.

    With `allow_date`, a bare `YYYY-MM-DD` means midnight at the start of that day.
    """
    if allow_date and (day := parse_date(value)) is not None:
        return f"{day.isoformat()} 00:00:00"
    if not _DATETIME_RE.fullmatch(value):
        return None
    try:
        datetime.strptime(value, DATETIME_FORMAT)
    except ValueError:
        return None
    return value


def is_object_id(value: str) -> bool:
    """True for a 24-lowercase-hex-digit id, the only shape CareHQ ids have."""
    return _OBJECT_ID_RE.fullmatch(value) is not None


def uk_now(clock: Callable[[], float]) -> datetime:
    """The clock's instant as naive UK local time, the zone CareHQ's date-times are written in."""
    return datetime.fromtimestamp(clock(), UK).replace(tzinfo=None)


class ObjectIdFactory:
    """Makes ObjectId-shaped ids: 4-byte creation time, 5 fixed "machine" bytes, 3-byte counter.

    Deterministic: the machine bytes and the counter's start come from the caller (the seeded
    RNG), and the time part from the record's own `created`, so the same seed gives the same ids
    and sorting by `_id` roughly follows creation order, as with the real ObjectIds.
    """

    def __init__(self, machine: int, counter: int) -> None:
        self.machine = machine & 0xFF_FFFF_FFFF
        self.counter = counter & 0xFF_FFFF

    def new(self, created: datetime) -> str:
        seconds = int(created.replace(tzinfo=UTC).timestamp()) & 0xFFFF_FFFF
        self.counter = (self.counter + 1) & 0xFF_FFFF
        return f"{seconds:08x}{self.machine:010x}{self.counter:06x}"
