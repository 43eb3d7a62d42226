"""The Bedful booking record: its exact JSON shape, its dates and how its money is derived.

Everything here is written from `original-docs/bedful-bookings.txt`. The booking answered by
`GET /bookings/:id`, by the list and by create/update is ONE shape: every key of the doc's list
example (a superset of its show example: it adds `commission`, `commission_net`, `fees`), in the
doc's order. Bedful is evidently a Go service (CamelCase field names, Go's zero time), so its
quirks are Go's: an absent date is `"0001-01-01T00:00:00Z"`, never null or missing.

Money is integer minor units (pence / cents) of the booking's currency. `currency_rate` is our
reading of "the rate for conversion of prices to GBP": MULTIPLY a price by it to get GBP (1 for
GBP, 0.85 for EUR). The doc does not say which way round; this is assumed.

Derived values (ours, the doc publishes no formula; they only have to look real and add up):
`units_price` = sum of the items, each item = unit nightly price x nights (`people_price` 0);
`extras_price` = sum of the chosen extras (one price per stay); `price` = units + extras -
discount; on bookings of our channel `commission` = 10 % of price, `commission_net` = commission
without 20 % VAT, `fees` = 2 % of price (card processing). Unavailable periods (status 12) are not
sold: every amount is 0. `child_count` mirrors `children` (the doc: "the count of children").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

Booking = dict[str, Any]

ZERO_TIME: Final = "0001-01-01T00:00:00Z"
STATUSES: Final = {
    0: "None",
    1: "Incomplete",
    10: "Provisional",
    11: "Cancelled",
    12: "Unavailable",
    13: "Failed",
    100: "Confirmed",
}
BLOCKING_STATUSES: Final = frozenset({10, 12, 100})  # the doc: these block availability
UNAVAILABLE: Final = 12
CURRENCY_RATES: Final = {1: 1, 2: 0.85}  # currency_id -> multiply by this to get GBP (assumed)
# How long a provisional / incomplete booking is held before it lapses (invented durations);
# every other status has the zero `expires_at`.
EXPIRY: Final = {10: timedelta(days=2), 1: timedelta(hours=1)}
OUR_CHANNEL_ID: Final = 1  # the channel the sandbox key belongs to; creates land on it

# Keys of the doc's list example, in its order (the show example lacks the three commission keys).
# fmt: off
BOOKING_KEYS: Final = (
    "id", "parent_id", "group_kind", "unit_parent_kind", "child_count", "site_id", "user_id",
    "channel_id", "status", "created_at", "updated_at", "starts_at", "ends_at", "expires_at",
    "name", "email", "telephone", "address", "postal_code", "country", "adults", "children",
    "ages", "paid", "price", "units_price", "extras_price", "discount_amount", "commission",
    "commission_net", "fees", "security_deposit_amount", "booking_guarantee", "summary",
    "campsite_reference", "marketing_subscribe", "currency_id", "currency_rate", "currency",
    "site", "items", "units", "extras", "user", "channel", "integration",
)
ITEM_KEYS: Final = (
    "id", "unit_id", "booking_id", "accommodation_price", "people_price", "rates", "ages",
)
# fmt: on
# The doc shows only empty `extras`; the entry shape {"id", "name", "price"} is our guess.

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)


def format_time(moment: datetime) -> str:
    """`2019-09-11T13:49:32Z`: UTC, whole seconds (an aware datetime is converted to UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def expires_at(status: int, created: datetime) -> str:
    """`expires_at` of a booking given `status` at `created` (the zero time if it never lapses)."""
    hold = EXPIRY.get(status)
    return format_time(created + hold) if hold else ZERO_TIME


def format_day(day: date) -> str:
    """Midnight UTC of `day`, how `starts_at` / `ends_at` are stored."""
    return f"{day.isoformat()}T00:00:00Z"


def parse_day(value: str) -> date:
    """A date parameter: RFC 3339 (any offset, converted to UTC) or `YYYY-MM-DD`.

    The time of day is dropped: Bedful stores arrival/departure as midnights. Raises ValueError.
    """
    if _DAY.match(value):
        return date.fromisoformat(value)
    if _RFC3339.match(value):
        return datetime.fromisoformat(value.upper()).astimezone(UTC).date()
    raise ValueError(value)


def as_day(value: date | str) -> date:
    """A day given as a `date`, a `datetime` (its UTC day if aware) or an API date string."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value if isinstance(value, date) else parse_day(value)


def day_of(stamp: str) -> date:
    """The day of a stored `starts_at` / `ends_at` string."""
    return date.fromisoformat(stamp[:10])


def summary(site_name: str, adults: int, children: int, starts: date, ends: date) -> str:
    """Like the doc's "Filly Fields Glamping - 2 Adults  Sep 22, 2019-Sep 25, 2019".

    Go's "Jan 2, 2006" layout (no zero padding); the double space is the doc's. How children
    are written is not shown in the doc: ", 1 Children" is our guess (Go code pluralises nothing).
    """
    people = f"{adults} Adults" + (f", {children} Children" if children else "")
    return f"{site_name} - {people}  {_go_day(starts)}-{_go_day(ends)}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _go_day(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def assemble(
    *,
    booking_id: int,
    site: Mapping[str, Any],
    units: Sequence[Mapping[str, Any]],
    extras: Sequence[Mapping[str, Any]],
    item_ids: Iterator[int],
    fields: Mapping[str, Any],
) -> Booking:
    """The full booking JSON from its stored fields plus the derived ones (prices, nested records).

    `fields` holds the guest/state fields (status, dates as stored strings, name, ..., paid,
    discount_amount, channel_id, user_id, created_at, ...); a whole stored booking will do (its
    derived values are recomputed, its `integration` kept). `item_ids` yields ids for the items;
    pass the booking's current item ids first to keep them stable across updates.
    """
    starts, ends = day_of(fields["starts_at"]), day_of(fields["ends_at"])
    nights = (ends - starts).days
    sold = 0 if fields["status"] == UNAVAILABLE else 1  # multiplies every amount
    currency_id = site["currency_id"]
    items = [
        dict(
            zip(
                ITEM_KEYS,
                (
                    next(item_ids),
                    unit["id"],
                    booking_id,
                    unit["price"] * nights * sold,
                    0,
                    "",
                    fields["ages"],
                ),
                strict=True,
            )
        )
        for unit in units
    ]
    units_price = sum(item["accommodation_price"] + item["people_price"] for item in items)
    extras_price = sum(extra["price"] for extra in extras) * sold
    discount = fields.get("discount_amount", 0) * sold
    price = units_price + extras_price - discount
    ours = fields["channel_id"] == OUR_CHANNEL_ID
    commission = round(price * 0.10) if ours else 0
    values: dict[str, Any] = {
        "parent_id": 0,
        "group_kind": 0,
        "unit_parent_kind": units[0].get("parent_kind", 0) if units else 0,
        "booking_guarantee": 0,
        "campsite_reference": "",
        "marketing_subscribe": 0,
        "paid": 0,
        **fields,
        "id": booking_id,
        "site_id": site["id"],
        "child_count": fields["children"],
        "price": price,
        "units_price": units_price,
        "extras_price": extras_price,
        "discount_amount": discount,
        "commission": commission,
        "commission_net": round(commission / 1.2),
        "fees": round(price * 0.02) if ours else 0,
        "security_deposit_amount": sum(u.get("security_deposit", 0) for u in units) * sold,
        "summary": summary(site["name"], fields["adults"], fields["children"], starts, ends),
        "currency_id": currency_id,
        "currency_rate": CURRENCY_RATES[currency_id],
        "currency": {"id": currency_id, "rate": CURRENCY_RATES[currency_id]},
        "site": {"id": site["id"]},
        "items": items,
        "units": [{"id": unit["id"], "name": unit["name"]} for unit in units],
        "extras": [{"id": e["id"], "name": e["name"], "price": e["price"]} for e in extras],
        "user": {"id": fields["user_id"]},
        "channel": {"id": fields["channel_id"]},
        "integration": {"id": fields.get("integration", {}).get("id", 0)},
    }
    return {key: values[key] for key in BOOKING_KEYS}


def copy_booking(booking: Mapping[str, Any]) -> Booking:
    """A copy deep enough that changing it never changes `booking` (much faster than deepcopy)."""
    copied = dict(booking)
    for key in ("currency", "site", "user", "channel", "integration"):
        copied[key] = dict(booking[key])
    for key in ("items", "units", "extras"):
        copied[key] = [dict(entry) for entry in booking[key]]
    return copied
