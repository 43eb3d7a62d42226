"""`BedfulSource` over the real Bedful client and sandbox, on a fake clock: what the sandbox saw
as the cache serves, refreshes, coalesces and forgets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from gateway.reads.bedful.source import BedfulFilter, BedfulSource
from gateway.reads.store import MemoryStore
from gateway.sandbox import FaultKind, Sandbox, credentials
from gateway.upstreams.bedful import (
    BedfulBooking,
    BedfulClient,
    SlidingWindowLimiter,
    bedful_http_client,
)
from gateway.upstreams.errors import UpstreamError

STALENESS = 10.0
SITE = 127


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=1, bedful_rate_limits=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_source(sandbox: Sandbox, clock: Clock) -> AsyncIterator[Callable[..., BedfulSource]]:
    opened: list[httpx.AsyncClient] = []
    sources: list[BedfulSource] = []

    def make(*, max_staleness: float = STALENESS, max_bookings: int = 10_000) -> BedfulSource:
        http = bedful_http_client(
            "http://bedful.sandbox",
            credentials.BEDFUL_API_KEY,
            transport=sandbox.transport("bedful"),
            timeouts=httpx.Timeout(5.0),
        )
        opened.append(http)
        client = BedfulClient(http, limiter=SlidingWindowLimiter(((1000, 1.0),)), timeout=5.0)
        store = MemoryStore(max_weight=max_bookings, clock=clock)
        source = BedfulSource(client, max_staleness=max_staleness, store=store, clock=clock)
        sources.append(source)
        return source

    yield make
    for source in sources:
        await source.aclose()
    for http in opened:
        await http.aclose()


def stored(sandbox: Sandbox, **fields: Any) -> dict[str, Any]:
    booking: dict[str, Any] = sandbox.bedful.store.add_booking(site_id=SITE, **fields)
    return booking


def gets(sandbox: Sandbox, booking_id: int) -> int:
    return len(sandbox.bedful.calls("GET", f"/bookings/{booking_id}"))


def lists(sandbox: Sandbox) -> int:
    return len(sandbox.bedful.calls("GET", "/bookings"))


async def settle(source: BedfulSource) -> None:
    """Let background refreshes finish."""
    for _ in range(50):
        await asyncio.sleep(0)
    await asyncio.gather(*source._refreshes, return_exceptions=True)


async def test_reads_within_the_staleness_make_one_call(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source, booking = make_source(), stored(sandbox)
    first = await source.booking(booking["id"])
    clock.now += STALENESS * 0.49
    again = await source.booking(booking["id"])
    assert again.value == first.value
    assert again.fetched_at == first.fetched_at == 2_000_000_000.0
    assert gets(sandbox, booking["id"]) == 1


async def test_a_change_made_in_bedful_directly_shows_within_the_staleness(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source, booking = make_source(), stored(sandbox, name="Before")
    assert (await source.booking(booking["id"])).value.name == "Before"  # type: ignore[union-attr]
    booking["name"] = "Changed at the park"

    clock.now += 1
    assert (await source.booking(booking["id"])).value.name == "Before"  # type: ignore[union-attr]
    clock.now += STALENESS  # past the bound: the read waits for Bedful
    fresh = await source.booking(booking["id"])
    assert fresh.value is not None
    assert fresh.value.name == "Changed at the park"
    assert fresh.fetched_at == clock.now
    assert gets(sandbox, booking["id"]) == 2


async def test_past_half_the_staleness_a_read_answers_at_once_and_refreshes_once(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source, booking = make_source(), stored(sandbox, name="Before")
    await source.booking(booking["id"])
    booking["name"] = "After"
    clock.now += STALENESS * 0.6

    answers = await asyncio.gather(*(source.booking(booking["id"]) for _ in range(10)))
    assert {a.value.name for a in answers if a.value} == {"Before"}  # served from the cache
    await settle(source)
    assert gets(sandbox, booking["id"]) == 2  # one refresh for ten readers
    refreshed = await source.booking(booking["id"])
    assert refreshed.value is not None
    assert refreshed.value.name == "After"
    assert refreshed.fetched_at == clock.now
    assert gets(sandbox, booking["id"]) == 2


async def test_identical_reads_in_flight_are_one_call_even_without_the_cache(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source, booking = make_source(max_staleness=0), stored(sandbox)
    await asyncio.gather(*(source.booking(booking["id"]) for _ in range(10)))
    await asyncio.gather(*(source.bookings(BedfulFilter(site_id=SITE), 500) for _ in range(10)))
    assert gets(sandbox, booking["id"]) == 1
    assert lists(sandbox) == 1
    await source.booking(booking["id"])  # no cache: a later read asks again
    assert gets(sandbox, booking["id"]) == 2


async def test_a_list_is_cached_per_call_and_a_write_drops_the_lists_that_may_hold_it(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source, booking = make_source(), stored(sandbox)
    site, other_site, every = (
        BedfulFilter(site_id=SITE),
        BedfulFilter(site_id=133),
        BedfulFilter(),
    )
    for where in (site, other_site, every, site, other_site, every):
        await source.bookings(where, 10_000)
    assert lists(sandbox) == 3

    written = await source.client.cancel_booking(booking["id"])
    await source.written(written)

    assert (await source.booking(booking["id"])).value == written  # no call: the write's answer
    assert gets(sandbox, booking["id"]) == 0
    for where in (site, every):
        found = {b.id: b.status_code for b in (await source.bookings(where, 10_000)).value}
        assert found[booking["id"]] == 11
    await source.bookings(other_site, 10_000)  # another site's list cannot hold it: kept
    assert lists(sandbox) == 5


@pytest.mark.parametrize("staleness", [STALENESS, 0], ids=["cached", "cache-off"])
async def test_a_read_in_flight_during_a_write_does_not_bring_the_old_state_back(
    make_source: Callable[..., BedfulSource],
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    staleness: float,
) -> None:
    source, booking = make_source(max_staleness=staleness), stored(sandbox)
    answered, gate = asyncio.Event(), asyncio.Event()
    real_get = source.client.get_booking

    async def slow_answer(booking_id: int) -> BedfulBooking | None:
        found = await real_get(booking_id)  # Bedful answered before the write...
        answered.set()
        await gate.wait()  # ...and the answer arrives after it
        return found

    monkeypatch.setattr(source.client, "get_booking", slow_answer)
    early = asyncio.ensure_future(source.booking(booking["id"]))
    await answered.wait()
    written = await source.client.cancel_booking(booking["id"])
    await source.written(written)
    monkeypatch.setattr(source.client, "get_booking", real_get)

    # Does not join the read that left before (were it to, it would wait for the gate: a hang,
    # cut short here).
    late = await asyncio.wait_for(source.booking(booking["id"]), timeout=5)
    gate.set()
    old = (await early).value
    assert old is not None
    assert old.status_code != 11
    assert late.value == written
    assert (await source.booking(booking["id"])).value == written  # the old answer not kept
    assert gets(sandbox, booking["id"]) == (1 if staleness else 3)


async def test_current_never_answers_from_the_cache(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source, booking = make_source(), stored(sandbox, name="Before")
    await source.booking(booking["id"])
    booking["name"] = "After"
    assert (await source.current(booking["id"])).value.name == "After"  # type: ignore[union-attr]
    assert (await source.booking(booking["id"])).value.name == "After"  # type: ignore[union-attr]
    assert gets(sandbox, booking["id"]) == 2


async def test_an_unknown_outcome_drops_the_booking_and_its_sites_lists(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source, booking = make_source(), stored(sandbox)
    await source.booking(booking["id"])
    await source.bookings(BedfulFilter(site_id=SITE), 500)
    await source.maybe_written(booking_id=booking["id"], site_id=None)
    await source.booking(booking["id"])
    await source.bookings(BedfulFilter(site_id=SITE), 500)
    assert (gets(sandbox, booking["id"]), lists(sandbox)) == (2, 2)


async def test_the_cache_holds_at_most_its_bound_of_bookings(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source = make_source(max_bookings=50)
    ids = [stored(sandbox)["id"] for _ in range(60)]
    for booking_id in ids:
        await source.booking(booking_id)
    store = source._store
    assert isinstance(store, MemoryStore)
    assert store.weight == 50
    await source.bookings(BedfulFilter(), 10_000)  # a list heavier than the bound: not kept
    assert store.weight <= 50
    await source.booking(ids[0])  # evicted first (least recently used): asked again
    assert gets(sandbox, ids[0]) == 2


async def test_errors_are_not_cached(
    make_source: Callable[..., BedfulSource], sandbox: Sandbox
) -> None:
    source, booking = make_source(), stored(sandbox)
    sandbox.bedful.inject(FaultKind.ERROR, status=500, times=1)  # not retried by the client
    with pytest.raises(UpstreamError):
        await source.booking(booking["id"])
    assert (await source.booking(booking["id"])).value is not None
    assert gets(sandbox, booking["id"]) == 2
