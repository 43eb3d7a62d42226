"""The idempotency store and `run_once`, with a fake clock: expiry, conflicts, waiting for the
request in flight, unknown outcomes and abandoned claims. The store tests run on both stores: in
memory and on a real Redis (`gateway.shared.idempotency`). (The mutations' use of it is tested
end to end in test_mutations_carehq.py / test_mutations_bedful.py; across processes in
test_processes_redis.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest

from gateway.idempotency import (
    IN_FLIGHT_LEASE_SECONDS,
    TTL_SECONDS,
    Claim,
    ClaimState,
    IdempotencyKeyBusy,
    IdempotencyKeyReused,
    IdempotencyStore,
    InMemoryIdempotencyStore,
    fingerprint,
    run_once,
)
from gateway.shared.connection import SharedRedis
from gateway.shared.idempotency import RedisIdempotencyStore

START = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Lost(Exception):
    """Stands for WriteOutcomeUnknown."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, clock: FakeClock
) -> AsyncIterator[IdempotencyStore]:
    if request.param == "memory":
        yield InMemoryIdempotencyStore(clock=clock)
        return
    url = request.getfixturevalue("redis_url")
    redis = SharedRedis.from_url(url, display=url)
    try:
        yield RedisIdempotencyStore(redis, clock=clock)
    finally:
        await redis.aclose()


# --- the store ---------------------------------------------------------------------------------
async def test_first_claim_owns_the_key_and_later_ones_see_it_in_flight_then_done(
    store: IdempotencyStore,
) -> None:
    assert await store.claim("s", "k", "f") == Claim(ClaimState.CLAIMED)
    assert await store.claim("s", "k", "f") == Claim(ClaimState.IN_FLIGHT)
    await store.complete("s", "k", "id-1")
    assert await store.claim("s", "k", "f") == Claim(ClaimState.DONE, record_id="id-1")


async def test_a_key_with_different_input_is_refused_in_flight_and_done(
    store: IdempotencyStore,
) -> None:
    await store.claim("s", "k", "f")
    with pytest.raises(IdempotencyKeyReused):
        await store.claim("s", "k", "other")
    await store.complete("s", "k", "id-1")
    with pytest.raises(IdempotencyKeyReused):
        await store.claim("s", "k", "other")


async def test_scopes_do_not_share_keys(store: IdempotencyStore) -> None:
    await store.claim("carehq", "k", "f")
    assert (await store.claim("bedful", "k", "other")).state is ClaimState.CLAIMED


async def test_keys_live_24_hours_from_their_first_claim(clock: FakeClock) -> None:
    store = InMemoryIdempotencyStore(clock=clock)
    await store.claim("s", "k", "f")
    await store.complete("s", "k", "id-1")
    clock.now = START + TTL_SECONDS - 1
    assert (await store.claim("s", "k", "f")).state is ClaimState.DONE
    clock.now = START + TTL_SECONDS
    assert (await store.claim("s", "k", "other")).state is ClaimState.CLAIMED


async def test_an_unknown_outcome_hands_the_key_to_one_retry_with_the_attempt_time(
    store: IdempotencyStore,
) -> None:
    await store.claim("s", "k", "f")
    await store.outcome_unknown("s", "k", attempted_at=START + 1)
    assert await store.claim("s", "k", "f") == Claim(ClaimState.UNKNOWN, attempted_at=START + 1)
    # that retry now reconciles; others wait for it
    assert (await store.claim("s", "k", "f")).state is ClaimState.IN_FLIGHT


async def test_a_released_key_can_be_claimed_again(store: IdempotencyStore) -> None:
    await store.claim("s", "k", "f")
    await store.release("s", "k")
    assert (await store.claim("s", "k", "other")).state is ClaimState.CLAIMED


async def test_an_abandoned_claim_is_taken_over_as_unknown_after_its_lease(
    store: IdempotencyStore, clock: FakeClock
) -> None:
    await store.claim("s", "k", "f")
    clock.now = START + IN_FLIGHT_LEASE_SECONDS - 1
    assert (await store.claim("s", "k", "f")).state is ClaimState.IN_FLIGHT
    clock.now = START + IN_FLIGHT_LEASE_SECONDS
    assert await store.claim("s", "k", "f") == Claim(ClaimState.UNKNOWN, attempted_at=START)


def test_fingerprints_compare_content_not_identity() -> None:
    @dataclass(frozen=True)
    class New:
        room: str
        start: date | None = None

    assert fingerprint(New("a", date(2030, 1, 1))) == fingerprint(New("a", date(2030, 1, 1)))
    assert fingerprint(New("a", date(2030, 1, 1))) != fingerprint(New("a", date(2030, 1, 2)))
    assert fingerprint(New("a")) != fingerprint(New("b"))


