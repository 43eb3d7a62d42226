"""What every request's Bedful reads share: coalescing, and a cache with bounded staleness.

Bedful allows 5 requests a second and 100 a minute for the whole gateway, so every answer is
shared by every request, under these rules:

* **Coalescing**: identical calls in flight at the same moment are one call (`Coalescer`).
* **Bounded staleness**: an answer is served for at most `max_staleness` seconds after the gateway
  ASKED for it (the moment before the call, so the age is never understated). Once it is half
  that old, the next read triggers one refresh in the background and is answered from the cache
  meanwhile (stale-while-revalidate); a read of an answer too old to serve waits for the call.
  So a booking changed in Bedful directly shows within `max_staleness`, and a hot key costs at
  most one call per `max_staleness / 2` seconds, whatever the number of readers.
* **Read-your-writes**: a write's answer replaces the cached booking at once (`written`), and
  every list that may contain it is dropped (its site's lists and the lists of every site), as
  are calls in flight that left before the write; a write of unknown outcome drops what it may
  have changed (`maybe_written`). The next read of the booking, a list or `stays` sees the write.
* **Keys**: each Bedful call is cached as asked (a by-id call; a list call with its filters and
  limit), so a cached answer is exactly Bedful's answer to that call. Answers are the same for
  every caller: the gateway has one Bedful key for all of them.

* **Reuse of results**: each read can tell a `Dependencies` which entry answered it (key and
  `Entry.version`); `still_serves` later says whether those entries are still what reads would be
  answered with, so a GraphQL result computed from them can be reused (`gateway.schema.reuse`).

Entries live in a `CacheStore` (in-process by default; a shared one can replace it), whose weight
bound (bookings held) caps the memory; `max_staleness = 0` turns the cache off (coalescing stays).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.reads.coalesce import Coalescer
from gateway.reads.dependencies import Dependencies, Served
from gateway.reads.store import CacheStore, Entry
from gateway.upstreams.bedful import BedfulBooking, BedfulClient, BedfulStatus
from gateway.upstreams.fanout import gather_or_cancel

__all__ = ["REFRESH_AFTER", "BedfulFilter", "BedfulSource", "Dated"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

logger = logging.getLogger(__name__)

REFRESH_AFTER = 0.5
"""The share of `max_staleness` after which a read also refreshes the answer in the background."""

_EVERY_LIST = "lists"
_MAX_REMEMBERED_INVALIDATIONS = 10_000


@dataclass(frozen=True, slots=True)
class BedfulFilter:
    """The filters of Bedful's list call; None = not sent. All given must match."""

    id: int | None = None
    user_id: int | None = None
    site_id: int | None = None
    status: BedfulStatus | None = None


@dataclass(frozen=True, slots=True)
class Dated(Generic[T_co]):
    """An answer and when the gateway asked Bedful for it (epoch seconds): it shows Bedful's
    state at that moment or later."""

    value: T_co
    fetched_at: float


def _site(site_id: int | None) -> str:
    """The tag of the lists of one site (None: the lists not narrowed to a site)."""
    return f"site:{site_id if site_id is not None else '*'}"


