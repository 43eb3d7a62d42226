"""The orders CareHQ rooms and bookings can be listed in (`sortBy`), as GraphQL enums, and their
translation into the CareHQ client's sort keys.

A value stands for a (key, descending) pair of the client's own sort keys, which the client
alone spells as CareHQ expects them; the first value in `sortBy` is the most significant.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from gateway.upstreams.carehq import BookingSortKey, RoomSortKey, Sort


def _sort(key: RoomSortKey | BookingSortKey, descending: bool, what: str) -> Any:
    order = "descending" if descending else "ascending"
    return strawberry.enum_value((key, descending), description=f"By {what}, {order}.")


@strawberry.enum(description="Orders for `rooms`; `_DESC` sorts descending. Default: `ID`.")
class RoomSort(Enum):
    ID = _sort(RoomSortKey.ID, False, "id")
    ID_DESC = _sort(RoomSortKey.ID, True, "id")
    CREATED = _sort(RoomSortKey.CREATED, False, "creation time")
    CREATED_DESC = _sort(RoomSortKey.CREATED, True, "creation time")
    FLOOR = _sort(RoomSortKey.FLOOR, False, "floor")
    FLOOR_DESC = _sort(RoomSortKey.FLOOR, True, "floor")
    MODIFIED = _sort(RoomSortKey.MODIFIED, False, "last change")
    MODIFIED_DESC = _sort(RoomSortKey.MODIFIED, True, "last change")
    NAME_NO = _sort(RoomSortKey.NAME, False, "name or number (`nameNo`)")
    NAME_NO_DESC = _sort(RoomSortKey.NAME, True, "name or number (`nameNo`)")


@strawberry.enum(description="Orders for bookings; `_DESC` sorts descending. Default: `ID`.")
class BookingSort(Enum):
    ID = _sort(BookingSortKey.ID, False, "id")
    ID_DESC = _sort(BookingSortKey.ID, True, "id")
    CREATED = _sort(BookingSortKey.CREATED, False, "creation time")
    CREATED_DESC = _sort(BookingSortKey.CREATED, True, "creation time")
    END_DATE = _sort(BookingSortKey.END_DATE, False, "end date")
    END_DATE_DESC = _sort(BookingSortKey.END_DATE, True, "end date")
    MODIFIED = _sort(BookingSortKey.MODIFIED, False, "last change")
    MODIFIED_DESC = _sort(BookingSortKey.MODIFIED, True, "last change")
    START_DATE = _sort(BookingSortKey.START_DATE, False, "start date")
    START_DATE_DESC = _sort(BookingSortKey.START_DATE, True, "start date")


RoomSortArgument = Annotated[
    list[RoomSort] | None,
    strawberry.argument(
        name="sortBy", description="Sort keys, most significant first; default: by id."
    ),
]
BookingSortArgument = Annotated[
    list[BookingSort] | None,
    strawberry.argument(
        name="sortBy", description="Sort keys, most significant first; default: by id."
    ),
]


def sort_of(order: list[RoomSort] | list[BookingSort] | None) -> tuple[Sort[Enum], ...]:
    return tuple(Sort(member.value[0], member.value[1]) for member in order or ())
