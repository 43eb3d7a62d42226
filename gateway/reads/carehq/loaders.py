"""CareHQ reads: every CareHQ read a resolver makes goes through `CareHQReads`.

One `CareHQReads` lives for one GraphQL request (see `gateway.context`): its batched loaders
(aiodataloader) turn every load made in the same tick of the event loop into one call. Below it,
the process-wide `CareHQSource` makes identical calls in flight at the same moment, from any
requests, one call (coalescing); nothing is cached across requests. Call budgets this buys (CareHQ
counts, whatever the page size):

* rooms or bookings by id  -> one `filters-ids` list call per 100 distinct ids, with the union of
  the attributes every caller in the batch asked for (two fields wanting the same rooms with
  different selections still make one call);
* bookings of many rooms   -> one list call filtered by all those rooms, plus one per further
  upstream page (fetched concurrently once the first page tells how many there are);
* whole lists (`all_rooms`, `all_bookings`) -> one call per 100 items, by id, page 1 first.

A CareHQ write calls `changed`, so reads later in the same document see the new state.
"""

from __future__ import annotations

from asyncio import Future
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from aiodataloader import DataLoader

from gateway.reads.carehq.source import CareHQSource
from gateway.upstreams.carehq import (
    MAX_PER_PAGE,
    BookingQuery,
    BookingSortKey,
    CareHQBooking,
    CareHQRoom,
    NewCareHQBooking,
    Page,
    RoomQuery,
    RoomSortKey,
    Sort,
    YesNo,
)
from gateway.upstreams.carehq.paging import all_pages, batched
from gateway.upstreams.carehq.recovery import find_created
from gateway.upstreams.fanout import gather_or_cancel

T = TypeVar("T")

_ROOMS_BY_ID = (Sort(RoomSortKey.ID),)  # stable pages while they are fetched concurrently
_BOOKINGS_BY_ID = (Sort(BookingSortKey.ID),)


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


