"""Reuse of whole Bedful-only results (`gateway.schema.reuse`), as a frontend meets it: identical
reads are answered without executing again, and never with anything a read of the cache would
not give (what the sandbox saw, the cache's own lookup counts on `/metrics`, a fake clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.sandbox import FaultKind, Sandbox
from gateway.settings import Settings
from tests.conftest import Gateway, make_settings

SITE = 127
START = 2_000_000_000.0
BOOKING = "query B($id: ID!) { bedfulBooking(id: $id) { id status name asOf } }"
SITE_LIST = (
    "query L($site: ID!) { bedfulBookings(filter: {siteId: $site}) { id status name asOf } }"
)
STAYS = """query S($from: Date!, $to: Date!) {
  stays(from: $from, to: $to, systems: [BEDFUL]) { id isCancelled guestName } }"""
WINDOW = {"from": "2031-05-01", "to": "2031-05-02"}
CANCEL = "mutation C($id: ID!) { cancelBedfulBooking(id: $id) { id status } }"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


async def running(
    sandbox: Sandbox, settings: Settings, clock: Clock, tokens: tuple[str, ...] = ()
) -> AsyncIterator[list[Gateway]]:
    """The gateway on a fake wall clock: a caller without a token, then one per token."""
    app = create_app(settings, sandbox=sandbox, wall_clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), AsyncExitStack() as clients:
        callers = [
            await clients.enter_async_context(
                httpx.AsyncClient(
                    transport=transport,
                    base_url="http://gateway.test",
                    headers={"authorization": f"Bearer {token}"} if token else {},
                )
            )
            for token in ("", *tokens)
        ]
        yield [Gateway(http) for http in callers]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def gateway(sandbox: Sandbox, clock: Clock) -> AsyncIterator[Gateway]:
    async for callers in running(sandbox, make_settings(), clock):
        yield callers[0]


async def lookups(gateway: Gateway, cache: str = "bedful_results") -> dict[str, float]:
    return await gateway.lookups(cache)


def stored(sandbox: Sandbox, **fields: Any) -> int:
    fields = {"starts_at": "2031-05-01", "ends_at": "2031-05-03", "units": [14]} | fields
    booking_id: int = sandbox.bedful.store.add_booking(**fields)["id"]
    return booking_id


def bedful_gets(sandbox: Sandbox) -> list[str]:
    return [call.path for call in sandbox.bedful.calls("GET")]


async def until_bedful_gets(sandbox: Sandbox, count: int) -> None:
    """Let background refreshes run (event-loop turns, never wall time)."""
    for _ in range(1000):
        if len(sandbox.bedful.calls("GET")) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"Bedful saw {bedful_gets(sandbox)}")


async def test_identical_bedful_reads_reuse_the_result(gateway: Gateway, sandbox: Sandbox) -> None:
    booking = stored(sandbox)
    reads = [(BOOKING, {"id": str(booking)}), (SITE_LIST, {"site": str(SITE)}), (STAYS, WINDOW)]
    first = [await gateway.data(document, variables) for document, variables in reads]
    again = [await gateway.data(document, variables) for document, variables in reads]
    third = [await gateway.data(document, variables) for document, variables in reads]

    assert first == again == third
    assert await lookups(gateway) == {"miss": 3.0, "hit": 6.0}
    # One Bedful call per distinct read (the booking, the site's list, the list of every site).
    assert bedful_gets(sandbox) == [f"/bookings/{booking}", "/bookings", "/bookings"]
    # Other variables, another operation name: another result.
    await gateway.data(BOOKING, {"id": str(stored(sandbox))})
    await gateway.data(BOOKING.replace("query B", "query Other"), {"id": str(booking)})
    assert await lookups(gateway) == {"miss": 5.0, "hit": 6.0}


async def test_a_reuse_refreshes_past_half_the_staleness_and_never_serves_past_it(
    gateway: Gateway, sandbox: Sandbox, clock: Clock
) -> None:
    variables = {"site": str(SITE)}
    first = await gateway.data(SITE_LIST, variables)
    assert bedful_gets(sandbox) == ["/bookings"]

    clock.now += 6  # past half the 10 s bound: answered at once, refreshed in the background
    assert await gateway.data(SITE_LIST, variables) == first
    assert await lookups(gateway) == {"miss": 1.0, "hit": 1.0}
    assert await lookups(gateway, "bedful") == {"miss": 1.0, "stale": 1.0}
    await until_bedful_gets(sandbox, 2)
    # The refresh replaced the entry: the next identical read executes on the new answer.
    refreshed = await gateway.data(SITE_LIST, variables)
    as_of = {b["asOf"] for b in refreshed["bedfulBookings"]}
    assert as_of == {datetime.fromtimestamp(START + 6, UTC).isoformat()}
    assert await lookups(gateway) == {"miss": 2.0, "hit": 1.0}

    clock.now += 10  # the refreshed answer is now too old: neither it nor its result is served
    latest = await gateway.data(SITE_LIST, variables)
    assert {b["asOf"] for b in latest["bedfulBookings"]} == {
        datetime.fromtimestamp(START + 16, UTC).isoformat()
    }
    assert bedful_gets(sandbox) == ["/bookings"] * 3
    assert await lookups(gateway) == {"miss": 3.0, "hit": 1.0}


async def test_a_write_through_the_gateway_shows_on_the_very_next_read(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = stored(sandbox, name="Grace Hopper")
    for _ in range(2):  # the second round is reused
        assert (await gateway.data(BOOKING, {"id": str(booking)}))["bedfulBooking"][
            "status"
        ] == "CONFIRMED"
        listed = (await gateway.data(SITE_LIST, {"site": str(SITE)}))["bedfulBookings"]
        assert {b["status"] for b in listed if b["id"] == str(booking)} == {"CONFIRMED"}
        assert [s["isCancelled"] for s in (await gateway.data(STAYS, WINDOW))["stays"]] == [False]
    assert await lookups(gateway) == {"miss": 3.0, "hit": 3.0}

    await gateway.data(CANCEL, {"id": str(booking)})

    by_id = (await gateway.data(BOOKING, {"id": str(booking)}))["bedfulBooking"]
    assert by_id["status"] == "CANCELLED"
    listed = (await gateway.data(SITE_LIST, {"site": str(SITE)}))["bedfulBookings"]
    assert {b["status"] for b in listed if b["id"] == str(booking)} == {"CANCELLED"}
    assert [s["isCancelled"] for s in (await gateway.data(STAYS, WINDOW))["stays"]] == [True]
    assert await lookups(gateway) == {"miss": 6.0, "hit": 3.0}  # the mutation looked up nothing


async def test_a_change_made_in_bedful_directly_shows_within_the_staleness(
    gateway: Gateway, sandbox: Sandbox, clock: Clock
) -> None:
    record = sandbox.bedful.store.add_booking(
        name="Before", starts_at="2031-05-01", ends_at="2031-05-03", units=[14]
    )
    booking, variables = record["id"], {"id": str(record["id"])}
    assert (await gateway.data(BOOKING, variables))["bedfulBooking"]["name"] == "Before"
    record["name"] = "Changed at the park"  # in the sandbox itself, not through the gateway

    clock.now += 1  # within the bound: the cache (and so the result) may still say Before
    assert (await gateway.data(BOOKING, variables))["bedfulBooking"]["name"] == "Before"
    clock.now += 10  # past it: Bedful is asked, the change shows
    assert (await gateway.data(BOOKING, variables))["bedfulBooking"]["name"] == (
        "Changed at the park"
    )
    assert bedful_gets(sandbox) == [f"/bookings/{booking}"] * 2


async def test_results_with_errors_are_never_reused(gateway: Gateway, sandbox: Sandbox) -> None:
    booking = stored(sandbox)
    partly_invalid = (
        f'{{ a: bedfulBooking(id: "{booking}") {{ id }} b: bedfulBooking(id: "0") {{ id }} }}'
    )
    for _ in range(2):
        body = await gateway.execute(partly_invalid)
        assert body["data"]["a"] == {"id": str(booking)}
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    sandbox.bedful.inject(FaultKind.ERROR, status=500)
    failing = {"id": str(stored(sandbox))}
    for _ in range(2):
        assert (await gateway.execute(BOOKING, failing))["errors"]
    sandbox.bedful.clear_faults()
    assert (await gateway.data(BOOKING, failing))["bedfulBooking"]["id"] == failing["id"]
    assert await lookups(gateway) == {"miss": 5.0}


async def test_mutations_and_carehq_reads_are_never_reused(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = stored(sandbox)
    mixed = f'{{ rooms(perPage: 2) {{ items {{ id }} }} bedfulBooking(id: "{booking}") {{ id }} }}'
    both = "query W($from: Date!, $to: Date!) { stays(from: $from, to: $to) { id } }"
    for _ in range(2):
        await gateway.data(mixed)
        await gateway.data(both, WINDOW)
    assert len(sandbox.carehq.calls("GET")) == 4  # CareHQ was asked each time
    for _ in range(2):
        await gateway.execute(CANCEL, {"id": str(booking)})
    assert len(sandbox.bedful.calls("POST")) >= 1
    assert await lookups(gateway) == {"miss": 4.0}


async def test_each_caller_gets_only_results_computed_for_it(
    sandbox: Sandbox, clock: Clock
) -> None:
    settings = make_settings(gateway_api_tokens="alice-token,bob-token")
    variables = {"site": str(SITE)}
    async for _, alice, bob in running(sandbox, settings, clock, ("alice-token", "bob-token")):
        await alice.data(SITE_LIST, variables)
        await bob.data(SITE_LIST, variables)  # not Alice's result...
        await bob.data(SITE_LIST, variables)  # ...but Bob's own, from then on
        await alice.data(SITE_LIST, variables)
        assert await lookups(alice) == {"miss": 2.0, "hit": 2.0}
    # One Bedful call for both: the upstream's answer is the same whoever asks.
    assert bedful_gets(sandbox) == ["/bookings"]


async def test_limits_decide_before_any_reuse(gateway: Gateway) -> None:
    fine = "{ " + " ".join(f"a{i}: bedfulBookings(limit: 1) {{ id }}" for i in range(30)) + " }"
    too_many = fine.replace("{ a0:", "{ extra: bedfulBookings(limit: 1) { id } a0:")
    for _ in range(2):
        assert (await gateway.data(fine))["a29"] is not None
        error = (await gateway.execute(too_many))["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # The refused document never reached a lookup: nothing could have answered it.
    assert await lookups(gateway) == {"miss": 1.0, "hit": 1.0}


async def test_with_redis_a_write_through_one_process_stops_reuse_in_the_other(
    sandbox: Sandbox, clock: Clock, redis_url: str
) -> None:
    booking = stored(sandbox, name="Shared")
    settings = make_settings(gateway_redis_url=redis_url)
    variables = {"id": str(booking)}
    async for (first,) in running(sandbox, settings, clock):
        async for (second,) in running(sandbox, settings, clock):
            for _ in range(2):  # the entry comes from Redis; the second result is reused
                assert (await second.data(BOOKING, variables))["bedfulBooking"]["status"] == (
                    "CONFIRMED"
                )
            assert await lookups(second) == {"miss": 1.0, "hit": 1.0}

            await first.data(CANCEL, variables)

            by_id = (await second.data(BOOKING, variables))["bedfulBooking"]
            assert by_id["status"] == "CANCELLED"
            assert await lookups(second) == {"miss": 2.0, "hit": 1.0}
