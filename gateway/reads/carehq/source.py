"""What every request's CareHQ reads share: coalescing of identical calls in flight.

`CareHQSource` has the read methods of `CareHQClient` with the same signatures; two requests
asking CareHQ the same question (same resource, filters, attributes, sort and page) at the same
moment make one call. Answers are immutable records, so sharing them is safe, and the same for
every caller: the gateway has one CareHQ key for all of them.

No answer is kept once its call is over (no cache): CareHQ reports a generous per-key budget in
headers, and residents' bookings change from CareHQ's own screens, where a stale answer would be
wrong without saving anything that matters.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from gateway.reads.coalesce import Coalescer
from gateway.upstreams.carehq import (
    BookingQuery,
    BookingSortKey,
    CareHQBooking,
    CareHQClient,
    CareHQRoom,
    Page,
    RoomQuery,
    RoomSortKey,
    Sort,
)

__all__ = ["CareHQSource"]


class CareHQSource:
    """One per process, over the process's `CareHQClient`."""

    def __init__(self, client: CareHQClient) -> None:
        self.client = client
        self._coalescer = Coalescer()

    async def list_rooms(
        self,
        query: RoomQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[RoomSortKey]] = (),
        page: int = 1,
        per_page: int = 10,
    ) -> Page[CareHQRoom]:
        only, order = frozenset(fields), tuple(sort)
        return await self._coalescer.run(
            ("rooms", query, only, order, page, per_page),
            lambda: self.client.list_rooms(
                query, fields=only, sort=order, page=page, per_page=per_page
            ),
        )

    async def list_bookings(
        self,
        query: BookingQuery,
        *,
        fields: Collection[str],
        sort: Sequence[Sort[BookingSortKey]] = (),
        page: int = 1,
        per_page: int = 10,
    ) -> Page[CareHQBooking]:
        only, order = frozenset(fields), tuple(sort)
        return await self._coalescer.run(
            ("bookings", query, only, order, page, per_page),
            lambda: self.client.list_bookings(
                query, fields=only, sort=order, page=page, per_page=per_page
            ),
        )

    async def get_booking(self, booking_id: str) -> CareHQBooking | None:
        return await self._coalescer.run(
            ("booking", booking_id), lambda: self.client.get_booking(booking_id)
        )

    @property
    def generation(self) -> int:
        """Goes up with every `changed`."""
        return self._coalescer.generation

    def changed(self) -> None:
        """A CareHQ write happened: later reads start new calls rather than join one that may
        have left before the write (read-your-writes across requests)."""
        self._coalescer.forget(every=True)