class CareHQReads:
    """This request's CareHQ reads. Create one per request; never share across requests."""

    def __init__(self, source: CareHQSource) -> None:
        self._source = source  # process-wide: coalesces identical calls across requests
        # Batch functions bound to the source, not to this object: a loader holding a method of
        # the object that holds it is a reference cycle, and every request's reads would wait
        # for the garbage collector instead of going when the request does.
        self._rooms = DataLoader[ById, CareHQRoom | None](partial(self._load_rooms, source))
        self._bookings = DataLoader[ById, CareHQBooking | None](
            partial(self._load_bookings, source)
        )
        self._bookings_of_room = DataLoader[BookingsOfRoom, list[CareHQBooking]](
            partial(self._load_bookings_of_rooms, source)
        )

    # --- by id and by room: batched ------------------------------------------------------------
    async def room(self, room_id: str, fields: frozenset[str]) -> CareHQRoom | None:
        """The room (archived ones too) with at least `fields`; None if CareHQ has none."""
        room: CareHQRoom | None = await self._rooms.load(ById(room_id, fields))
        return room

    def room_load(self, room_id: str, fields: frozenset[str]) -> Future[CareHQRoom | None]:
        """As `room`, as the loader's own future (the same one for the same room and fields):
        many rooms loaded ahead are waited for together, without a coroutine each."""
        return self._rooms.load(ById(room_id, fields))

    async def booking(self, booking_id: str, fields: frozenset[str]) -> CareHQBooking | None:
        """The booking with at least `fields`; None if CareHQ has none."""
        booking: CareHQBooking | None = await self._bookings.load(ById(booking_id, fields))
        return booking

    async def bookings_of_room(self, key: BookingsOfRoom) -> list[CareHQBooking]:
        bookings: list[CareHQBooking] = await self._bookings_of_room.load(key)
        return bookings

    async def whole_booking(self, booking_id: str) -> CareHQBooking | None:
        """The booking with every attribute, as CareHQ has it now (for a write's checks)."""
        return await self._source.get_booking(booking_id)

    # --- lists -----------------------------------------------------------------------------
    async def rooms_page(
        self,
        query: RoomQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[RoomSortKey]],
        page: int,
        per_page: int,
    ) -> Page[CareHQRoom]:
        return await self._source.list_rooms(
            query, fields=fields, sort=sort, page=page, per_page=per_page
        )

    async def bookings_page(
        self,
        query: BookingQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[BookingSortKey]],
        page: int,
        per_page: int,
    ) -> Page[CareHQBooking]:
        return await self._source.list_bookings(
            query, fields=fields, sort=sort, page=page, per_page=per_page
        )

    async def all_rooms(self, query: RoomQuery, *, fields: Collection[str]) -> list[CareHQRoom]:
        """Every room matching `query`, in id order: one call per 100 rooms."""
        return await all_pages(
            lambda page: self.rooms_page(
                query, fields=fields, sort=_ROOMS_BY_ID, page=page, per_page=MAX_PER_PAGE
            )
        )

    async def all_bookings(
        self, query: BookingQuery, *, fields: Collection[str]
    ) -> list[CareHQBooking]:
        """Every booking matching `query`, in id order: one call per 100 bookings."""
        return await all_pages(
            lambda page: self.bookings_page(
                query, fields=fields, sort=_BOOKINGS_BY_ID, page=page, per_page=MAX_PER_PAGE
            )
        )

    async def find_created(
        self, new: NewCareHQBooking, attempted_at: float
    ) -> CareHQBooking | None:
        """The booking a create of unknown outcome made, if any (`carehq.recovery`)."""
        return await find_created(self._source.client, new, attempted_at)

    def changed(self) -> None:
        """A CareHQ write happened: forget everything this request read from CareHQ, and let no
        later read (of any request) join a call that left before the write."""
        self._source.changed()
        self._rooms.clear_all()
        self._bookings.clear_all()
        self._bookings_of_room.clear_all()

    # --- batch functions ---------------------------------------------------------------------
    @staticmethod
    async def _load_rooms(source: CareHQSource, keys: list[ById]) -> list[CareHQRoom | None]:
        fields = _union(keys)

        async def fetch(ids: Sequence[str]) -> Page[CareHQRoom]:
            # Archived rooms are hidden by default upstream; a room named by id must still resolve.
            query = RoomQuery(ids=tuple(ids), archived=YesNo.UNSET)
            return await source.list_rooms(query, fields=fields, per_page=MAX_PER_PAGE)

        return await _by_ids(keys, fetch)

    @staticmethod
    async def _load_bookings(source: CareHQSource, keys: list[ById]) -> list[CareHQBooking | None]:
        fields = _union(keys)

        async def fetch(ids: Sequence[str]) -> Page[CareHQBooking]:
            query = BookingQuery(ids=tuple(ids))
            return await source.list_bookings(query, fields=fields, per_page=MAX_PER_PAGE)

        return await _by_ids(keys, fetch)

    @staticmethod
    async def _load_bookings_of_rooms(
        source: CareHQSource, keys: list[BookingsOfRoom]
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
                    lambda page, query=query: source.list_bookings(  # type: ignore[misc]
                        query, fields=fields, sort=group[0].sort, page=page, per_page=MAX_PER_PAGE
                    )
                )
                for booking in items:
                    if booking.room is not None:
                        found[(group_key, booking.room)].append(booking)

        await gather_or_cancel(load_group(gk, group) for gk, group in groups.items())
        return [found.get(((key.query, key.sort), key.room_id), []) for key in keys]


def _union(keys: Sequence[ById | BookingsOfRoom]) -> frozenset[str]:
    return frozenset().union(*(key.fields for key in keys))


async def _by_ids(
    keys: list[ById], fetch: Callable[[Sequence[str]], Awaitable[Page[T]]]
) -> list[T | None]:
    ids = list(dict.fromkeys(key.id for key in keys))
    pages = await gather_or_cancel(fetch(chunk) for chunk in batched(ids, MAX_PER_PAGE))
    by_id: dict[str, T] = {getattr(item, "id"): item for page in pages for item in page.items}  # noqa: B009
    return [by_id.get(key.id) for key in keys]
