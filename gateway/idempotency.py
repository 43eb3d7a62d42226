"""Idempotency keys for the create mutations: a repeated create never books twice.

A client sends `idempotencyKey` with a create. The first request with a key claims it and
performs the create; the upstream id of what it created is kept for `TTL_SECONDS` (24 hours from
the first claim). A later request with the same key and the same input gets that record back
(read afresh from the upstream) without a second create; one arriving while the first is still
in flight waits for it. The same key with different input is refused (`IdempotencyKeyReused`).

When the first create's outcome is unknown (the upstream took the request but no answer came,
or the request was cancelled while the create was on the wire), the key remembers that. A retry
with the key then asks `reconcile` (look the record up upstream) before it creates again, which
is what makes "retry with the same key" safe.

`IdempotencyStore` is the seam for several gateway processes: `gateway.shared.idempotency`
implements it on Redis (one Lua script per transition) and replaces `InMemoryIdempotencyStore`
when `GATEWAY_REDIS_URL` is set. A shared store keeps `claim` atomic and the in-flight lease (an
owner that died mid-create must not block its key for 24 h). When it cannot be reached it raises
`IdempotencyStoreUnavailable`: `run_once` then refuses before creating anything, and a create
that did happen is still returned (its key is settled later through the lease and `reconcile`).

    state        what the next `claim` with the same fingerprint answers
    (no entry)   CLAIMED: the caller owns the key and must create, then `complete` / `release`
                 / `outcome_unknown`
    IN_FLIGHT    IN_FLIGHT: wait and claim again; after `IN_FLIGHT_LEASE_SECONDS` the owner is
                 presumed dead and the claim becomes UNKNOWN (the caller takes over)
    UNKNOWN      UNKNOWN: the caller now owns the key (IN_FLIGHT again) and reconciles first
    DONE         DONE with `record_id`
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar

R = TypeVar("R")

logger = logging.getLogger(__name__)

TTL_SECONDS = 24 * 60 * 60
IN_FLIGHT_LEASE_SECONDS = 300.0
"""Longer than any owner can take: a reconcile plus a create, each bounded by the upstream
client's deadline (at most 120 s by the settings)."""
WAIT_FOR_IN_FLIGHT_SECONDS = 30.0
"""How long a duplicate request waits for the first one before giving up (`IdempotencyKeyBusy`)."""
CLAIM_ANSWER_SECONDS = 5.0
"""How long a cancelled request still waits for its claim's answer, to hand the key back."""
_SWEEP_EVERY_SECONDS = 60.0


class IdempotencyKeyReused(Exception):
    """The key was used before with different input."""


class IdempotencyKeyBusy(Exception):
    """An earlier request with this key is still running after `WAIT_FOR_IN_FLIGHT_SECONDS`."""


class IdempotencyStoreUnavailable(Exception):
    """The shared store of keys cannot be reached: the key cannot be checked, so nothing is
    created."""


class ClaimState(Enum):
    CLAIMED = "claimed"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    record_id: str | None = None
    attempted_at: float | None = None
    """Epoch seconds of the create whose outcome is unknown (UNKNOWN only)."""


class IdempotencyStore(Protocol):
    """Atomic claims on (scope, key); see the module docstring for the states. Entries expire
    `TTL_SECONDS` after their first claim."""

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        """Raises `IdempotencyKeyReused` when a live entry has another fingerprint."""
        ...

    async def complete(self, scope: str, key: str, record_id: str) -> None: ...
    async def outcome_unknown(self, scope: str, key: str, attempted_at: float) -> None: ...
    async def release(self, scope: str, key: str) -> None: ...


@dataclass
class _Entry:
    fingerprint: str
    expires: float
    state: ClaimState
    lease_until: float = 0.0
    started: float = 0.0  # when the current owner took the key (epoch seconds)
    record_id: str | None = None
    attempted_at: float | None = None