# --- run_once ----------------------------------------------------------------------------------
class Upstream:
    """A fake upstream: counts creates, can hold them, lose their answer, or fail."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.sending = asyncio.Event()  # a create has started (and waits at the gate)
        self.lose_answer = False
        self.fail: Exception | None = None
        self.reconciled: list[float] = []

    async def create(self) -> str:
        self.sending.set()
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        self.created.append(f"id-{len(self.created) + 1}")
        if self.lose_answer:
            self.lose_answer = False
            raise Lost
        return self.created[-1]

    async def fetch(self, record_id: str) -> str:
        return record_id

    async def reconcile(self, attempted_at: float) -> str | None:
        self.reconciled.append(attempted_at)
        return self.created[-1] if self.created else None


async def once(
    store: IdempotencyStore,
    upstream: Upstream,
    payload: object = "input",
    *,
    wait_seconds: float = 5.0,
) -> str:
    return await run_once(
        store,
        scope="s",
        key="k",
        payload=payload,
        create=upstream.create,
        fetch=upstream.fetch,
        reconcile=upstream.reconcile,
        record_id=lambda record: record,
        unknown=Lost,
        poll_seconds=0.001,
        wait_seconds=wait_seconds,
        clock=lambda: START,
    )


async def test_a_request_in_flight_is_waited_for_not_repeated(
    store: IdempotencyStore,
) -> None:
    upstream = Upstream()
    upstream.gate.clear()
    first = asyncio.create_task(once(store, upstream))
    second = asyncio.create_task(once(store, upstream))
    await asyncio.sleep(0.02)
    assert not second.done()  # waiting for the first
    upstream.gate.set()
    assert await asyncio.gather(first, second) == ["id-1", "id-1"]
    assert upstream.created == ["id-1"]


async def test_a_waiter_gives_up_when_the_first_request_takes_too_long(
    store: IdempotencyStore,
) -> None:
    upstream = Upstream()
    upstream.gate.clear()
    first = asyncio.create_task(once(store, upstream))
    # The first holds the key once its create has started (a Redis store takes round trips to
    # claim it: one turn of the loop is not enough, and the second would claim it instead).
    await upstream.sending.wait()
    with pytest.raises(IdempotencyKeyBusy):
        await once(store, upstream, wait_seconds=0.01)
    upstream.gate.set()
    assert await first == "id-1"


async def test_same_key_other_input_is_refused_without_creating(
    store: IdempotencyStore,
) -> None:
    upstream = Upstream()
    await once(store, upstream, "input")
    with pytest.raises(IdempotencyKeyReused):
        await once(store, upstream, "other input")
    assert upstream.created == ["id-1"]


async def test_after_an_unknown_outcome_a_retry_reconciles_instead_of_creating(
    store: IdempotencyStore,
) -> None:
    upstream = Upstream()
    upstream.lose_answer = True
    with pytest.raises(Lost):
        await once(store, upstream)
    assert await once(store, upstream) == "id-1"
    assert upstream.reconciled == [START]
    assert upstream.created == ["id-1"]
    assert await once(store, upstream) == "id-1"  # and it is remembered as done
    assert upstream.reconciled == [START]


async def test_after_an_unknown_outcome_that_did_not_happen_the_retry_creates_once(
    store: IdempotencyStore,
) -> None:
    upstream = Upstream()
    upstream.fail = Lost()
    with pytest.raises(Lost):
        await once(store, upstream)
    upstream.fail = None
    assert await once(store, upstream) == "id-1"
    assert upstream.reconciled == [START]
    assert upstream.created == ["id-1"]


async def test_a_create_that_surely_failed_frees_the_key(store: IdempotencyStore) -> None:
    upstream = Upstream()
    upstream.fail = ValueError("refused")
    with pytest.raises(ValueError, match="refused"):
        await once(store, upstream)
    upstream.fail = None
    assert await once(store, upstream, "corrected input") == "id-1"
    assert upstream.reconciled == []


async def test_a_cancelled_create_counts_as_unknown(store: IdempotencyStore) -> None:
    upstream = Upstream()
    upstream.gate.clear()
    task = asyncio.create_task(once(store, upstream))
    await upstream.sending.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    upstream.gate.set()
    assert await once(store, upstream) == "id-1"
    assert upstream.reconciled == [START]  # looked up first: the request may have gone out


async def test_a_request_cancelled_while_claiming_leaves_the_key_free(
    store: IdempotencyStore,
) -> None:
    class AnswerNeverArrives:
        """The claim is made in the store, but its answer is on its way back when the request
        is cancelled (a client gone, a deadline), before anything was created."""

        def __init__(self) -> None:
            self.claimed = asyncio.Event()
            self.answer = asyncio.Event()

        async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
            claim = await store.claim(scope, key, fingerprint)
            self.claimed.set()
            await self.answer.wait()
            return claim

        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

    upstream, slow = Upstream(), AnswerNeverArrives()
    task = asyncio.create_task(once(slow, upstream))  # type: ignore[arg-type]
    await slow.claimed.wait()
    task.cancel()
    await asyncio.sleep(0)
    slow.answer.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await once(store, upstream, wait_seconds=0.5) == "id-1"  # not IdempotencyKeyBusy
    assert upstream.reconciled == []  # nothing had been sent
