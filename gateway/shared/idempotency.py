"""`RedisIdempotencyStore`: the idempotency records of `gateway.idempotency`, shared by every
process through Redis.

One hash per (scope, key) with the fields of the in-memory entry; each transition is one Lua
script, so it is atomic across processes exactly as `InMemoryIdempotencyStore` is within one:
of ten concurrent claims on one key, one gets CLAIMED and the others see IN_FLIGHT (then DONE).
The hash expires `TTL_SECONDS` after the first claim (`PEXPIRE`, set once). Times are the
callers' wall clocks (epoch seconds), as in memory: replicas are expected to run NTP.

Redis unavailable: every method raises `IdempotencyStoreUnavailable`; `run_once` then refuses a
create before it is sent, rather than risk a second booking.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from gateway.idempotency import (
    IN_FLIGHT_LEASE_SECONDS,
    TTL_SECONDS,
    Claim,
    ClaimState,
    IdempotencyKeyReused,
    IdempotencyStoreUnavailable,
)
from gateway.shared.connection import SharedRedis, SharedStateUnavailable

__all__ = ["RedisIdempotencyStore"]

KEY_PREFIX = "gateway:idempotency:"

# KEYS[1] the record; ARGV fingerprint, now (epoch s), ttl (ms), lease (s).
# Answers {state[, record id or attempted_at]}; "reused" for another fingerprint.
_CLAIM = """
local e = redis.call('HMGET', KEYS[1], 'fp', 'state', 'lease_until', 'started', 'record_id',
                     'attempted_at')
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[4])
if not e[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'in_flight',
             'lease_until', tostring(now + lease), 'started', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if e[1] ~= ARGV[1] then return {'reused'} end
local state, attempted = e[2], e[6]
if state == 'in_flight' and tonumber(e[3]) <= now then state, attempted = 'unknown', e[4] end
if state == 'unknown' then
  redis.call('HSET', KEYS[1], 'state', 'in_flight', 'started', ARGV[2],
             'lease_until', tostring(now + lease))
  return {'unknown', attempted}
end
if state == 'done' then return {'done', e[5]} end
return {'in_flight'}
"""

# KEYS[1] the record; ARGV field, value, field, value...: set only while the record exists
# (an expired key is not brought back without its fingerprint).
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return 0
"""


class RedisIdempotencyStore:
    """See the module docstring; `clock` gives epoch seconds (a fake one in tests)."""

    def __init__(self, redis: SharedRedis, *, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock
        self._claim = redis.client.register_script(_CLAIM)
        self._update = redis.client.register_script(_UPDATE)

    async def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        args: list[str | float] = [
            fingerprint,
            repr(self._clock()),
            TTL_SECONDS * 1000,
            IN_FLIGHT_LEASE_SECONDS,
        ]
        answer = await self._run(lambda _: self._claim(keys=[_key(scope, key)], args=args))
        state, *value = answer
        if state == "reused":
            raise IdempotencyKeyReused(key)
        if state == "claimed":
            return Claim(ClaimState.CLAIMED)
        if state == "unknown":
            return Claim(ClaimState.UNKNOWN, attempted_at=float(value[0]))
        if state == "done":
            return Claim(ClaimState.DONE, record_id=str(value[0]))
        return Claim(ClaimState.IN_FLIGHT)

    async def complete(self, scope: str, key: str, record_id: str) -> None:
        args = ["state", "done", "record_id", record_id]
        await self._run(lambda _: self._update(keys=[_key(scope, key)], args=args))

    async def outcome_unknown(self, scope: str, key: str, attempted_at: float) -> None:
        args = ["state", "unknown", "attempted_at", repr(attempted_at)]
        await self._run(lambda _: self._update(keys=[_key(scope, key)], args=args))

    async def release(self, scope: str, key: str) -> None:
        await self._run(lambda client: client.delete(_key(scope, key)))

    async def _run(self, call: Callable[[Redis], Awaitable[Any]]) -> list[str]:
        try:
            answer = await self._redis.run("idempotency records", call)
        except SharedStateUnavailable as error:
            raise IdempotencyStoreUnavailable(str(error)) from error
        return list(answer) if isinstance(answer, list) else []


def _key(scope: str, key: str) -> str:
    return f"{KEY_PREFIX}{scope}:{key}"
