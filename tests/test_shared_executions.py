"""Identical queries at the same moment share one execution (`gateway.reads.executions`), as a
frontend meets it: every request gets exactly the answer it would have got alone, errors and
codes included, and a read after a write never gets an answer computed before it. Counted on
`/metrics` (`cache="executions"`) and by what the sandbox saw; CareHQ's answers are held back by
a gate, never by wall time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from gateway.sandbox import FaultKind, Sandbox
from tests.conftest import Gateway, make_settings, start_gateway

PAGE = (
    "query Page { bookings(perPage: 20) { items { id startDate cancelled room { id nameNo } } } }"
)
ONE = "query One($id: ID!) { booking(id: $id) { id cancelled room { id } } }"
STAYS = "query S($from: Date!, $to: Date!) { stays(from: $from, to: $to) { id system } }"
WINDOW = {"from": "2031-06-01", "to": "2031-06-15"}
CANCEL = "mutation C($id: ID!) { cancelBooking(id: $id) { id cancelled } }"
BEDFUL = "3141036"  # a confirmed booking of the sandbox's seed


class Gate:
    """The CareHQ sandbox's sleep: every CareHQ request waits until the gate opens, but for
    the next `passes` ones, which go through at once."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.passes = 0

    async def __call__(self, _seconds: float) -> None:
        if self.passes > 0:
            self.passes -= 1
            return
        await self.opened.wait()


@pytest.fixture
def gate(sandbox: Sandbox) -> Gate:
    gate = Gate()
    sandbox.carehq.sleep = gate
    sandbox.carehq.latency_ms = 1  # every CareHQ call goes through `gate`
    return gate


@pytest.fixture
async def gateway(sandbox: Sandbox) -> AsyncIterator[Gateway]:
    async for running in start_gateway(sandbox, make_settings(gateway_api_tokens="alice,bob")):
        yield running


async def settle() -> None:
    """Let every started request run as far as it can (event-loop turns, not wall time)."""
    for _ in range(500):
        await asyncio.sleep(0)


async def ask(
    gateway: Gateway, document: str, variables: dict[str, Any] | None = None, who: str = "alice"
) -> dict[str, Any]:
    response = await gateway.http.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"authorization": f"Bearer {who}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_identical_queries_at_the_same_moment_execute_once(
    gateway: Gateway, sandbox: Sandbox, gate: Gate
) -> None:
    requests = [asyncio.ensure_future(ask(gateway, PAGE)) for _ in range(10)]
    await settle()
    gate.opened.set()
    answers = await asyncio.gather(*requests)
    calls_of_one_execution = len(sandbox.carehq.calls("GET"))

    alone = await ask(gateway, PAGE)  # the same query on its own, later
    assert all(answer == alone for answer in answers)
    assert "errors" not in alone
    assert len(alone["data"]["bookings"]["items"]) == 20
    assert await gateway.lookups("executions") == {"miss": 2.0, "hit": 9.0}
    assert calls_of_one_execution == 2  # the bookings, then their rooms in one call
    assert len(sandbox.carehq.calls("GET")) == 2 * calls_of_one_execution


async def test_errors_reach_every_joiner_with_their_codes(
    gateway: Gateway, sandbox: Sandbox, gate: Gate
) -> None:
    sandbox.bedful.inject(FaultKind.ERROR, status=500)
    requests = [asyncio.ensure_future(ask(gateway, STAYS, WINDOW)) for _ in range(5)]
    await settle()
    gate.opened.set()
    answers = await asyncio.gather(*requests)

    assert await gateway.lookups("executions") == {"miss": 1.0, "hit": 4.0}
    for answer in answers:  # CareHQ's stays, and Bedful's failure as a partial error
        assert answer == answers[0]
        assert {stay["system"] for stay in answer["data"]["stays"]} == {"CAREHQ"}
        (error,) = answer["errors"]
        assert error["path"] == ["stays"]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


