"""Coalescing: identical upstream reads in flight at the same moment share one upstream call.

Ten requests asking for the same booking while the first call is still on its way make one call,
and all ten get its answer (or its error). The call runs in a task of its own, so a caller that
gives up (a client disconnects) does not cancel it for the others; once the last caller has given
up, the call is cancelled (if it is still waiting for a rate-limit slot, it is never sent: the
budget is shared). Errors are never kept. The callers get the answer in turn, one per turn of the
event loop (`answer_in_turn`), so that the next call can leave while they are still being answered.

After a write, `forget` makes later callers start a fresh call instead of joining one that left
before the write (and may answer with the old state): that is what read-your-writes needs. The
callers already waiting keep the answer they joined for.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Coalescer", "answer_in_turn"]

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class _InFlight:
    task: asyncio.Task[Any]
    tags: frozenset[str]
    waiting: deque[asyncio.Future[Any]] = field(default_factory=deque)  # callers, in turn


class Coalescer:
    """The reads in flight of one upstream, by key. One per process and upstream."""

    def __init__(self) -> None:
        self._in_flight: dict[Hashable, _InFlight] = {}
        self.generation = 0
        """How many times `forget` was called: whatever was read before it changed may be out
        of date (`gateway.reads.executions` shares work only within one generation)."""

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
            joined.task.add_done_callback(lambda task: self._done(key, joined))
        turn: asyncio.Future[T] = joined.task.get_loop().create_future()
        joined.waiting.append(turn)
        try:
            return await turn
        finally:
            if turn.cancelled() or not turn.done():  # this caller gave up before its turn
                if turn in joined.waiting:
                    joined.waiting.remove(turn)
                if not joined.waiting and not joined.task.done():
                    # Every caller gave up: nobody needs the answer. A caller arriving while
                    # the cancellation is under way starts a call of its own.
                    if self._in_flight.get(key) is joined:
                        del self._in_flight[key]
                    joined.task.cancel()

    def is_running(self, key: Hashable) -> bool:
        return key in self._in_flight

    def forget(
        self, *, keys: Collection[Hashable] = (), tags: Collection[str] = (), every: bool = False
    ) -> None:
        """Later callers of these keys (or keys with any of these tags; or all keys) start a new
        call. Calls already made finish for the callers that joined them."""
        self.generation += 1
        for key, joined in list(self._in_flight.items()):
            if every or key in keys or not joined.tags.isdisjoint(tags):
                del self._in_flight[key]

    def _done(self, key: Hashable, joined: _InFlight) -> None:
        if self._in_flight.get(key) is joined:
            del self._in_flight[key]
        task = joined.task
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so that an error nobody waits for any more is not reported as
            # "never retrieved"; the callers that wait have it raised.
            logger.debug("coalesced read failed: %s", type(task.exception()).__name__)
        answer_in_turn(joined.waiting, lambda turn: _settle(turn, task))


def answer_in_turn(
    waiting: deque[asyncio.Future[T]], answer: Callable[[asyncio.Future[T]], None]
) -> None:
    """`answer` the next caller in line, and the one after it a loop turn later.

    Callers woken together would each go on to finish their request (complete the result,
    encode, send) in the same turn of the event loop, one after another, before the loop looks
    at its sockets again: the first caller's client would wait for all of them, and its next
    request (the start of the next shared call) with it. One caller per turn lets new requests
    in between, so the next call is on its way while this one's callers are still answered.
    Callers that gave up (their future is done) are skipped.
    """
    while waiting:
        turn = waiting.popleft()
        if turn.done():
            continue
        answer(turn)
        if waiting:
            turn.get_loop().call_soon(answer_in_turn, waiting, answer)
        return


def _settle(turn: asyncio.Future[Any], task: asyncio.Task[Any]) -> None:
    """`turn` ends as `task` did."""
    if task.cancelled():
        turn.cancel()
    elif (error := task.exception()) is not None:
        turn.set_exception(error)
    else:
        turn.set_result(task.result())
