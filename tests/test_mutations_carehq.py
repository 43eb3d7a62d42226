"""`createBooking` and `cancelBooking` against the CareHQ sandbox: what the frontend gets back, and
what CareHQ saw (PUT = create, PATCH = cancel)."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.sandbox import FaultKind, Sandbox
from gateway.schema.writes import field_errors
from tests.conftest import Gateway, make_settings, only_error, start_gateway

RESIDENT = "0123456789abcdef01234567"
UNKNOWN_ID = "ffffffffffffffffffffffff"

FIELDS = "id roomId serviceUser bookingType rate ratePeriod startDate endDate checkIn cancelled"
CREATE = f"""
mutation Create($input: CreateBookingInput!) {{ createBooking(input: $input) {{ {FIELDS} }} }}
"""
CANCEL = f"""
mutation Cancel($id: ID!, $reason: String, $notes: String) {{
  cancelBooking(id: $id, reason: $reason, notes: $notes) {{
    {FIELDS} reasonForCheckout checkoutNotes
  }}
}}
"""
READ = f"query Read($id: ID!) {{ booking(id: $id) {{ {FIELDS} }} }}"


def open_room(sandbox: Sandbox) -> str:
    return next(r["_id"] for r in sandbox.carehq.store.rooms.values() if not r["archived"])


def booking_input(sandbox: Sandbox, **changes: Any) -> dict[str, Any]:
    """A valid CreateBookingInput for a seeded room, with `changes` applied."""
    values: dict[str, Any] = {
        "bookingType": "SERVICE_USER",
        "rate": 120000,
        "ratePeriod": "WEEKLY",
        "room": open_room(sandbox),
        "serviceUser": RESIDENT,
        "startDate": "2030-01-01",
        "endDate": "2030-02-01",
        "checkIn": True,
    }
    values.update(changes)
    return values


def creates(sandbox: Sandbox) -> int:
    return len(sandbox.carehq.calls("PUT", "/v1/bookings"))


def writes(sandbox: Sandbox) -> list[str]:
    return [r.method for r in sandbox.carehq.requests if r.method != "GET"]


# --- create ------------------------------------------------------------------------------------
async def test_create_books_in_carehq_and_answers_like_the_booking_query(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    before = len(sandbox.carehq.store.bookings)
    data = await gateway.data(CREATE, {"input": booking_input(sandbox, notes="Ground floor")})
    created = data["createBooking"]

    assert created == (await gateway.data(READ, {"id": created["id"]}))["booking"]
    assert created["rate"] == 120000
    assert created["startDate"] == "2030-01-01"  # CareHQ's create answer says start_date_str
    assert len(sandbox.carehq.store.bookings) == before + 1
    (put,) = sandbox.carehq.calls("PUT", "/v1/bookings")
    assert dict(put.form) == {
        "booking_type": "service_user",
        "rate": "120000",
        "rate_period": "weekly",
        "room": open_room(sandbox),
        "service_user": RESIDENT,
        "start_date": "2030-01-01",
        "end_date": "2030-02-01",
        "check_in": "yes",
        "notes": "Ground floor",
    }


async def test_boundaries_are_accepted(gateway: Gateway, sandbox: Sandbox) -> None:
    same_day = booking_input(sandbox, rate=0, endDate="2030-01-01")
    created = (await gateway.data(CREATE, {"input": same_day}))["createBooking"]
    assert (created["rate"], created["endDate"]) == (0, "2030-01-01")


async def test_every_invalid_field_is_named_in_one_error_before_carehq_is_asked(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    bad = booking_input(
        sandbox,
        bookingType="BLOCK_CONTRACT",
        rate=-1,
        ratePeriod="OTHER",
        room="room-1",
        serviceUser="ABCDEF0123456789ABCDEF01",  # upper case: not CareHQ's form
        startDate="2030-02-01",
        endDate="2030-01-31",
        idempotencyKey="   ",
    )
    error = only_error(await gateway.execute(CREATE, {"input": bad}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {
        "bookingType",
        "rate",
        "ratePeriod",
        "room",
        "serviceUser",
        "endDate",
        "idempotencyKey",
    }
    assert sandbox.carehq.requests == []


async def test_an_overlong_idempotency_key_is_refused(gateway: Gateway, sandbox: Sandbox) -> None:
    body = await gateway.execute(
        CREATE, {"input": booking_input(sandbox, idempotencyKey="k" * 256)}
    )
    assert only_error(body)["extensions"]["fields"].keys() == {"idempotencyKey"}
    assert sandbox.carehq.requests == []


async def test_required_fields_are_non_null_in_the_schema_and_enforced(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    introspection = (
        """{ __type(name: "CreateBookingInput") { inputFields { name type { kind } } } }"""
    )
    fields = (await gateway.data(introspection))["__type"]["inputFields"]
    required = {f["name"] for f in fields if f["type"]["kind"] == "NON_NULL"}
    assert required == {"bookingType", "rate", "ratePeriod", "room", "serviceUser"}

    no_rate = f"""mutation {{ createBooking(input: {{bookingType: SERVICE_USER,
      ratePeriod: WEEKLY, room: "{open_room(sandbox)}", serviceUser: "{RESIDENT}"}}) {{ id }} }}"""
    error = only_error(await gateway.execute(no_rate))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "rate" in error["message"]
    assert sandbox.carehq.requests == []


async def test_carehq_arg_errors_come_back_under_our_field_names(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    archived = sandbox.carehq.store.add_room(archived=True)["_id"]
    # Without startDate CareHQ applies its own default (today), so it judges endDate itself.
    bad = booking_input(sandbox, room=archived, startDate=None, endDate="2001-01-01")
    error = only_error(await gateway.execute(CREATE, {"input": bad}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["upstream"] == "CAREHQ"
    assert set(error["extensions"]["fields"]) == {"room", "endDate"}  # CareHQ: room, end_date
    assert creates(sandbox) == 1


def test_upstream_argument_names_are_camel_cased_when_they_name_an_input_field() -> None:
    known = {"serviceUser", "ratePeriod", "room"}
    arg_errors = {"service_user": ["a"], "rate_period": ["b"], "room": ["c"], "per_page": ["d"]}
    assert field_errors(arg_errors, known) == {
        "serviceUser": ["a"],
        "ratePeriod": ["b"],
        "room": ["c"],
        "per_page": ["d"],  # not one of ours: kept as CareHQ sent it
    }


async def test_a_later_field_in_the_same_document_sees_the_new_booking(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    bookings = f'room {{ bookings(filter: {{serviceUsers: ["{RESIDENT}"]}}) {{ id }} }}'
    document = f"""
    mutation Two($a: CreateBookingInput!, $b: CreateBookingInput!) {{
      a: createBooking(input: $a) {{ id {bookings} }}
      b: createBooking(input: $b) {{ id {bookings} }}
    }}"""
    second = booking_input(sandbox, startDate="2030-03-01", endDate="2030-04-01")
    data = await gateway.data(document, {"a": booking_input(sandbox), "b": second})

    assert [b["id"] for b in data["a"]["room"]["bookings"]] == [data["a"]["id"]]
    assert {b["id"] for b in data["b"]["room"]["bookings"]} == {data["a"]["id"], data["b"]["id"]}


# --- idempotency keys --------------------------------------------------------------------------
async def test_the_same_key_and_input_returns_the_first_booking_without_a_second_create(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    before = len(sandbox.carehq.store.bookings)
    variables = {"input": booking_input(sandbox, idempotencyKey="order-1")}
    first = await gateway.data(CREATE, variables)
    second = await gateway.data(CREATE, variables)

    assert second == first
    assert creates(sandbox) == 1
    assert len(sandbox.carehq.store.bookings) == before + 1


async def test_the_same_key_with_different_input_is_refused(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    await gateway.data(CREATE, {"input": booking_input(sandbox, idempotencyKey="order-1")})
    other = booking_input(sandbox, idempotencyKey="order-1", rate=99)
    error = only_error(await gateway.execute(CREATE, {"input": other}))

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"].keys() == {"idempotencyKey"}
    assert creates(sandbox) == 1


async def test_ten_simultaneous_creates_with_one_key_book_once(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    before = len(sandbox.carehq.store.bookings)
    variables = {"input": booking_input(sandbox, idempotencyKey="double-click")}
    bodies = await asyncio.gather(*(gateway.execute(CREATE, variables) for _ in range(10)))

    ids = {body["data"]["createBooking"]["id"] for body in bodies}
    assert len(ids) == 1, bodies
    assert creates(sandbox) == 1
    assert len(sandbox.carehq.store.bookings) == before + 1


async def test_without_a_key_every_create_books(gateway: Gateway, sandbox: Sandbox) -> None:
    variables = {"input": booking_input(sandbox)}
    first = await gateway.data(CREATE, variables)
    second = await gateway.data(CREATE, variables)
    assert first != second
    assert creates(sandbox) == 2


# --- unknown outcome ---------------------------------------------------------------------------
async def timed_out_create(gateway: Gateway, sandbox: Sandbox, key: str | None) -> dict[str, Any]:
    """A create CareHQ takes but does not answer within the gateway's deadline (0.3 s)."""
    sandbox.carehq.inject(FaultKind.SLOW, delay_ms=2000, methods=["PUT"], times=1)
    variables = {"input": booking_input(sandbox, idempotencyKey=key)}
    return only_error(await gateway.execute(CREATE, variables))