async def test_a_read_after_a_write_never_joins_an_execution_from_before_it(
    gateway: Gateway, sandbox: Sandbox, gate: Gate
) -> None:
    booking = sandbox.carehq.store.add_booking()["_id"]
    gate.passes = 1  # `first` reads the booking, then waits at the gate for its room
    first = asyncio.ensure_future(ask(gateway, ONE, {"id": booking}))
    await settle()
    joined = asyncio.ensure_future(ask(gateway, ONE, {"id": booking}))
    await settle()

    gate.passes = 4  # the cancel's read and write, then a read of the booking and its room
    cancelled = await ask(gateway, CANCEL, {"id": booking})  # done while `first` still runs
    after = await ask(gateway, ONE, {"id": booking})
    assert not first.done()
    gate.opened.set()

    when = cancelled["data"]["cancelBooking"]["cancelled"]
    assert when is not None
    assert after["data"]["booking"]["cancelled"] == when
    # The two that asked before the write got what CareHQ had before it.
    assert (await first)["data"]["booking"]["cancelled"] is None
    assert (await joined) == (await first)
    assert await gateway.lookups("executions") == {"miss": 2.0, "hit": 1.0}


async def test_only_the_same_caller_asking_the_same_shares(
    gateway: Gateway, sandbox: Sandbox, gate: Gate
) -> None:
    booking = sandbox.carehq.store.add_booking()["_id"]
    other = sandbox.carehq.store.add_booking()["_id"]
    requests = [
        ask(gateway, ONE, {"id": booking}, who="alice"),
        ask(gateway, ONE, {"id": booking}, who="bob"),  # another caller
        ask(gateway, ONE, {"id": other}, who="alice"),  # other variables
        ask(gateway, ONE.replace("query One", "query Two"), {"id": booking}),  # another name
        ask(gateway, ONE, {"id": booking}, who="alice"),  # the first one again: shares
    ]
    tasks = [asyncio.ensure_future(request) for request in requests]
    await settle()
    gate.opened.set()
    answers = await asyncio.gather(*tasks)

    assert [answer["data"]["booking"]["id"] for answer in answers] == [
        booking,
        booking,
        other,
        booking,
        booking,
    ]
    assert await gateway.lookups("executions") == {"miss": 4.0, "hit": 1.0}


async def test_when_the_execution_joined_is_cancelled_the_joiner_executes(
    gateway: Gateway, sandbox: Sandbox, gate: Gate
) -> None:
    leader = asyncio.ensure_future(ask(gateway, PAGE))
    await settle()
    joiner = asyncio.ensure_future(ask(gateway, PAGE))
    await settle()
    leader.cancel()  # its client went away
    await settle()
    gate.opened.set()

    answer = await joiner
    assert answer == await ask(gateway, PAGE)
    assert leader.cancelled()
    assert await gateway.lookups("executions") == {"miss": 3.0}


async def test_mutations_are_never_shared(gateway: Gateway, sandbox: Sandbox, gate: Gate) -> None:
    booking = sandbox.carehq.store.add_booking()["_id"]
    gate.opened.set()
    answers = await asyncio.gather(*(ask(gateway, CANCEL, {"id": booking}) for _ in range(3)))
    assert len({str(answer) for answer in answers}) == 1
    assert len(sandbox.carehq.calls("PATCH")) == 1  # one write (the lock), not one execution
    assert await gateway.lookups("executions") == {}


async def test_an_invalidation_heard_from_another_process_ends_sharing(
    sandbox: Sandbox, gate: Gate, redis_url: str
) -> None:
    both = f'query Both {{ rooms(perPage: 2) {{ items {{ id }} }} bedfulBooking(id: "{BEDFUL}") {{ status }} }}'
    cancel = f'mutation {{ cancelBedfulBooking(id: "{BEDFUL}") {{ status }} }}'
    settings = make_settings(gateway_redis_url=redis_url)
    async with AsyncExitStack() as stack:
        first, second = [
            await stack.enter_async_context(asynccontextmanager(start_gateway)(sandbox, settings))
            for _ in range(2)
        ]
        assert second.app is not None
        heard = second.app.state.upstreams.bedful_reads
        before = asyncio.ensure_future(second.data(both))  # reads Bedful, then waits for CareHQ
        await until(lambda: len(sandbox.bedful.calls("GET")) == 1)
        generation = heard.generation

        assert (await first.data(cancel))["cancelBedfulBooking"]["status"] == "CANCELLED"
        await until(lambda: heard.generation > generation)  # Redis told the second process
        after = asyncio.ensure_future(second.data(both))
        await settle()
        gate.opened.set()

        assert (await before)["bedfulBooking"]["status"] == "CONFIRMED"
        assert (await after)["bedfulBooking"]["status"] == "CANCELLED"
        assert await second.lookups("executions") == {"miss": 2.0}


async def until(condition: Callable[[], bool]) -> None:
    """Wait for something another process (Redis) makes happen; fail after 10 s."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("it never happened")
