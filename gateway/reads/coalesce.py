"""Coalescing: identical upstream reads in flight at the same moment share one upstream call.

Ten requests asking for the same booking while the first call is still on its way make one call,
and all ten get its answer (or its error). The call runs in a task of its own, so a caller that
gives up (a client disconnects) does not cancel it for the others; once the last caller has given
up, the call is cancelled (if it is still waiting for a rate-limit slot, it is never sent: the
budget is shared). Errors are never kept.

After a write, `forget` makes later callers start a fresh call instead of joining one that left
before the write (and may answer with the old state): that is what read-your-writes needs. The
callers already waiting keep the answer they joined for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["Coalescer"]

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class _InFlight:
    task: asyncio.Task[Any]
    tags: frozenset[str]
    waiting: int = 0  # callers awaiting the answer


class Coalescer:
    """The reads in flight of one upstream, by key. One per process and upstream."""

    def __init__(self) -> None:
        self._in_flight: dict[Hashable, _InFlight] = {}

    async def run(
        self,
        key: Hashable,
        fetch: Callable[[], Awaitable[T]],
        *,
        tags: frozenset[str] = frozenset(),
    ) -> T:
        """`fetch()`'s answer, shared with every caller of the same `key` meanwhile. `tags` name
        what the answer depends on, for `forget`."""
        joined = self._in_flight.get(key)
        if joined is None:
            joined = _InFlight(asyncio.ensure_future(fetch()), tags)
            self._in_flight[key] = joined
            joined.task.add_done_callback(lambda task: self._done(key, task))
        joined.waiting += 1
        try:
            result: T = await asyncio.shield(joined.task)
        finally:
            joined.waiting -= 1
            if joined.waiting == 0 and not joined.task.done():
                joined.task.cancel()  # every caller gave up: nobody needs the answer
        return result

    def is_running(self, key: Hashable) -> bool:
        return key in self._in_flight

    def forget(
        self, *, keys: Collection[Hashable] = (), tags: Collection[str] = (), every: bool = False
    ) -> None:
        """Later callers of these keys (or keys with any of these tags; or all keys) start a new
        call. Calls already made finish for the callers that joined them."""
        for key, joined in list(self._in_flight.items()):
            if every or key in keys or not joined.tags.isdisjoint(tags):
                del self._in_flight[key]

    def _done(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        joined = self._in_flight.get(key)
        if joined is not None and joined.task is task:
            del self._in_flight[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so that an error nobody waits for any more is not reported as
            # "never retrieved"; the callers that waited have had it raised.
            logger.debug("coalesced read failed: %s", type(task.exception()).__name__)
