"""CareHQ writes: `createBooking` and `cancelBooking`.

Arguments are checked before any upstream call (one `BAD_USER_INPUT` naming every bad field).
Creates are never retried by the client; with an `idempotencyKey` they are made at most once
(`gateway.idempotency`), and a create whose outcome was unknown is looked up before it is tried
again (`gateway.upstreams.carehq.recovery`). Cancel reads the booking first: an already-cancelled
booking is returned as it is, without a second write. After a write the request's CareHQ reads are
forgotten (`gateway.reads.carehq`), so reads later in the same document see the new state.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import strawberry

from gateway.schema.arguments import CareHQId
from gateway.schema.carehq.enums import BookingType, RatePeriod, member
from gateway.schema.carehq.types import Booking
from gateway.schema.errors import NotFound
from gateway.schema.limits import shown
from gateway.schema.validation import Problems
from gateway.schema.writes import (
    IDEMPOTENCY_KEY_DESCRIPTION,
    check_idempotency_key,
    create_once,
    input_field_names,
    one_at_a_time,
    outcome_unknown,
    rejected,
)
from gateway.upstreams import carehq
from gateway.upstreams.carehq import CareHQBooking, CareHQClient, NewCareHQBooking
from gateway.upstreams.errors import Upstream, UpstreamInvalidRequest, WriteOutcomeUnknown

T = TypeVar("T")


@strawberry.input(
    description=(
        "A new CareHQ booking: a resident (service user) in a room at an agreed rate. Dates are "
        "UK calendar dates; money is integer pence."
    )
)
class CreateBookingInput:
    booking_type: BookingType = strawberry.field(
        description="The kind of booking. CareHQ accepts only `SERVICE_USER` for new bookings."
    )
    rate: int = strawberry.field(
        description="The agreed rate in pence per `ratePeriod` (e.g. 120000 = £1,200.00); >= 0."
    )
    rate_period: RatePeriod = strawberry.field(description="What `rate` is charged per.")
    room: strawberry.ID = strawberry.field(
        description="The CareHQ room id (24 hex digits); the room must exist and not be archived."
    )
    service_user: strawberry.ID = strawberry.field(
        description="The CareHQ service-user (resident) id (24 hex digits)."
    )
    start_date: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The first day; omitted: CareHQ's default (the sandbox: today, UK).",
    )
    end_date: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The day the booking ends, not before `startDate`; omitted: open-ended.",
    )
    proposed_checkout_date: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="For rolling respite: the checkout date proposed until one is confirmed.",
    )
    check_in: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the resident checks in at the start; omitted: CareHQ's default.",
    )
    checkout: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the resident checks out at the end; omitted: CareHQ's default.",
    )
    respite: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether it is a respite stay; omitted: CareHQ's default.",
    )
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Free text.")
    checkout_notes: str | None = strawberry.field(
        default=strawberry.UNSET, description="Notes on the checkout."
    )
    reason_for_checkout: str | None = strawberry.field(
        default=strawberry.UNSET, description="Why the resident checks out."
    )
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


CREATE_FIELDS = input_field_names(CreateBookingInput)
CANCEL_FIELDS = frozenset({"id", "reason", "notes"})


@strawberry.type
class CareHQMutation:
    @strawberry.mutation(
        description=(
            "Creates a CareHQ booking (one CareHQ create request, never retried by the gateway) "
            "and returns it as `booking(id)` would. Invalid input is refused before CareHQ is "
            "asked; what CareHQ itself refuses (an unknown or archived room, ...) comes back as "
            "`BAD_USER_INPUT` with `extensions.fields` naming the input fields. Send an "
            "`idempotencyKey` so that a retry (network error, double click) cannot book twice: "
            "if the answer is `UPSTREAM_UNAVAILABLE` with an unknown outcome, retry with the "
            "same key."
        )
    )
    async def create_booking(
        self,
        info: strawberry.Info[Any, Any],
        input: Annotated[CreateBookingInput, strawberry.argument(description="The booking.")],
    ) -> Booking:
        problems = Problems()
        new = new_booking(input, problems)
        key = check_idempotency_key(problems, input.idempotency_key)
        problems.raise_if_any()
        client: CareHQClient = info.context.carehq

        async def fetch(booking_id: str) -> CareHQBooking:
            record: CareHQBooking | None = await info.context.reads.carehq.whole_booking(booking_id)
            if record is None:
                raise NotFound(
                    "The booking created with this idempotencyKey no longer exists in CareHQ.",
                    upstream=Upstream.CAREHQ.value,
                )
            return record

        try:
            record = await create_once(
                info,
                upstream=Upstream.CAREHQ,
                scope="carehq.createBooking",
                key=key,
                payload=new,
                create=lambda: client.create_booking(new),
                fetch=fetch,
                reconcile=lambda attempted_at: info.context.reads.carehq.find_created(
                    new, attempted_at
                ),
                record_id=lambda booking: booking.id,
                known_fields=CREATE_FIELDS,
            )
        finally:
            info.context.reads.carehq.changed()
        return Booking.of(record)

    @strawberry.mutation(
        description=(
            "Cancels a CareHQ booking: CareHQ records the current time as `cancelled`, with "
            "`reason` (stored as `reasonForCheckout`) and `notes` (stored as `checkoutNotes`) "
            "when given. The gateway reads the booking first: an unknown id is `NOT_FOUND`, and "
            "a booking that is already cancelled is returned unchanged without writing to "
            "CareHQ, so repeating a cancel is always safe."
        )
    )
    async def cancel_booking(
        self,
        info: strawberry.Info[Any, Any],
        id: CareHQId,
        reason: Annotated[
            str | None,
            strawberry.argument(description="Why: CareHQ's reason for checkout."),
        ] = strawberry.UNSET,
        notes: Annotated[
            str | None, strawberry.argument(description="Notes: CareHQ's checkout notes.")
        ] = strawberry.UNSET,
    ) -> Booking:
        problems = Problems()
        problems.carehq_id("id", id)
        problems.raise_if_any()
        client: CareHQClient = info.context.carehq
        async with one_at_a_time(info, Upstream.CAREHQ, f"booking:{id}"):
            current = await info.context.reads.carehq.whole_booking(id)
            if current is None:
                raise NotFound(
                    f"CareHQ has no booking with id {shown(id)}.", upstream=Upstream.CAREHQ.value
                )
            if current.cancelled is not None:
                return Booking.of(current)
            try:
                record = await client.cancel_booking(
                    id, at=datetime.now(UTC), reason=_given(reason), notes=_given(notes)
                )
            except UpstreamInvalidRequest as error:
                raise rejected(error, CANCEL_FIELDS) from error
            except WriteOutcomeUnknown as error:
                raise outcome_unknown(
                    Upstream.CAREHQ,
                    "the cancellation",
                    "Retrying is safe: a booking that is already cancelled is not written again.",
                ) from error
            finally:
                info.context.reads.carehq.changed()
            return Booking.of(record)


def new_booking(input: CreateBookingInput, problems: Problems) -> NewCareHQBooking:
    """The client's create for `input`, its problems added to `problems`."""
    if input.booking_type is not BookingType.SERVICE_USER:
        problems.add("bookingType", "CareHQ accepts only SERVICE_USER for new bookings")
    problems.at_least("rate", input.rate, 0)
    if input.rate_period is RatePeriod.OTHER:
        problems.add("ratePeriod", "OTHER stands for values unknown to the gateway")
    problems.carehq_id("room", input.room)
    problems.carehq_id("serviceUser", input.service_user)
    start, end = _given(input.start_date), _given(input.end_date)
    problems.ordered("startDate", start, "endDate", end)  # without startDate: CareHQ checks
    return NewCareHQBooking(
        room=input.room,
        service_user=input.service_user,
        rate=input.rate,
        rate_period=member(input.rate_period, carehq.RatePeriod),
        booking_type=member(input.booking_type, carehq.BookingType),
        start_date=start,
        end_date=end,
        proposed_checkout_date=_given(input.proposed_checkout_date),
        check_in=_given(input.check_in),
        checkout=_given(input.checkout),
        respite=_given(input.respite),
        notes=_given(input.notes),
        checkout_notes=_given(input.checkout_notes),
        reason_for_checkout=_given(input.reason_for_checkout),
    )


def _given(value: T | None) -> T | None:
    return None if value is strawberry.UNSET else value
