"""Per-request batched loaders (aiodataloader): one factory per kind of key.

Every loader lives for one GraphQL request (see `gateway.context`), so its cache never serves one
caller's data to another, and every load made in the same tick of the event loop becomes one
batch. Call budgets this buys (CareHQ counts, whatever the page size):

* rooms or bookings by id  -> one `filters-ids` list call per 100 distinct ids, with the union of
  the attributes every caller in the batch asked for (two fields wanting the same rooms with
  different selections still make one call);
* bookings of many rooms   -> one list call filtered by all those rooms, plus one per further
  upstream page (fetched concurrently once the first page tells how many there are);
* Bedful bookings by id    -> one call per distinct id (Bedful has no multi-id request), issued
  concurrently and paced by the Bedful client's rate limiter.

Mutations call `carehq_changed` / `bedful_changed` so that reads later in the same document see
the new state instead of a cached one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from aiodataloader import DataLoader

from gateway.upstreams.bedful import BedfulBooking, BedfulClient
from gateway.upstreams.carehq import (
    MAX_PER_PAGE,
    BookingQuery,
    BookingSortKey,
    CareHQBooking,
    CareHQClient,
    CareHQRoom,
    Page,
    RoomQuery,
    Sort,
    YesNo,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ById:
    """One record by id, with at least these attributes (client field names)."""

    id: str
    fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class BookingsOfRoom:
    """The bookings of one room that match `query` (whose `rooms` is ignored), in `sort` order."""

    room_id: str
    query: BookingQuery
    sort: tuple[Sort[BookingSortKey], ...]
    fields: frozenset[str]


async def all_pages(fetch: Callable[[int], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged CareHQ list: page 1 first (it tells how many pages there are),
    then the remaining pages concurrently; items keep the upstream's order."""
    first = await fetch(1)
    rest = await asyncio.gather(*(fetch(page) for page in range(2, first.page_count + 1)))
    return [item for page in (first, *rest) for item in page.items]


class Loaders:
    """This request's loaders. Create one per request; never share across requests."""

    def __init__(self, carehq: CareHQClient, bedful: BedfulClient) -> None:
        self._carehq = carehq
        self._bedful = bedful
        self.rooms = DataLoader[ById, CareHQRoom | None](self._load_rooms)
        self.bookings = DataLoader[ById, CareHQBooking | None](self._load_bookings)
        self.bookings_of_room = DataLoader[BookingsOfRoom, list[CareHQBooking]](
            self._load_bookings_of_rooms
        )
        self.bedful_bookings = DataLoader[int, BedfulBooking | None](self._load_bedful_bookings)

    def carehq_changed(self) -> None:
        """A CareHQ write happened: forget everything cached from CareHQ in this request."""
        self.rooms.clear_all()
        self.bookings.clear_all()
        self.bookings_of_room.clear_all()

    def bedful_changed(self, booking: BedfulBooking) -> None:
        """A Bedful write answered with `booking`: later reads in this request see it."""
        self.bedful_bookings.clear(booking.id).prime(booking.id, booking)

    # --- batch functions ---------------------------------------------------------------------
    async def _load_rooms(self, keys: list[ById]) -> list[CareHQRoom | None]:
        fields = _union(keys)

        async def fetch(ids: Sequence[str]) -> Page[CareHQRoom]:
            # Archived rooms are hidden by default upstream; a room named by id must still resolve.
            query = RoomQuery(ids=tuple(ids), archived=YesNo.UNSET)
            return await self._carehq.list_rooms(query, fields=fields, per_page=MAX_PER_PAGE)

        return await _by_ids(keys, fetch)

    async def _load_bookings(self, keys: list[ById]) -> list[CareHQBooking | None]:
        fields = _union(keys)

        async def fetch(ids: Sequence[str]) -> Page[CareHQBooking]:
            query = BookingQuery(ids=tuple(ids))
            return await self._carehq.list_bookings(query, fields=fields, per_page=MAX_PER_PAGE)

        return await _by_ids(keys, fetch)

    async def _load_bookings_of_rooms(
        self, keys: list[BookingsOfRoom]
    ) -> list[list[CareHQBooking]]:
        groups: dict[Hashable, list[BookingsOfRoom]] = defaultdict(list)
        for key in keys:
            groups[(key.query, key.sort)].append(key)
        found: dict[tuple[Hashable, str], list[CareHQBooking]] = defaultdict(list)

        async def load_group(group_key: Hashable, group: list[BookingsOfRoom]) -> None:
            fields = _union(group) | {"room"}
            room_ids = list(dict.fromkeys(key.room_id for key in group))
            for chunk in batched(room_ids, MAX_PER_PAGE):
                query = replace(group[0].query, rooms=chunk)
                items = await all_pages(
                    lambda page, query=query: self._carehq.list_bookings(  # type: ignore[misc]
                        query, fields=fields, sort=group[0].sort, page=page, per_page=MAX_PER_PAGE
                    )
                )
                for booking in items:
                    if booking.room is not None:
                        found[(group_key, booking.room)].append(booking)

        await asyncio.gather(*(load_group(gk, group) for gk, group in groups.items()))
        return [found.get(((key.query, key.sort), key.room_id), []) for key in keys]

    async def _load_bedful_bookings(self, ids: list[int]) -> list[BedfulBooking | None]:
        # An exception in a key's slot rejects that key only: one failing id, not the batch.
        results = await asyncio.gather(
            *(self._bedful.get_booking(booking_id) for booking_id in ids), return_exceptions=True
        )
        return list(results)  # type: ignore[arg-type]


def batched(items: Sequence[T], size: int) -> list[tuple[T, ...]]:
    """`itertools.batched` (Python 3.12+) for 3.11."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def _union(keys: Sequence[ById | BookingsOfRoom]) -> frozenset[str]:
    return frozenset().union(*(key.fields for key in keys))


async def _by_ids(
    keys: list[ById], fetch: Callable[[Sequence[str]], Awaitable[Page[T]]]
) -> list[T | None]:
    ids = list(dict.fromkeys(key.id for key in keys))
    pages = await asyncio.gather(*(fetch(chunk) for chunk in batched(ids, MAX_PER_PAGE)))
    by_id: dict[str, T] = {getattr(item, "id"): item for page in pages for item in page.items}  # noqa: B009
    return [by_id.get(key.id) for key in keys]
