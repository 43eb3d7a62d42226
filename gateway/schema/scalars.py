"""Scalars of the gateway's schema, given to Strawberry through `StrawberryConfig.scalar_map`.

`Date` is a calendar date (`2026-02-23`) with no time zone: CareHQ's dates are UK calendar dates,
Bedful's UTC midnights are turned into the date they stand for. `DateTime` is ISO 8601; a value
with an offset is UTC (Bedful), one without is the upstream's local wall time (CareHQ: UK time,
as CareHQ gives it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import strawberry

from gateway.schema.limits import shown

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"Date must be a string YYYY-MM-DD, got {shown(value)}")
    return dt.date.fromisoformat(value)


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"DateTime must be an ISO 8601 string, got {shown(value)}")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"DateTime must be ISO 8601 (2026-02-23T10:55:05), got {shown(value)}"
        ) from None


SCALARS: dict[object, Any] = {
    dt.date: strawberry.scalar(
        name="Date",
        specified_by_url="https://scalars.graphql.org/andimarek/local-date.html",
        description="A calendar date, ISO 8601 `YYYY-MM-DD` (e.g. `2026-02-23`), no time zone.",
        serialize=dt.date.isoformat,
        parse_value=_parse_date,
    ),
    dt.datetime: strawberry.scalar(
        name="DateTime",
        specified_by_url="https://www.iso.org/iso-8601-date-and-time-format.html",
        description=(
            "An ISO 8601 date-time. With an offset (`2019-09-11T13:49:32+00:00`) it is an "
            "instant (Bedful: always UTC); without one (`2026-03-12T10:55:05`) it is the "
            "wall-clock time of the care home (CareHQ: UK time, as CareHQ reports it)."
        ),
        serialize=dt.datetime.isoformat,
        parse_value=_parse_datetime,
    ),
}
