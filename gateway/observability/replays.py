"""`CountReplays`: counts idempotent replays around any `IdempotencyStore`.

A replay is a create that finds its idempotency key already done and answers the booking the
first call made, instead of booking again: exactly a claim that comes back `DONE`. Wrapping
the store keeps the counting out of the idempotency logic and works for every store (in memory,
shared).
"""

from __future__ import annotations

from prometheus_client import Counter

from gateway.idempotency import Claim, ClaimState, IdempotencyStore


class CountReplays:
    def __init__(self, store: IdempotencyStore, replays: Counter) -> None:
        self.store = store
        self._replays = replays

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        claim = await self.store.claim(scope, key, fingerprint)
        if claim.state is ClaimState.DONE:
            self._replays.inc()
        return claim

    async def complete(self, scope: str, key: str, record_id: str) -> None:
        await self.store.complete(scope, key, record_id)

    async def outcome_unknown(self, scope: str, key: str, attempted_at: float) -> None:
        await self.store.outcome_unknown(scope, key, attempted_at)

    async def release(self, scope: str, key: str) -> None:
        await self.store.release(scope, key)
