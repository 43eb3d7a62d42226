"""`createBedfulBooking`, `updateBedfulBooking` and `cancelBedfulBooking` against the Bedful
sandbox: what the frontend gets back, and what Bedful saw (every write is a POST)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.sandbox import FaultKind, Sandbox
from tests.conftest import Gateway, make_settings, only_error, start_gateway

SITE, UNIT, OTHER_UNIT = 127, 13, 14  # Filly Fields Glamping: Bell Tent, Bell Tent Two
UNKNOWN_ID = "999999999"

FIELDS = "id siteId userId status name email startsAt endsAt adults children ages units { id }"
CREATE = f"""mutation Create($input: CreateBedfulBookingInput!) {{
  createBedfulBooking(input: $input) {{ {FIELDS} }} }}"""
UPDATE = f"""mutation Update($id: ID!, $input: UpdateBedfulBookingInput!) {{
  updateBedfulBooking(id: $id, input: $input) {{ {FIELDS} }} }}"""
CANCEL = f"mutation Cancel($id: ID!) {{ cancelBedfulBooking(id: $id) {{ {FIELDS} }} }}"
READ = f"query Read($id: ID!) {{ bedfulBooking(id: $id) {{ {FIELDS} }} }}"


def booking_input(**changes: Any) -> dict[str, Any]:
    """A valid CreateBedfulBookingInput (a free unit, far in the future), with `changes`."""
    values: dict[str, Any] = {
        "name": "Ada Lovelace",
        "siteId": str(SITE),
        "startsAt": "2031-03-01",
        "endsAt": "2031-03-04",
        "units": [str(UNIT)],
        "email": "ada@example.com",
        "adults": 2,
        "ages": [36, 34],
    }
    values.update(changes)
    return values


def stored(sandbox: Sandbox, **fields: Any) -> int:
    """A booking put straight into the sandbox (a free unit in 2031 unless told otherwise)."""
    fields = {"units": [OTHER_UNIT], "starts_at": "2031-05-01", "ends_at": "2031-05-03"} | fields
    booking_id: int = sandbox.bedful.store.add_booking(**fields)["id"]
    return booking_id


def creates(sandbox: Sandbox) -> int:
    return len(sandbox.bedful.calls("POST", "/bookings/create"))


def writes(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.bedful.requests if r.method == "POST"]


# --- create ------------------------------------------------------------------------------------
async def test_create_books_in_bedful_and_answers_like_the_booking_query(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    before = len(sandbox.bedful.store.bookings)
    created = (await gateway.data(CREATE, {"input": booking_input()}))["createBedfulBooking"]

    assert created == (await gateway.data(READ, {"id": created["id"]}))["bedfulBooking"]
    assert created["startsAt"] == "2031-03-01T00:00:00+00:00"
    assert created["units"] == [{"id": str(UNIT)}]
    assert len(sandbox.bedful.store.bookings) == before + 1
    (post,) = sandbox.bedful.calls("POST", "/bookings/create")
    assert post.json == {
        "name": "Ada Lovelace",
        "site_id": SITE,
        "starts_at": "2031-03-01T00:00:00Z",
        "ends_at": "2031-03-04T00:00:00Z",
        "units": [UNIT],
        "email": "ada@example.com",
        "adults": 2,
        "ages": "36, 34",
    }


async def test_every_invalid_field_is_named_in_one_error_before_bedful_is_asked(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    bad = booking_input(
        name="  ",
        siteId="site-127",
        startsAt="2031-03-04",
        endsAt="2031-03-04",  # must be AFTER startsAt
        units=["0", "13", "13"],
        adults=-1,
        children=-1,
        ages=[121, 30],
        status="OTHER",
        userId="-3",
        idempotencyKey="",
    )
    error = only_error(await gateway.execute(CREATE, {"input": bad}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {
        "name",
        "siteId",
        "endsAt",
        "units",
        "adults",
        "children",
        "ages",
        "status",
        "userId",
        "idempotencyKey",
    }
    assert sandbox.bedful.requests == []


async def test_a_create_without_units_is_refused(gateway: Gateway, sandbox: Sandbox) -> None:
    error = only_error(await gateway.execute(CREATE, {"input": booking_input(units=[])}))
    assert error["extensions"]["fields"].keys() == {"units"}
    assert sandbox.bedful.requests == []


async def test_required_fields_are_non_null_in_the_schema(gateway: Gateway) -> None:
    introspection = """{ __type(name: "CreateBedfulBookingInput") {
      inputFields { name type { kind } } } }"""
    fields = (await gateway.data(introspection))["__type"]["inputFields"]
    required = {f["name"] for f in fields if f["type"]["kind"] == "NON_NULL"}
    assert required == {"name", "siteId", "startsAt", "endsAt", "units"}


async def test_what_bedful_refuses_is_bad_user_input_from_bedful(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    stored(sandbox, units=[UNIT], starts_at="2031-03-02", ends_at="2031-03-05", status=100)
    error = only_error(await gateway.execute(CREATE, {"input": booking_input()}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["upstream"] == "BEDFUL"
    assert creates(sandbox) == 1


# --- idempotency keys --------------------------------------------------------------------------
async def test_the_same_key_and_input_returns_the_first_booking_without_a_second_create(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    variables = {"input": booking_input(idempotencyKey="stay-1")}
    first = await gateway.data(CREATE, variables)
    assert await gateway.data(CREATE, variables) == first
    assert creates(sandbox) == 1


async def test_the_same_key_with_different_input_is_refused(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    await gateway.data(CREATE, {"input": booking_input(idempotencyKey="stay-1")})
    other = booking_input(idempotencyKey="stay-1", name="Charles Babbage")
    error = only_error(await gateway.execute(CREATE, {"input": other}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"].keys() == {"idempotencyKey"}
    assert creates(sandbox) == 1


async def test_ten_simultaneous_creates_with_one_key_book_once(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    before = len(sandbox.bedful.store.bookings)
    variables = {"input": booking_input(idempotencyKey="double-click")}
    bodies = await asyncio.gather(*(gateway.execute(CREATE, variables) for _ in range(10)))

    assert len({body["data"]["createBedfulBooking"]["id"] for body in bodies}) == 1, bodies
    assert creates(sandbox) == 1
    assert len(sandbox.bedful.store.bookings) == before + 1


async def test_a_create_without_an_answer_is_unavailable_and_a_retry_finds_it(
    sandbox: Sandbox,
) -> None:
    before = len(sandbox.bedful.store.bookings)
    async for gateway in start_gateway(sandbox, make_settings(bedful_timeout_seconds=0.3)):
        sandbox.bedful.inject(FaultKind.SLOW, delay_ms=2000, methods=["POST"], times=1)
        variables = {"input": booking_input(idempotencyKey="slow-1")}
        error = only_error(await gateway.execute(CREATE, variables))
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["upstream"] == "BEDFUL"
        assert "outcome is unknown" in error["message"]
        assert "same idempotencyKey is safe" in error["message"]
        assert creates(sandbox) == 1

        # Bedful did make the booking; only its answer was lost.
        made = stored(
            sandbox,
            name="Ada Lovelace",
            site_id=SITE,
            units=[UNIT],
            starts_at="2031-03-01",
            ends_at="2031-03-04",
            email="ada@example.com",
            adults=2,
            ages="36, 34",
        )
        retried = (await gateway.data(CREATE, variables))["createBedfulBooking"]

        assert retried["id"] == str(made)
        assert creates(sandbox) == 1  # reconciled, not created again
        assert len(sandbox.bedful.store.bookings) == before + 1
        lookup = sandbox.bedful.calls("GET", "/bookings")[-1]
        assert lookup.param("site_id") == str(SITE)


async def test_a_retry_creates_once_when_the_lost_create_did_not_happen(
    sandbox: Sandbox,
) -> None:
    before = len(sandbox.bedful.store.bookings)
    async for gateway in start_gateway(sandbox, make_settings(bedful_timeout_seconds=0.3)):
        sandbox.bedful.inject(FaultKind.SLOW, delay_ms=2000, methods=["POST"], times=1)
        variables = {"input": booking_input(idempotencyKey="slow-2")}
        only_error(await gateway.execute(CREATE, variables))
        assert len(sandbox.bedful.store.bookings) == before

        first = await gateway.data(CREATE, variables)
        assert await gateway.data(CREATE, variables) == first
        assert creates(sandbox) == 2  # the lost one, and one after looking
        assert len(sandbox.bedful.store.bookings) == before + 1


# --- update ------------------------------------------------------------------------------------
async def test_update_sends_only_the_changes_and_answers_the_whole_booking(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking_id = stored(sandbox, name="Old Name", adults=2)
    variables = {"id": str(booking_id), "input": {"name": "New Name", "children": 1}}
    updated = (await gateway.data(UPDATE, variables))["updateBedfulBooking"]

    assert (updated["name"], updated["adults"], updated["children"]) == ("New Name", 2, 1)
    (post,) = sandbox.bedful.calls("POST", f"/bookings/{booking_id}/update")
    assert post.json == {"name": "New Name", "children": 1}
    assert sandbox.bedful.store.bookings[booking_id]["name"] == "New Name"


async def test_an_update_must_change_something(gateway: Gateway, sandbox: Sandbox) -> None:
    error = only_error(await gateway.execute(UPDATE, {"id": str(stored(sandbox)), "input": {}}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"].keys() == {"input"}
    assert sandbox.bedful.requests == []


async def test_invalid_updates_are_refused_before_bedful_is_asked(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    changes = {
        "name": "",
        "units": [],
        "startsAt": "2031-05-03",
        "endsAt": "2031-05-01",
        "ages": [-1],
        "status": "OTHER",
    }
    error = only_error(await gateway.execute(UPDATE, {"id": "x1", "input": changes}))
    assert set(error["extensions"]["fields"]) == {
        "id",
        "name",
        "units",
        "endsAt",
        "ages",
        "status",
    }
    assert sandbox.bedful.requests == []


async def test_moving_one_day_past_the_other_is_refused_without_a_write(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking_id = stored(sandbox, starts_at="2031-05-01", ends_at="2031-05-03")
    variables = {"id": str(booking_id), "input": {"endsAt": "2031-04-30"}}
    error = only_error(await gateway.execute(UPDATE, variables))

    assert error["extensions"]["fields"].keys() == {"endsAt"}
    assert writes(sandbox) == []


async def test_update_of_an_unknown_booking_is_not_found(gateway: Gateway) -> None:
    variables = {"id": UNKNOWN_ID, "input": {"name": "Nobody"}}
    error = only_error(await gateway.execute(UPDATE, variables))
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["upstream"] == "BEDFUL"


# --- cancel ------------------------------------------------------------------------------------
async def test_cancel_sets_the_cancelled_status_in_bedful(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking_id = stored(sandbox, status=100)
    cancelled = (await gateway.data(CANCEL, {"id": str(booking_id)}))["cancelBedfulBooking"]

    assert cancelled["status"] == "CANCELLED"
    (post,) = sandbox.bedful.calls("POST", f"/bookings/{booking_id}/update")
    assert post.json == {"status": 11}
    assert sandbox.bedful.store.bookings[booking_id]["status"] == 11


async def test_cancelling_twice_writes_once(gateway: Gateway, sandbox: Sandbox) -> None:
    booking_id = str(stored(sandbox, status=100))
    first = await gateway.data(CANCEL, {"id": booking_id})
    assert await gateway.data(CANCEL, {"id": booking_id}) == first
    assert len(writes(sandbox)) == 1


async def test_cancel_of_an_unknown_booking_is_not_found(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    error = only_error(await gateway.execute(CANCEL, {"id": UNKNOWN_ID}))
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert writes(sandbox) == []


async def test_cancel_of_a_malformed_id_is_bad_input(gateway: Gateway, sandbox: Sandbox) -> None:
    error = only_error(await gateway.execute(CANCEL, {"id": "12/update"}))
    assert error["extensions"]["fields"].keys() == {"id"}
    assert sandbox.bedful.requests == []


async def test_writes_later_in_a_document_see_the_earlier_ones(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking_id = str(stored(sandbox, status=11))
    document = f"""mutation Steps($id: ID!) {{
      seen: cancelBedfulBooking(id: $id) {{ status }}
      confirmed: updateBedfulBooking(id: $id, input: {{status: CONFIRMED}}) {{ status }}
      cancelled: cancelBedfulBooking(id: $id) {{ {FIELDS} }}
    }}"""
    data = await gateway.data(document, {"id": booking_id})

    assert [data[step]["status"] for step in ("seen", "confirmed", "cancelled")] == [
        "CANCELLED",
        "CONFIRMED",
        "CANCELLED",  # not the CANCELLED read by the first step
    ]
    assert sandbox.bedful.store.bookings[int(booking_id)]["status"] == 11
