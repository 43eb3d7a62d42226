"""`SharedRedis`: one redis-py asyncio client per process, and what happens when Redis is away.

Every use of Redis goes through `SharedRedis.run`, which turns any Redis failure (refused or
dropped connection, timeout, an error reply such as a read-only replica or OOM) into
`SharedStateUnavailable`. Callers decide what that means: the Bedful limiter falls back to a
per-process share, the read cache is skipped, a create with an idempotency key is refused.

The first failure of an outage is logged once as a WARNING, the recovery once as INFO; in
between, calls fail fast for `retry_seconds` without touching the network (a request should not
wait for a connect timeout per Redis call), then the next call tries again. Nothing needs a
restart: the client reconnects by itself when Redis is back (scripts are reloaded on NOSCRIPT).

The URL may carry a password: only `display` (password masked) is ever logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

__all__ = ["SharedRedis", "SharedStateUnavailable"]

logger = logging.getLogger("gateway.redis")

T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 1.0
"""Redis is next to the gateway: a second without a connection means it is not there."""
COMMAND_TIMEOUT_SECONDS = 2.0
RETRY_SECONDS = 1.0
"""After a failure, calls fail fast for this long before Redis is tried again."""


class SharedStateUnavailable(Exception):
    """Redis could not be used just now; the message says for what, never the URL."""


class SharedRedis:
    def __init__(
        self,
        client: Redis,
        *,
        display: str,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.display = display
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._down_until: float | None = None  # None: Redis answered the last call

    @classmethod
    def from_url(
        cls, url: str, *, display: str, retry_seconds: float = RETRY_SECONDS
    ) -> SharedRedis:
        client = Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
            # One immediate retry: a pooled connection may have died with a Redis restart.
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
            client_name="gateway",
        )
        return cls(client, display=display, retry_seconds=retry_seconds)

    @property
    def available(self) -> bool:
        """False while calls fail fast after a failure."""
        return self._down_until is None or self._clock() >= self._down_until

    async def run(self, what: str, call: Callable[[Redis], Awaitable[T]]) -> T:
        """`call(client)`, or `SharedStateUnavailable` if Redis fails (or failed a moment ago).
        `what` names the use in the log line ("idempotency records")."""
        if not self.available:
            raise SharedStateUnavailable(f"Redis is unavailable ({what})")
        try:
            result = await call(self.client)
        except (RedisError, OSError) as error:
            self._failed(what, error)
            raise SharedStateUnavailable(f"Redis is unavailable ({what})") from error
        if self._down_until is not None:
            self._down_until = None
            logger.info("Redis at %s answers again; shared state is back in use", self.display)
        return result

    async def ping(self) -> None:
        """For /readyz: raises `SharedStateUnavailable` unless Redis answers now."""
        self._down_until = None if self._down_until is None else 0.0  # try now, whatever happened
        await self.run("readiness", lambda client: client.ping())

    async def aclose(self) -> None:
        await self.client.aclose()

    def _failed(self, what: str, error: BaseException) -> None:
        if self._down_until is None:
            logger.warning(
                "Redis at %s is unavailable (%s, during %s): reads go on without the cache, "
                "Bedful calls keep to this process's share, creates with an idempotencyKey are "
                "refused until it answers again",
                self.display,
                type(error).__name__,
                what,
            )
        self._down_until = self._clock() + self._retry_seconds
