"""`MemoryStore`: bounded by the records it holds, entries expire, invalidation by key and tag."""

from __future__ import annotations

from gateway.reads.store import Entry, MemoryStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def entry(value: object, weight: int = 1, *tags: str) -> Entry:
    return Entry(value, fetched_at=0.0, weight=weight, tags=frozenset(tags))


async def test_an_entry_expires_after_its_ttl() -> None:
    clock = Clock()
    store = MemoryStore(max_weight=10, clock=clock)
    await store.set("k", entry("v"), ttl=10)
    clock.now += 9.9
    assert (await store.get("k")) == entry("v")
    clock.now += 0.2
    assert await store.get("k") is None
    assert len(store) == 0


async def test_the_least_recently_used_go_first_once_the_records_weigh_too_much() -> None:
    store = MemoryStore(max_weight=100, clock=Clock())
    await store.set("list-a", entry("a", 60), ttl=10)
    await store.set("one", entry("x", 1), ttl=10)
    assert await store.get("list-a") is not None  # used: "one" is now the least recent
    await store.set("list-b", entry("b", 40), ttl=10)
    assert await store.get("one") is None
    assert await store.get("list-a") is not None
    assert await store.get("list-b") is not None
    assert store.weight == 100


async def test_an_entry_heavier_than_the_store_is_not_kept_nor_its_older_answer() -> None:
    store = MemoryStore(max_weight=10, clock=Clock())
    await store.set("k", entry("small", 1), ttl=10)
    await store.set("k", entry("huge", 11), ttl=10)
    assert await store.get("k") is None
    assert store.weight == 0


async def test_invalidate_by_key_and_by_tag() -> None:
    store = MemoryStore(max_weight=100, clock=Clock())
    await store.set("booking:1", entry(1), ttl=10)
    await store.set("list:site=1", entry([1], 1, "site:1"), ttl=10)
    await store.set("list:site=2", entry([2], 1, "site:2"), ttl=10)
    await store.set("list:all", entry([1, 2], 2, "site:*"), ttl=10)

    await store.invalidate(keys={"booking:1"}, tags={"site:1", "site:*"})

    assert await store.get("booking:1") is None
    assert await store.get("list:site=1") is None
    assert await store.get("list:all") is None
    assert await store.get("list:site=2") is not None
