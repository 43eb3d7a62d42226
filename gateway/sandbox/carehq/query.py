"""`GET /v1/<resource>` as CareHQ documents it: attributes, filters, sort_by, page, per_page.

The resource-specific parts (which filters exist and what they mean) are `Listing` values in
`filters`; this module is the machinery both lists share. Choices where the docs are silent:

* Unknown parameters are ignored, as most real APIs do (only documented names are validated).
* A single-valued parameter sent more than once uses its first value (as werkzeug-style servers
  do); list parameters (`attributes`, `sort_by`, list filters) use every value, in order.
* Every invalid argument is reported at once: 400 `arg_errors` keyed by the full parameter name.
* Sorting: after the requested keys, `_id` ascending breaks ties so paging is stable. Nulls sort
  as the smallest value (MongoDB's order; CareHQ ids are ObjectIds): first ascending, last
  descending. Values compare as stored: dates/date-times as their (sortable) strings, `floor`
  and `name_no` as strings ("-1" < "0" < ... < "4"; "01" < "02").
* `page_count` is `ceil(item_count / per_page)`, so 0 when nothing matches. A page past the end
  answers empty `items` with the true counts.
* `per_page` is 1..100 (100 is our assumption, README "Lists"); `page` is >= 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.sandbox.carehq.model import ArgErrors, BadValue, Record

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Filter:
    """A `filters-<name>` parameter: `parse` the raw values (raise BadValue), then `keep`."""

    parse: Callable[[list[str]], Any]
    keep: Callable[[Record, Any], bool]


@dataclass(frozen=True)
class Listing:
    """What one resource's list accepts. `defaults` apply when a parameter is absent."""

    attributes: frozenset[str]
    sort_keys: tuple[str, ...]
    filters: Mapping[str, Filter]  # keyed by the full parameter name, "filters-<name>"
    defaults: Mapping[str, list[str]] = field(default_factory=dict)


def list_page(
    listing: Listing, records: Iterable[Record], params: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The documented list answer for `params`; raises ArgErrors naming every bad argument."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    for key, default in listing.defaults.items():
        values.setdefault(key, default)
    errors: dict[str, list[str]] = {}

    def check(name: str, parse: Callable[[list[str]], Any]) -> Any:
        try:
            return parse(values[name])
        except BadValue as exc:
            errors.setdefault(name, []).append(str(exc))
            return None

    attributes = check("attributes", _attributes(listing)) if "attributes" in values else set()
    sort = check("sort_by", _sort_keys(listing)) if "sort_by" in values else []
    page = check("page", _int_between("page", 1, None)) if "page" in values else 1
    per_page = DEFAULT_PER_PAGE
    if "per_page" in values:
        per_page = check("per_page", _int_between("per_page", 1, MAX_PER_PAGE))
    active = [
        (spec, check(name, spec.parse)) for name, spec in listing.filters.items() if name in values
    ]
    if errors:
        raise ArgErrors(errors)
    kept = [r for r in records if all(spec.keep(r, value) for spec, value in active)]
    kept.sort(key=lambda record: record["_id"])
    for key, descending in reversed(sort):
        kept.sort(key=_sort_value(key), reverse=descending)
    shown = sorted({"_id", *attributes})
    start = (page - 1) * per_page
    return {
        "item_count": len(kept),
        "items": [{name: r.get(name) for name in shown} for r in kept[start : start + per_page]],
        "page": page,
        "page_count": math.ceil(len(kept) / per_page),
        "per_page": per_page,
    }


def first(raw: list[str]) -> str:
    """The value of a single-valued parameter (its first occurrence)."""
    return raw[0]


def _sort_value(key: str) -> Callable[[Record], tuple[bool, Any]]:
    """Sorts nulls as the smallest value, before every real one."""

    def value(record: Record) -> tuple[bool, Any]:
        found = record.get(key)
        return (found is not None, "" if found is None else found)

    return value


def _attributes(listing: Listing) -> Callable[[list[str]], set[str]]:
    def parse(raw: list[str]) -> set[str]:
        unknown = [name for name in raw if name not in listing.attributes]
        if unknown:
            raise BadValue(f"Unknown attribute(s): {', '.join(unknown)}.")
        return set(raw)

    return parse


def _sort_keys(listing: Listing) -> Callable[[list[str]], list[tuple[str, bool]]]:
    def parse(raw: list[str]) -> list[tuple[str, bool]]:
        keys = [(value.removeprefix("-"), value.startswith("-")) for value in raw]
        unknown = [value for value in raw if value.removeprefix("-") not in listing.sort_keys]
        if unknown:
            allowed = ", ".join(listing.sort_keys)
            raise BadValue(f"Not a sortable field: {', '.join(unknown)} (allowed: {allowed}).")
        return keys

    return parse


def _int_between(name: str, low: int, high: int | None) -> Callable[[list[str]], int]:
    def parse(raw: list[str]) -> int:
        text = first(raw)
        number = int(text) if _INTEGER.fullmatch(text) else None
        if number is None or number < low or (high is not None and number > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise BadValue(f"`{name}` must be a whole number {bounds}.")
        return number

    return parse
