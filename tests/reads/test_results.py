"""`ResultCache` over a real `BedfulSource` (sandbox, fake clock): what it keeps, for how long,
within what memory, and who waits for whom."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from gateway.reads.bedful.source import BedfulSource
from gateway.reads.dependencies import Dependencies
from gateway.reads.results import ResultCache
from gateway.reads.store import MemoryStore
from gateway.sandbox import Sandbox, credentials
from gateway.upstreams.bedful import BedfulClient, SlidingWindowLimiter, bedful_http_client
from tests.reads.test_bedful_source import STALENESS, Clock, stored


@pytest.fixture
async def make_source(sandbox: Sandbox, clock: Clock) -> AsyncIterator[Callable[[], BedfulSource]]:
    async with bedful_http_client(
        "http://bedful.sandbox",
        credentials.BEDFUL_API_KEY,
        transport=sandbox.transport("bedful"),
        timeouts=httpx.Timeout(5.0),
    ) as http:
        client = BedfulClient(http, limiter=SlidingWindowLimiter(((1000, 1.0),)), timeout=5.0)
        store = MemoryStore(max_weight=10_000, clock=clock)
        source = BedfulSource(client, max_staleness=STALENESS, store=store, clock=clock)
        yield lambda: source
        await source.aclose()


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=1, bedful_rate_limits=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def served_by(source: BedfulSource, booking_id: int) -> Dependencies:
    dependencies = Dependencies()
    await source.booking(booking_id, track=dependencies)
    return dependencies


async def test_kept_results_stay_within_their_bytes(
    make_source: Callable[[], BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source = make_source()
    cache = ResultCache(source, max_bytes=1000, clock=clock)
    ids = [stored(sandbox)["id"] for _ in range(3)]
    for booking_id in ids:
        lookup = await cache.lookup(f"k{booking_id}")
        assert lookup.data is None
        lookup.done({"a": b"x"}, 300, (await served_by(source, booking_id)).served)
    assert cache.size <= 1000
    assert (await cache.lookup(f"k{ids[0]}")).data is None  # least recently used: gone
    assert (await cache.lookup(f"k{ids[2]}")).data == {"a": b"x"}
    too_big = await cache.lookup("big")
    too_big.done({"a": b"x"}, 5000, (await served_by(source, ids[0])).served)
    assert (await cache.lookup("big")).data is None
    clock.now += STALENESS
    assert cache.size == 0  # nothing outlives the staleness bound


async def test_nothing_is_kept_without_dependencies_or_past_a_changed_entry(
    make_source: Callable[[], BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source = make_source()
    cache = ResultCache(source, max_bytes=10_000, clock=clock)
    booking = stored(sandbox)
    spoiled = await served_by(source, booking["id"])
    spoiled.spoil()  # read something else too (CareHQ, a write's check)
    (await cache.lookup("spoiled")).done({"a": b"x"}, 1, spoiled.served)
    assert (await cache.lookup("spoiled")).data is None

    (await cache.lookup("k")).done({"a": b"x"}, 1, (await served_by(source, booking["id"])).served)
    assert (await cache.lookup("k")).data == {"a": b"x"}
    now = await source.current(booking["id"])
    assert now.value is not None
    await source.written(now.value)
    assert (await cache.lookup("k")).data is None  # the write replaced the entry


async def test_identical_requests_wait_for_a_recomputation_once(
    make_source: Callable[[], BedfulSource], sandbox: Sandbox, clock: Clock
) -> None:
    source = make_source()
    cache = ResultCache(source, max_bytes=10_000, clock=clock)
    booking = stored(sandbox)
    first = await cache.lookup("k")
    first.done({"v": 1}, 1, (await served_by(source, booking["id"])).served)
    await source.current(booking["id"])  # a newer answer replaces the entry: recompute

    leader = await cache.lookup("k")
    assert leader.data is None
    waiting = asyncio.ensure_future(cache.lookup("k"))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not waiting.done()  # it waits for the leader instead of executing alongside
    leader.done({"v": 2}, 1, (await served_by(source, booking["id"])).served)
    assert (await waiting).data == {"v": 2}

    await source.current(booking["id"])
    failed = await cache.lookup("k")
    assert failed.data is None
    failed.done(None, 0, ())  # an error: nothing kept
    assert (await cache.lookup("k")).data is None  # and nobody was left waiting