class BedfulSource:
    """One per process, over the process's `BedfulClient`. `clock` is epoch seconds."""

    def __init__(
        self,
        client: BedfulClient,
        *,
        max_staleness: float,
        store: CacheStore,
        clock: Callable[[], float] = time.time,
        on_lookup: Callable[[str], None] = lambda result: None,
    ) -> None:
        """`on_lookup(result)` hears of every cache lookup (for metrics): `hit`, `stale` (served
        while a background refresh runs) or `miss` (absent or too old: Bedful is asked)."""
        self.client = client
        self.max_staleness = max_staleness
        self._store = store if max_staleness > 0 else None
        self._clock = clock
        self._on_lookup = on_lookup
        self._coalescer = Coalescer()
        self._epoch = 0  # counts invalidations; a call spanning one of its key's keeps nothing
        self._invalidated: dict[str, int] = {}  # key or tag -> epoch of its last invalidation
        self._forgotten_before = 0  # calls started before this epoch keep nothing
        self._refreshes: set[asyncio.Task[Any]] = set()
        store.subscribe(self._note)

    def now(self) -> float:
        """The cache's clock (epoch seconds)."""
        return self._clock()

    @property
    def generation(self) -> int:
        """Goes up with every invalidation heard (a write here or in another process)."""
        return self._coalescer.generation

    # --- reads -------------------------------------------------------------------------------
    async def booking(
        self, booking_id: int, *, track: Dependencies | None = None
    ) -> Dated[BedfulBooking | None]:
        """The booking (None: Bedful has none with this id on our channel), at most
        `max_staleness` old. `track` hears which cache entry answered (`dependencies`)."""
        key = f"booking:{booking_id}"
        return await self._read(
            key, frozenset(), lambda: self.client.get_booking(booking_id), track
        )

    async def bookings(
        self, where: BedfulFilter, limit: int, *, track: Dependencies | None = None
    ) -> Dated[list[BedfulBooking]]:
        """Bedful's list call, at most `max_staleness` old."""
        key = (
            f"list:id={where.id}:user={where.user_id}:site={where.site_id}:"
            f"status={where.status}:limit={limit}"
        )
        return await self._read(
            key,
            frozenset({_EVERY_LIST, _site(where.site_id)}),
            lambda: self.client.list_bookings(
                id=where.id,
                user_id=where.user_id,
                site_id=where.site_id,
                status=where.status,
                limit=limit,
            ),
            track,
        )

    async def still_serves(self, served: Sequence[Served]) -> bool:
        """Whether every one of these entries is what a read of its key would be answered with
        now (same version, younger than `max_staleness`). If so, this counts as those reads:
        each is a cache lookup (metrics), and one past half the bound starts its background
        refresh, as a read would; if not, nothing happens (the caller reads again)."""
        if self._store is None or not served:
            return False
        store = self._store
        if len(served) == 1:  # the usual case: no tasks to make
            stamps = [await store.stamp(served[0].key)]
        else:  # a shared store answers over the network: ask for them all at once
            stamps = await gather_or_cancel(store.stamp(item.key) for item in served)
        now = self._clock()
        ages: list[float] = []
        for item, stamp in zip(served, stamps, strict=True):
            if stamp is None or stamp.version != item.version:
                return False
            ages.append(now - stamp.fetched_at)
            if ages[-1] >= self.max_staleness:
                return False
        for item, age in zip(served, ages, strict=True):
            if age >= self.max_staleness * REFRESH_AFTER:
                self._on_lookup("stale")
                self._refresh(item.key, item.tags, item.fetch)
            else:
                self._on_lookup("hit")
        return True

    async def current(self, booking_id: int) -> Dated[BedfulBooking | None]:
        """The booking as Bedful has it now, never from the cache (a write's checks need it);
        the answer refreshes the cache."""
        key = f"booking:{booking_id}"
        # Its own coalescing key: it must not join a read that waits behind other reads.
        dated, _ = await self._fetch(
            key,
            frozenset(),
            lambda: self.client.get_booking(booking_id, for_write=True),
            run_key=f"current:{booking_id}",
        )
        return dated

    # --- writes ------------------------------------------------------------------------------
    async def written(self, booking: BedfulBooking) -> None:
        """Bedful answered a write with `booking`: every later read, from any request, sees it."""
        key = f"booking:{booking.id}"
        await self._invalidate(keys={key}, tags={_site(booking.site_id), _site(None)})
        if self._store is not None:
            entry = Entry(booking, self._clock(), 1, frozenset())
            await self._store.set(key, entry, ttl=self.max_staleness)

    async def maybe_written(self, *, booking_id: int | None, site_id: int | None) -> None:
        """A write's outcome is unknown: forget whatever it may have changed (the booking, the
        lists of its site; every list when the site is not known)."""
        keys = {f"booking:{booking_id}"} if booking_id is not None else set()
        tags = {_site(site_id), _site(None)} if site_id is not None else {_EVERY_LIST}
        await self._invalidate(keys=keys, tags=tags)

    async def aclose(self) -> None:
        """Stop background refreshes (at shutdown, before the HTTP client closes)."""
        for task in list(self._refreshes):
            task.cancel()
        await asyncio.gather(*self._refreshes, return_exceptions=True)

    # --- the cache ---------------------------------------------------------------------------
    async def _read(
        self,
        key: str,
        tags: frozenset[str],
        fetch: Callable[[], Awaitable[T]],
        track: Dependencies | None = None,
    ) -> Dated[T]:
        if self._store is not None:
            entry = await self._store.get(key)
            if entry is not None:
                age = self._clock() - entry.fetched_at
                if age < self.max_staleness:
                    if age >= self.max_staleness * REFRESH_AFTER:
                        self._on_lookup("stale")
                        self._refresh(key, tags, fetch)
                    else:
                        self._on_lookup("hit")
                    if track is not None:
                        track.add(Served(key, entry.version, tags, fetch))
                    return Dated(entry.value, entry.fetched_at)
            self._on_lookup("miss")
        dated, version = await self._fetch(key, tags, fetch)
        if track is not None:
            track.add(Served(key, version, tags, fetch))
        return dated

    async def _fetch(
        self,
        key: str,
        tags: frozenset[str],
        fetch: Callable[[], Awaitable[T]],
        *,
        run_key: str | None = None,
    ) -> tuple[Dated[T], str]:
        """Bedful's answer, and the version of the entry it was kept as ("" when not kept)."""

        async def fetch_and_keep() -> tuple[Dated[T], str]:
            started, epoch = self._clock(), self._epoch
            value = await fetch()
            version = ""
            if self._store is not None and self._still_valid(key, tags, epoch):
                weight = max(1, len(value)) if isinstance(value, list) else 1
                entry = Entry(value, started, weight, tags)
                await self._store.set(key, entry, ttl=self.max_staleness)
                version = entry.version
            return Dated(value, started), version

        return await self._coalescer.run(run_key or key, fetch_and_keep, tags=tags | {key})

    def _refresh(self, key: str, tags: frozenset[str], fetch: Callable[[], Awaitable[T]]) -> None:
        if self._coalescer.is_running(key):
            return
        task = asyncio.ensure_future(self._fetch(key, tags, fetch))
        self._refreshes.add(task)
        task.add_done_callback(self._refresh_done)

    def _refresh_done(self, task: asyncio.Task[Any]) -> None:
        self._refreshes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Nobody waits for a background refresh: the next read past the bound tries again.
            logger.info("Bedful cache refresh failed: %s", type(task.exception()).__name__)

    def _still_valid(self, key: str, tags: frozenset[str], epoch: int) -> bool:
        """No invalidation of this key or its tags happened since the call started."""
        if epoch < self._forgotten_before:
            return False
        return all(self._invalidated.get(name, -1) <= epoch for name in (key, *tags))

    async def _invalidate(self, *, keys: Collection[str], tags: Collection[str]) -> None:
        self._note(keys, tags)
        if self._store is not None:
            await self._store.invalidate(keys=keys, tags=tags)

    def _note(self, keys: Collection[str], tags: Collection[str]) -> None:
        """Keys and tags were invalidated (here or, via the store, elsewhere): calls in flight
        that depend on them keep nothing, and later reads do not join them."""
        self._epoch += 1
        if len(self._invalidated) > _MAX_REMEMBERED_INVALIDATIONS:
            self._invalidated.clear()
            self._forgotten_before = self._epoch
        for name in (*keys, *tags):
            self._invalidated[name] = self._epoch
        self._coalescer.forget(keys=keys, tags=tags)