async def test_a_create_without_an_answer_is_unavailable_and_a_retry_finds_it(
    sandbox: Sandbox,
) -> None:
    before = len(sandbox.carehq.store.bookings)
    async for gateway in start_gateway(sandbox, make_settings(carehq_timeout_seconds=0.3)):
        error = await timed_out_create(gateway, sandbox, key="slow-1")
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["extensions"]["upstream"] == "CAREHQ"
        assert "outcome is unknown" in error["message"]
        assert "same idempotencyKey is safe" in error["message"]
        assert creates(sandbox) == 1
        assert writes(sandbox) == ["PUT"]  # never retried by the gateway

        # CareHQ did make the booking; only its answer was lost.
        made = sandbox.carehq.store.add_booking(
            room=open_room(sandbox),
            service_user=RESIDENT,
            booking_type="service_user",
            rate=120000,
            rate_period="weekly",
            start_date="2030-01-01",
            end_date="2030-02-01",
            check_in=True,
        )
        variables = {"input": booking_input(sandbox, idempotencyKey="slow-1")}
        retried = (await gateway.data(CREATE, variables))["createBooking"]

        assert retried["id"] == made["_id"]
        assert creates(sandbox) == 1  # reconciled, not created again
        assert len(sandbox.carehq.store.bookings) == before + 1
        lookup = sandbox.carehq.calls("GET", "/v1/bookings")[-1]
        assert lookup.params_of("filters-room") == [open_room(sandbox)]
        assert lookup.params_of("filters-service_user") == [RESIDENT]
        assert lookup.param("filters-modified_after") is not None


