"""`Executions`: who joins which execution, and what each joiner gets (no wall time: loop turns
and explicit generations)."""

from __future__ import annotations

import asyncio

from gateway.reads.executions import Executions


class Generation:
    """What the read sources' generations add up to: goes up with each write."""

    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


def registry() -> tuple[Executions, Generation, list[str]]:
    generation, heard = Generation(), []
    return Executions(generation, on_lookup=heard.append), generation, heard


async def test_an_identical_request_during_an_execution_gets_its_outcome() -> None:
    executions, _, heard = registry()
    assert await executions.join("k") is None  # nothing runs: this one executes
    lead = executions.lead("k")
    joiners = [asyncio.ensure_future(executions.join("k")) for _ in range(3)]
    other = await executions.join("other key")  # another key joins nothing
    await asyncio.sleep(0)
    assert not any(joiner.done() for joiner in joiners)

    lead.done("the outcome")
    assert await asyncio.gather(*joiners) == ["the outcome"] * 3
    assert other is None
    assert heard.count("hit") == 3
    assert heard.count("miss") == 2
    # Over: the next identical request executes again.
    assert await executions.join("k") is None
    assert len(executions) == 0


async def test_a_request_after_a_write_does_not_join_an_execution_from_before() -> None:
    executions, generation, _ = registry()
    before = executions.lead("k")
    joined_before = asyncio.ensure_future(executions.join("k"))
    await asyncio.sleep(0)
    generation.value += 1  # a write, here or heard from another process

    assert await executions.join("k") is None
    after = executions.lead("k")  # the new execution is the one later requests join
    joined_after = asyncio.ensure_future(executions.join("k"))
    await asyncio.sleep(0)
    before.done("read before the write")
    after.done("read after the write")
    assert await joined_before == "read before the write"  # it joined before the write
    assert await joined_after == "read after the write"
    assert len(executions) == 0  # the older one ending did not drop the newer one


async def test_joiners_of_an_execution_without_outcome_each_execute_once() -> None:
    executions, _, heard = registry()
    lead = executions.lead("k")
    joiners = [asyncio.ensure_future(executions.join("k")) for _ in range(2)]
    await asyncio.sleep(0)
    lead.done(None)  # e.g. its client went away and the request was cancelled
    lead.done("too late")  # only the first call counts
    assert await asyncio.gather(*joiners) == [None, None]
    assert heard == ["miss", "miss"]  # each executes on its own

    first = executions.lead("k")  # the first of them registers...
    second = executions.lead("k")  # ...the second runs alongside, joinable by nobody
    later = asyncio.ensure_future(executions.join("k"))
    await asyncio.sleep(0)
    second.done("second")
    first.done("first")
    assert await later == "first"


async def test_joiners_are_answered_one_loop_turn_apart() -> None:
    executions, _, _ = registry()
    lead = executions.lead("k")
    order: list[int] = []

    async def joiner(number: int) -> None:
        await executions.join("k")
        order.append(number)

    tasks = [asyncio.ensure_future(joiner(number)) for number in range(3)]
    await asyncio.sleep(0)
    lead.done("outcome")
    answered = []
    for _ in range(10):
        await asyncio.sleep(0)
        answered.append(len(order))
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]
    assert answered[:3] == [1, 2, 3]  # one more per turn, not all at once


async def test_a_joiner_that_gives_up_leaves_the_others_their_answer() -> None:
    executions, _, _ = registry()
    lead = executions.lead("k")
    leaving, staying = (asyncio.ensure_future(executions.join("k")) for _ in range(2))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    lead.done("outcome")
    assert await staying == "outcome"
    assert leaving.cancelled()
