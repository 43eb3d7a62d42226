"""`RedisCacheStore`: the read layer's `CacheStore` shared by every process through Redis, with
invalidations that reach every process.

- An entry is one Redis string (JSON: the value through a `Codec`, when it was fetched, its
  weight and tags) that expires with its time-to-live; each tag is a set of the keys that carry
  it, so `invalidate(tags=...)` finds every entry of a tag in any process.
- `invalidate` deletes the keys and the tags' entries, notes when each key and tag was
  invalidated, and publishes the invalidation; the other processes hear it through `subscribe`
  (Redis pub/sub), so their calls in flight keep nothing and later reads do not join them.
- `set` is one Lua script that drops an answer fetched before the last invalidation of its key
  or of one of its tags: a slow read in one process cannot put back what a write in another
  has just invalidated.
- Values are JSON through pydantic (`Codec`), never pickle: whoever can write to Redis must not
  be able to run code in the gateway. An entry that does not decode is a miss.

Redis unavailable: `get` is a miss (reads go to the upstream), `set` is skipped, and an
invalidation that could not be made is kept and made first when Redis answers again, so an
entry cached before the outage is not served after a write made during it.

Guests' personal data (names, emails, phones) is in these entries for at most the cache's
time-to-live: give Redis a password (and TLS across hosts), as for any store of such data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from gateway.reads.store import Entry, Invalidated, Stamp
from gateway.shared.connection import SharedRedis, SharedStateUnavailable

__all__ = ["Codec", "RedisCacheStore"]

logger = logging.getLogger("gateway.redis")

V = TypeVar("V")

RESUBSCRIBE_SECONDS = 1.0

_STAMP_BYTES = 127  # enough for `{"fetched_at":<float>,"version":"<32 hex>"`
_STAMP = re.compile(r'\{"fetched_at":([-+.0-9eE]+),"version":"([0-9a-f]+)"')

# KEYS[1] the entry; ARGV[1] its JSON, ARGV[2] fetched_at, ARGV[3] ttl (ms), ARGV[4] the
# prefix of invalidation times, ARGV[5] the prefix of tag sets, ARGV[6] the entry's key, ARGV[7..]
# its tags. Answers 1 when kept, 0 when dropped: its key or a tag was invalidated after the fetch.
_SET = """
local fetched, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 6, #ARGV do
  local at = redis.call('GET', ARGV[4] .. ARGV[i])
  if at and tonumber(at) > fetched then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 7, #ARGV do
  local tag = ARGV[5] .. ARGV[i]
  redis.call('SADD', tag, ARGV[6])
  if redis.call('PTTL', tag) < ttl then redis.call('PEXPIRE', tag, ttl) end
end
return 1
"""

# ARGV[1] now, ARGV[2] how long to remember an invalidation (ms), ARGV[3..5] the prefixes of
# entries, invalidation times and tag sets, ARGV[6] how many keys follow, then keys, then tags.
_INVALIDATE = """
local keys = tonumber(ARGV[6])
for i = 7, #ARGV do
  local name = ARGV[i]
  redis.call('SET', ARGV[4] .. name, ARGV[1], 'PX', ARGV[2])
  if i < 7 + keys then
    redis.call('DEL', ARGV[3] .. name)
  else
    local tag = ARGV[5] .. name
    for _, key in ipairs(redis.call('SMEMBERS', tag)) do redis.call('DEL', ARGV[3] .. key) end
    redis.call('DEL', tag)
  end
