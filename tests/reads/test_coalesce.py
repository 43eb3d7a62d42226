"""`Coalescer`: identical reads in flight at the same moment share one call."""

from __future__ import annotations

import asyncio

import pytest

from gateway.reads.coalesce import Coalescer


class Gated:
    """A fetch that answers only when the test opens the gate, counting its calls."""

    def __init__(self, answer: object = "answer") -> None:
        self.calls = 0
        self.task: asyncio.Task[object] | None = None
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.answer = answer

    async def __call__(self) -> object:
        self.calls += 1
        self.task = asyncio.current_task()
        self.started.set()
        await self.gate.wait()
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_callers_of_one_key_in_flight_share_one_call() -> None:
    coalescer, fetch = Coalescer(), Gated()
    waiting = [asyncio.ensure_future(coalescer.run("k", fetch)) for _ in range(10)]
    await asyncio.sleep(0)
    fetch.gate.set()
    assert await asyncio.gather(*waiting) == ["answer"] * 10
    assert fetch.calls == 1


async def test_different_keys_make_different_calls() -> None:
    coalescer, a, b = Coalescer(), Gated("a"), Gated("b")
    a.gate.set()
    b.gate.set()
    assert await asyncio.gather(coalescer.run("a", a), coalescer.run("b", b)) == ["a", "b"]
    assert (a.calls, b.calls) == (1, 1)


async def test_a_call_that_is_over_is_not_kept() -> None:
    coalescer, fetch = Coalescer(), Gated()
    fetch.gate.set()
    await coalescer.run("k", fetch)
    await coalescer.run("k", fetch)
    assert fetch.calls == 2
    assert not coalescer.is_running("k")


async def test_every_caller_gets_the_error_and_it_is_not_kept() -> None:
    coalescer, fetch = Coalescer(), Gated(RuntimeError("upstream down"))
    waiting = [asyncio.ensure_future(coalescer.run("k", fetch)) for _ in range(3)]
    await asyncio.sleep(0)
    fetch.gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert [str(r) for r in results] == ["upstream down"] * 3
    fetch.answer = "again"
    assert await coalescer.run("k", fetch) == "again"
    assert fetch.calls == 2


async def test_a_caller_giving_up_does_not_cancel_the_call_for_the_others() -> None:
    coalescer, fetch = Coalescer(), Gated()
    leaving = asyncio.ensure_future(coalescer.run("k", fetch))
    staying = asyncio.ensure_future(coalescer.run("k", fetch))
    await asyncio.sleep(0)
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    fetch.gate.set()
    assert await staying == "answer"
    assert fetch.calls == 1


async def test_after_forget_later_callers_start_a_new_call() -> None:
    coalescer, before, after = Coalescer(), Gated("before the write"), Gated("after the write")
    early = asyncio.ensure_future(coalescer.run("k", before, tags=frozenset({"site:1"})))
    await asyncio.sleep(0)
    coalescer.forget(tags={"site:1"})
    after.gate.set()
    assert await coalescer.run("k", after) == "after the write"
    before.gate.set()
    assert await early == "before the write"  # those already waiting keep their answer
    assert (before.calls, after.calls) == (1, 1)


async def test_forget_by_key_and_every() -> None:
    coalescer = Coalescer()
    fetches = [Gated(), Gated()]
    waiting = [
        asyncio.ensure_future(coalescer.run(key, fetch))
        for key, fetch in zip(("a", "b"), fetches, strict=True)
    ]
    await asyncio.sleep(0)
    coalescer.forget(keys={"a"})
    assert (coalescer.is_running("a"), coalescer.is_running("b")) == (False, True)
    coalescer.forget(every=True)
    assert not coalescer.is_running("b")
    for fetch in fetches:
        fetch.gate.set()
    await asyncio.gather(*waiting)


async def test_callers_get_the_answer_one_loop_turn_apart() -> None:
    """Ten callers woken at once would each finish their request before the loop reads its
    sockets again; handed the answer a turn apart, work that the first caller's answer set off
    (here: its follow-up, standing for its client's next request) runs before the others'."""
    coalescer, fetch = Coalescer(), Gated()
    events: list[str] = []

    async def caller(name: str) -> None:
        await coalescer.run("k", fetch)
        events.append(name)
        asyncio.get_running_loop().call_soon(events.append, f"after {name}")

    callers = [asyncio.ensure_future(caller(name)) for name in "abc"]
    await asyncio.sleep(0)
    fetch.gate.set()
    await asyncio.gather(*callers)
    await asyncio.sleep(0)
    assert events == ["a", "after a", "b", "after b", "c", "after c"]
    assert fetch.calls == 1


async def test_a_caller_giving_up_before_its_turn_does_not_hold_up_the_others() -> None:
    coalescer, fetch = Coalescer(), Gated()
    first = asyncio.ensure_future(coalescer.run("k", fetch))
    leaving = asyncio.ensure_future(coalescer.run("k", fetch))
    last = asyncio.ensure_future(coalescer.run("k", fetch))
    await asyncio.sleep(0)
    fetch.gate.set()
    await first  # `leaving` is next in line: it gives up before its turn
    leaving.cancel()
    assert await last == "answer"
    assert leaving.cancelled()


async def test_every_caller_in_line_gets_the_error() -> None:
    coalescer, fetch = Coalescer(), Gated(RuntimeError("upstream down"))
    waiting = [asyncio.ensure_future(coalescer.run("k", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    fetch.gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError] * 5


async def test_the_call_is_cancelled_once_every_caller_has_given_up() -> None:
    coalescer, fetch = Coalescer(), Gated()
    callers = [asyncio.ensure_future(coalescer.run("k", fetch)) for _ in range(2)]
    await fetch.started.wait()
    call = fetch.task
    callers[0].cancel()
    await asyncio.sleep(0)
    assert not call.done()
    callers[1].cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    await asyncio.sleep(0)
    assert call.cancelled()
    assert not coalescer.is_running("k")


async def test_a_caller_arriving_as_the_abandoned_call_is_cancelled_starts_its_own() -> None:
    coalescer, fetch = Coalescer(), Gated()
    first = asyncio.ensure_future(coalescer.run("k", fetch))
    await fetch.started.wait()
    first.cancel()
    await asyncio.sleep(0)  # `first` gives up: the call is being cancelled, not yet over
    assert first.cancelled()
    assert fetch.task is not None
    assert not fetch.task.done()
    later = asyncio.ensure_future(coalescer.run("k", fetch))
    await asyncio.sleep(0)
    fetch.gate.set()
    assert await later == "answer"
    assert fetch.calls == 2
