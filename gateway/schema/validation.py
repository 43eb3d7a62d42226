"""Argument checks shared by every resolver: they run before any upstream call.

Each check adds to a `Problems` collector, so one `BAD_USER_INPUT` error names every bad field at
once (`extensions.fields`: input field name -> what is wrong), not just the first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from gateway.schema.errors import BadUserInput
from gateway.schema.limits import shown
from gateway.upstreams.carehq import MAX_PER_PAGE

_CAREHQ_ID = re.compile(r"[0-9a-f]{24}")
_BEDFUL_ID = re.compile(r"[1-9][0-9]{0,17}")

MAX_WINDOW_DAYS = 366


class Problems:
    """Collects what is wrong with the arguments; `raise_if_any` reports them together."""

    def __init__(self) -> None:
        self._fields: defaultdict[str, list[str]] = defaultdict(list)

    def add(self, field: str, problem: str) -> None:
        self._fields[field].append(problem)

    def raise_if_any(self) -> None:
        if self._fields:
            raise BadUserInput(self._fields)

    # --- checks ------------------------------------------------------------------------------
    def carehq_id(self, field: str, value: str | None) -> None:
        if value is not None and not _CAREHQ_ID.fullmatch(value):
            self.add(field, f"{shown(value)} is not a CareHQ id (24 lowercase hexadecimal digits)")

    def carehq_id_list(self, field: str, values: Iterable[str] | None) -> None:
        for value in values or ():
            self.carehq_id(field, value)

    def at_most_items(self, field: str, values: Sequence[object] | None, maximum: int) -> None:
        """A list argument that multiplies upstream calls: refused over `maximum` entries."""
        if values is not None and len(values) > maximum:
            self.add(field, f"at most {maximum} entries, got {len(values)}")

    def bedful_id(self, field: str, value: str | None) -> int | None:
        if value is None:
            return None
        if not _BEDFUL_ID.fullmatch(value):
            self.add(field, f"{shown(value)} is not a Bedful id (a positive whole number)")
            return None
        return int(value)

    def at_least(self, field: str, value: int | None, minimum: int) -> None:
        if value is not None and value < minimum:
            self.add(field, f"must be at least {minimum}, got {value}")

    def between(self, field: str, value: int | None, low: int, high: int) -> None:
        if value is not None and not low <= value <= high:
            self.add(field, f"must be between {low} and {high}, got {value}")

    def not_blank(self, field: str, value: str | None) -> None:
        if value is not None and not value.strip():
            self.add(field, "must not be blank")

    def page(self, page: int, per_page: int) -> None:
        self.at_least("page", page, 1)
        self.between("perPage", per_page, 1, MAX_PER_PAGE)

    def ordered(self, first: str, low: date | None, second: str, high: date | None) -> None:
        if low is not None and high is not None and high < low:
            self.add(second, f"must not be before {first} ({low.isoformat()})")

    def window(self, start: date, end: date) -> None:
        """[start, end): `to` after `from`, at most MAX_WINDOW_DAYS long."""
        if end <= start:
            self.add("to", f"must be after from ({start.isoformat()})")
        elif (end - start).days > MAX_WINDOW_DAYS:
            self.add("to", f"the window may span at most {MAX_WINDOW_DAYS} days")
