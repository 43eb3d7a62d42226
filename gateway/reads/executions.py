"""Shared executions: identical queries executing at the same moment share one execution.

Ten screens polling the same page send the same query at about the same time. Coalescing
(`gateway.reads.coalesce`) already gives them one upstream call; each request would still
complete every field of the same answer again (for 100 bookings with their rooms, ~15 ms of
CPU each). Here the first request executes, and an identical request (the key: caller, document,
operation, variables; see `gateway.schema.reuse`) arriving while it executes waits for its
outcome instead, and answers with it.

Freshness is that of coalescing, and so is read-your-writes: a request joins only an execution
that is still running and started in the current *generation*, i.e. before no write through this
gateway and no invalidation heard from another process (`CareHQSource.generation`,
`BedfulSource.generation`). A client that wrote and then reads never joins an execution that
started before its write. What a joiner gets was being computed when it arrived, from upstream
answers that were in flight or cached then: exactly what joining those calls would give it.

A request joins at most once. An execution that ends without an outcome (its client went away
and the request was cancelled, or it failed unexpectedly) answers its joiners with None, and
each executes on its own. Joiners are answered one per turn of the event loop
(`answer_in_turn`), for the reason the coalescer's callers are.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from gateway.reads.coalesce import answer_in_turn

__all__ = ["Executions", "Lead"]


@dataclass(eq=False)
class Lead:
    """One request's execution of `key`, which identical requests may join until `done`."""

    key: Hashable
    generation: int
    _executions: Executions | None  # None: not joinable (one of the same key runs already)
    _waiting: deque[asyncio.Future[Any]] = field(default_factory=deque)
    _over: bool = False

    def joined(self) -> asyncio.Future[Any]:
        """A request waits for the outcome: the future it gets is answered by `done`."""
        turn: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        return turn

    def done(self, outcome: Any | None) -> None:
        """The execution is over: answer the requests that joined it with `outcome` (None: it
        has none; they execute on their own). Only the first call counts."""
        if self._over:
            return
        self._over = True
        if self._executions is not None:
            self._executions.drop(self)
        answer_in_turn(self._waiting, lambda turn: turn.set_result(outcome))


class Executions:
    """The joinable executions of one process, by key. `generation()` must go up whenever
    something a running execution read may have changed."""

    def __init__(
        self,
        generation: Callable[[], int],
        *,
        on_lookup: Callable[[str], None] = lambda result: None,
    ) -> None:
        """`on_lookup(result)` hears `hit` (answered with an execution's outcome) or `miss`
        (the request executes)."""
        self._generation = generation
        self._on_lookup = on_lookup
        self._running: dict[Hashable, Lead] = {}

    async def join(self, key: Hashable) -> Any | None:
        """The outcome of the identical execution running now, if one is joinable; None: the
        caller executes (and calls `lead` first)."""
        lead = self._running.get(key)
        if lead is None or lead.generation != self._generation():
            self._on_lookup("miss")
            return None
        outcome = await lead.joined()
        self._on_lookup("miss" if outcome is None else "hit")
        return outcome

    def lead(self, key: Hashable) -> Lead:
        """This request executes `key`: identical requests may join it until `Lead.done`."""
        generation = self._generation()
        running = self._running.get(key)
        if running is not None and running.generation == generation:
            # This request waited for that one and got nothing, or joined none while it was
            # registered: it executes alongside, and later requests join the one registered.
            return Lead(key, generation, None)
        lead = Lead(key, generation, self)
        self._running[key] = lead  # replaces one of an older generation, which runs on alone
        return lead

    def drop(self, lead: Lead) -> None:
        """`lead` can no longer be joined."""
        if self._running.get(lead.key) is lead:
            del self._running[lead.key]

    def __len__(self) -> int:
        return len(self._running)