class InMemoryIdempotencyStore:
    """One process's keys. Atomic because no method awaits between reading and writing.

    `clock` gives epoch seconds (a fake one in tests); it must be a wall clock, since an
    abandoned claim's start time is handed to `reconcile` to compare with upstream timestamps.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._next_sweep = 0.0

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        now = self._clock()
        self._sweep(now)
        entry = self._entries.get((scope, key))
        if entry is None or entry.expires <= now:
            self._entries[(scope, key)] = _Entry(
                fingerprint,
                expires=now + TTL_SECONDS,
                state=ClaimState.IN_FLIGHT,
                lease_until=now + IN_FLIGHT_LEASE_SECONDS,
                started=now,
            )
            return Claim(ClaimState.CLAIMED)
        if entry.fingerprint != fingerprint:
            raise IdempotencyKeyReused(key)
        if entry.state is ClaimState.IN_FLIGHT and entry.lease_until <= now:
            entry.state, entry.attempted_at = ClaimState.UNKNOWN, entry.started
        if entry.state is ClaimState.UNKNOWN:
            attempted_at = entry.attempted_at
            entry.state, entry.started = ClaimState.IN_FLIGHT, now
            entry.lease_until = now + IN_FLIGHT_LEASE_SECONDS
            return Claim(ClaimState.UNKNOWN, attempted_at=attempted_at)
        return Claim(entry.state, record_id=entry.record_id)

    async def complete(self, scope: str, key: str, record_id: str) -> None:
        entry = self._entries.get((scope, key))
        if entry is not None:
            entry.state, entry.record_id = ClaimState.DONE, record_id

    async def outcome_unknown(self, scope: str, key: str, attempted_at: float) -> None:
        entry = self._entries.get((scope, key))
        if entry is not None:
            entry.state, entry.attempted_at = ClaimState.UNKNOWN, attempted_at

    async def release(self, scope: str, key: str) -> None:
        self._entries.pop((scope, key), None)

    def _sweep(self, now: float) -> None:
        """Forgets expired keys, at most once a minute (claims check expiry themselves)."""
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_EVERY_SECONDS
            self._entries = {k: e for k, e in self._entries.items() if e.expires > now}


def fingerprint(payload: Any) -> str:
    """A stable digest of a create's input. Dataclasses are compared by type and fields; dates
    and enums by their text. The caller leaves the idempotency key itself out of `payload`."""
    text = json.dumps(_plain(payload), sort_keys=True, default=_text, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(payload: Any) -> Any:
    if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        return {"type": type(payload).__qualname__, "fields": dataclasses.asdict(payload)}
    return payload


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


async def run_once(
    store: IdempotencyStore,
    *,
    scope: str,
    key: str,
    payload: Any,
    create: Callable[[], Awaitable[R]],
    fetch: Callable[[str], Awaitable[R]],
    reconcile: Callable[[float], Awaitable[R | None]],
    record_id: Callable[[R], str],
    unknown: type[BaseException] | tuple[type[BaseException], ...],
    poll_seconds: float = 0.05,
    wait_seconds: float | None = None,
    clock: Callable[[], float] = time.time,
) -> R:
    """Creates at most once per (scope, key): see the module docstring.

    `fetch(id)` reads a record created before; `reconcile(attempted_at)` looks upstream for the
    record an unknown-outcome create (sent at `attempted_at`, epoch seconds) may have made
    (None: it was not made); `unknown` is the exception class(es) meaning "the outcome is
    unknown". A cancelled create counts as unknown too: the request may already be on the wire.
    Any other failure of `create` frees the key (nothing was created). A request finding the key
    in flight waits `wait_seconds` for it (default: `WAIT_FOR_IN_FLIGHT_SECONDS`, read at each
    call) before `IdempotencyKeyBusy`.
    """
    digest = fingerprint(payload)
    loop = asyncio.get_running_loop()
    wait = WAIT_FOR_IN_FLIGHT_SECONDS if wait_seconds is None else wait_seconds
    deadline = loop.time() + wait
    delay = poll_seconds
    while True:
        claim = await _claim(store, scope, key, digest)
        if claim.state is ClaimState.DONE:
            assert claim.record_id is not None  # noqa: S101 - DONE always carries the id
            return await fetch(claim.record_id)
        if claim.state is not ClaimState.IN_FLIGHT:
            break
        if loop.time() + delay > deadline:
            raise IdempotencyKeyBusy(key)
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.5)  # a shared store should not be polled hard

    if claim.state is ClaimState.UNKNOWN:
        assert claim.attempted_at is not None  # noqa: S101 - UNKNOWN always carries the time
        try:
            found = await reconcile(claim.attempted_at)
        except BaseException:
            await _settle(store.outcome_unknown(scope, key, claim.attempted_at))
            raise
        if found is not None:
            await _settle(store.complete(scope, key, record_id(found)))
            return found

    attempted_at = clock()
    try:
        created = await create()
    except unknown:
        await _settle(store.outcome_unknown(scope, key, attempted_at))
        raise
    except asyncio.CancelledError:
        await _settle(store.outcome_unknown(scope, key, attempted_at))
        raise
    except BaseException:
        # It definitely did not happen: the key is free again.
        await _settle(store.release(scope, key))
        raise
    await _settle(store.complete(scope, key, record_id(created)))
    return created


async def _claim(store: IdempotencyStore, scope: str, key: str, digest: str) -> Claim:
    """`store.claim`, safe against the caller being cancelled while a shared store answers: the
    claim may already be made there, and would otherwise block the key for the in-flight lease.
    So the answer is still awaited (briefly) and a claim this request now owns is handed back:
    released (nothing was created), or left UNKNOWN as it was."""
    claiming = asyncio.ensure_future(store.claim(scope, key, digest))
    try:
        return await asyncio.shield(claiming)
    except asyncio.CancelledError:
        done, _ = await asyncio.wait({claiming}, timeout=CLAIM_ANSWER_SECONDS)
        if claiming in done and claiming.exception() is None:
            claim = claiming.result()
            if claim.state is ClaimState.CLAIMED:
                await _settle(store.release(scope, key))
            elif claim.state is ClaimState.UNKNOWN and claim.attempted_at is not None:
                await _settle(store.outcome_unknown(scope, key, claim.attempted_at))
        claiming.cancel()
        raise


async def _settle(update: Awaitable[None]) -> None:
    """Records what became of a claimed key. If the store is unreachable now, the key stays in
    flight until its lease ends; the next claim then reconciles with the upstream before
    creating, so nothing is created twice, and the caller still gets what happened."""
    try:
        await update
    except IdempotencyStoreUnavailable:
        logger.warning(
            "could not record the outcome of an idempotent create; its key is settled after "
            "the in-flight lease (%.0f s) by looking the record up upstream",
            IN_FLIGHT_LEASE_SECONDS,
        )