end
return 0
"""


class Codec(Generic[V]):
    """Values to JSON and back, checked by pydantic against `kind` (e.g. `BedfulBooking | None |
    list[BedfulBooking]`)."""

    def __init__(self, kind: Any) -> None:
        self._adapter: TypeAdapter[V] = TypeAdapter(kind)

    def encode(self, value: V) -> Any:
        return self._adapter.dump_python(value, mode="json")

    def decode(self, data: Any) -> V:
        return self._adapter.validate_python(data)


class RedisCacheStore:
    """See the module docstring. `name` separates the stores of different upstreams;
    `remember_invalidations` (seconds) must be at least the longest time-to-live used."""

    def __init__(
        self,
        redis: SharedRedis,
        *,
        name: str,
        codec: Codec[Any],
        remember_invalidations: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._codec = codec
        self._prefix = f"gateway:cache:{name}:"
        self._entries = self._prefix + "entry:"
        self._tags = self._prefix + "tag:"
        self._times = self._prefix + "invalidated:"
        self._channel = self._prefix + "invalidations"
        self._remember_ms = max(1, int(remember_invalidations * 1000))
        self._set_script = redis.client.register_script(_SET)
        self._invalidate_script = redis.client.register_script(_INVALIDATE)
        self._origin = uuid.uuid4().hex  # this process, to skip its own publications
        self._pending_keys: set[str] = set()
        self._pending_tags: set[str] = set()
        self._listeners: list[Invalidated] = []
        self._subscription: asyncio.Task[None] | None = None

    async def get(self, key: str) -> Entry | None:
        try:
            await self._flush_pending()
            raw = await self._redis.run("read cache", lambda c: c.get(self._entries + key))
        except SharedStateUnavailable:
            return None  # a miss: the read goes to the upstream
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return Entry(
                self._codec.decode(data["value"]),
                float(data["fetched_at"]),
                int(data["weight"]),
                frozenset(data["tags"]),
                # An entry written by an older gateway has none: "" is never reused from.
                str(data.get("version", "")),
            )
        except (ValueError, KeyError, TypeError, ValidationError):
            logger.warning("read cache: an entry in Redis does not decode; treated as a miss")
            return None

    async def stamp(self, key: str) -> Stamp | None:
        try:
            await self._flush_pending()
            head = await self._redis.run(
                "read cache", lambda c: c.getrange(self._entries + key, 0, _STAMP_BYTES)
            )
        except SharedStateUnavailable:
            return None
        # JSON with ensure_ascii: a cut never splits a character.
        found = _STAMP.match(head) if isinstance(head, str) else None
        if found is None:  # none, or written by an older gateway (no version): a miss
            return None
        try:
            return Stamp(found.group(2), float(found.group(1)))
        except ValueError:
            return None

    async def set(self, key: str, entry: Entry, *, ttl: float) -> None:
        raw = json.dumps(
            {  # the stamp first, so that `stamp` reads a few bytes instead of the whole value
                "fetched_at": entry.fetched_at,
                "version": entry.version,
                "weight": entry.weight,
                "tags": sorted(entry.tags),
                "value": self._codec.encode(entry.value),
            },
            separators=(",", ":"),
        )
        ttl_ms = max(1, int(ttl * 1000))
        args: list[str | int] = [raw, repr(entry.fetched_at), ttl_ms, self._times, self._tags, key]
        args += sorted(entry.tags)
        with contextlib.suppress(SharedStateUnavailable):  # not cached: the next read asks
            await self._flush_pending()
            await self._redis.run(
                "read cache", lambda _: self._set_script(keys=[self._entries + key], args=args)
            )

    async def invalidate(self, *, keys: Collection[str] = (), tags: Collection[str] = ()) -> None:
        self._pending_keys.update(keys)
        self._pending_tags.update(tags)
        with contextlib.suppress(SharedStateUnavailable):  # made when Redis is back
            await self._flush_pending()

    def subscribe(self, listener: Invalidated) -> None:
        self._listeners.append(listener)
        if self._subscription is None:
            self._subscription = asyncio.ensure_future(self._listen())

    async def aclose(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._subscription

    async def _flush_pending(self) -> None:
        if not (self._pending_keys or self._pending_tags):
            return
        keys, tags = sorted(self._pending_keys), sorted(self._pending_tags)
        prefixes = [self._entries, self._times, self._tags]
        args: list[str | int] = [repr(self._clock()), self._remember_ms, *prefixes, len(keys)]
        args += [*keys, *tags]
        message = json.dumps({"origin": self._origin, "keys": keys, "tags": tags})

        async def invalidate(client: Any) -> None:
            await self._invalidate_script(keys=[], args=args, client=client)
            await client.publish(self._channel, message)

        await self._redis.run("read cache invalidation", invalidate)
        self._pending_keys.difference_update(keys)
        self._pending_tags.difference_update(tags)

    async def _listen(self) -> None:
        """Hears other processes' invalidations; reconnects by itself after Redis trouble."""
        while True:
            try:
                async with self._redis.client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._heard(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any Redis trouble: subscribe again shortly
                logger.debug("read cache: invalidations channel lost (%s)", type(error).__name__)
                await asyncio.sleep(RESUBSCRIBE_SECONDS)

    def _heard(self, data: Any) -> None:
        try:
            invalidation = json.loads(data)
            if invalidation["origin"] == self._origin:
                return
            keys, tags = list(invalidation["keys"]), list(invalidation["tags"])
        except (ValueError, KeyError, TypeError):
            return
        for listener in self._listeners:
            listener(keys, tags)