async def test_a_retry_creates_once_when_the_lost_create_did_not_happen(
    sandbox: Sandbox,
) -> None:
    before = len(sandbox.carehq.store.bookings)
    async for gateway in start_gateway(sandbox, make_settings(carehq_timeout_seconds=0.3)):
        await timed_out_create(gateway, sandbox, key="slow-2")
        assert len(sandbox.carehq.store.bookings) == before  # the sandbox never finished it

        variables = {"input": booking_input(sandbox, idempotencyKey="slow-2")}
        first = await gateway.data(CREATE, variables)
        again = await gateway.data(CREATE, variables)

        assert again == first
        assert creates(sandbox) == 2  # the lost one, and one after looking
        assert len(sandbox.carehq.store.bookings) == before + 1


async def test_without_a_key_the_unknown_outcome_warns_against_a_blind_retry(
    sandbox: Sandbox,
) -> None:
    async for gateway in start_gateway(sandbox, make_settings(carehq_timeout_seconds=0.3)):
        error = await timed_out_create(gateway, sandbox, key=None)
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert "may create a second booking" in error["message"]


# --- cancel ------------------------------------------------------------------------------------
async def test_cancel_marks_the_booking_cancelled_in_carehq(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking = sandbox.carehq.store.add_booking()
    variables = {"id": booking["_id"], "reason": "Moved", "notes": "Family"}
    cancelled = (await gateway.data(CANCEL, variables))["cancelBooking"]

    assert cancelled["cancelled"] is not None
    assert (cancelled["reasonForCheckout"], cancelled["checkoutNotes"]) == ("Moved", "Family")
    (patch,) = sandbox.carehq.calls("PATCH", f"/v1/bookings/{booking['_id']}")
    assert dict(patch.form).keys() == {"cancelled", "reason_for_checkout", "checkout_notes"}
    assert sandbox.carehq.store.bookings[booking["_id"]]["cancelled"] is not None


async def test_cancelling_twice_writes_once_and_returns_the_same_booking(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    booking_id = sandbox.carehq.store.add_booking()["_id"]
    first = await gateway.data(CANCEL, {"id": booking_id})
    second = await gateway.data(CANCEL, {"id": booking_id})

    assert second["cancelBooking"]["cancelled"] == first["cancelBooking"]["cancelled"]
    assert writes(sandbox) == ["PATCH"]


async def test_cancel_of_an_unknown_booking_is_not_found(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    error = only_error(await gateway.execute(CANCEL, {"id": UNKNOWN_ID}))
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert writes(sandbox) == []


async def test_cancel_of_a_malformed_id_is_bad_input(gateway: Gateway, sandbox: Sandbox) -> None:
    error = only_error(await gateway.execute(CANCEL, {"id": "../rooms"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"].keys() == {"id"}
    assert sandbox.carehq.requests == []


async def test_cancels_later_in_a_document_see_the_earlier_ones(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    room = open_room(sandbox)
    first, second = (
        sandbox.carehq.store.add_booking(room=room, service_user=RESIDENT)["_id"] for _ in range(2)
    )
    bookings = f'room {{ bookings(filter: {{serviceUsers: ["{RESIDENT}"]}}) {{ id cancelled }} }}'
    document = f"""
    mutation Both($first: ID!, $second: ID!) {{
      first: cancelBooking(id: $first) {{ {bookings} }}
      second: cancelBooking(id: $second) {{ {bookings} }}
    }}"""
    data = await gateway.data(document, {"first": first, "second": second})

    seen_first = {b["id"]: b["cancelled"] for b in data["first"]["room"]["bookings"]}
    seen_second = {b["id"]: b["cancelled"] for b in data["second"]["room"]["bookings"]}
    assert seen_first[first] is not None
    assert seen_first[second] is None
    assert seen_second.keys() == {first, second}
    assert None not in seen_second.values()
