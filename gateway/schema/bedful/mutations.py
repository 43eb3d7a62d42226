"""Bedful writes: `createBedfulBooking`, `updateBedfulBooking`, `cancelBedfulBooking`.

Inputs and their checks are in `inputs`. Creates are never retried by the client; with an
`idempotencyKey` they are made at most once (`gateway.idempotency`), and a create whose outcome was
unknown is looked up before it is tried again (`gateway.upstreams.bedful.recovery`). Cancel reads
the booking first: an already-cancelled booking is returned as it is, without a write. Every
write's answer is given to the read layer (`gateway.reads.bedful`), so reads later in the same
document see it. Bedful allows 5 requests a second: each mutation makes one or two calls (reads
before writes where needed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from gateway.reads.bedful.loaders import Dated
from gateway.schema.arguments import BedfulId
from gateway.schema.bedful.inputs import (
    CreateBedfulBookingInput,
    UpdateBedfulBookingInput,
    bedful_changes,
    check_days,
    new_bedful_booking,
)
from gateway.schema.bedful.types import BedfulBooking
from gateway.schema.errors import NotFound
from gateway.schema.validation import Problems
from gateway.schema.writes import (
    check_idempotency_key,
    create_once,
    input_field_names,
    one_at_a_time,
    outcome_unknown,
    rejected,
)
from gateway.upstreams.bedful import BedfulBooking as BedfulRecord
from gateway.upstreams.bedful import BedfulBookingChanges, BedfulClient, BedfulStatus
from gateway.upstreams.errors import (
    Upstream,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    WriteOutcomeUnknown,
)

CREATE_FIELDS = input_field_names(CreateBedfulBookingInput)
UPDATE_FIELDS = input_field_names(UpdateBedfulBookingInput) | {"id"}


@strawberry.type
class BedfulMutation:
    @strawberry.mutation(
        description=(
            "Creates a Bedful booking on the gateway's channel (one Bedful create, never "
            "retried by the gateway) and returns it as `bedfulBooking(id)` would; prices are "
            "Bedful's, in minor units of the site's currency. Invalid input is refused before "
            "Bedful is asked; what Bedful itself refuses (units taken on those days, units of "
            "another site) is `BAD_USER_INPUT` too. Send an `idempotencyKey` so that a retry "
            "(network error, double click) cannot book twice: if the answer is "
            "`UPSTREAM_UNAVAILABLE` with an unknown outcome, retry with the same key."
        )
    )
    async def create_bedful_booking(
        self,
        info: strawberry.Info[Any, Any],
        input: Annotated[CreateBedfulBookingInput, strawberry.argument(description="The booking.")],
    ) -> BedfulBooking:
        problems = Problems()
        new = new_bedful_booking(input, problems)
        key = check_idempotency_key(problems, input.idempotency_key)
        problems.raise_if_any()
        client: BedfulClient = info.context.bedful

        async def fetch(booking_id: str) -> BedfulRecord:
            found = await _read(info, int(booking_id), "created with this idempotencyKey")
            return found.value

        reads = info.context.reads.bedful
        try:
            record = await create_once(
                info,
                upstream=Upstream.BEDFUL,
                scope="bedful.createBedfulBooking",
                key=key,
                payload=new,
                create=lambda: client.create_booking(new),
                fetch=fetch,
                reconcile=lambda attempted_at: reads.find_created(new, attempted_at),
                record_id=lambda booking: str(booking.id),
                known_fields=CREATE_FIELDS,
            )
        except WriteOutcomeUnknown:
            await reads.maybe_changed(booking_id=None, site_id=new.site_id)
            raise
        return BedfulBooking.of(await reads.changed(record))

    @strawberry.mutation(
        description=(
            "Changes the given fields of a Bedful booking (the others stay as they are) and "
            "returns the whole updated booking. `NOT_FOUND` when Bedful has no such booking on "
            "the gateway's channel. Sending the same update twice is harmless: it sets the same "
            "values again."
        )
    )
    async def update_bedful_booking(
        self,
        info: strawberry.Info[Any, Any],
        id: BedfulId,
        input: Annotated[
            UpdateBedfulBookingInput,
            strawberry.argument(description="The changes; omitted fields stay as they are."),
        ],
    ) -> BedfulBooking:
        problems = Problems()
        booking_id = problems.bedful_id("id", id)
        changes = bedful_changes(input, problems)
        problems.raise_if_any()
        assert booking_id is not None  # noqa: S101 - a bad id was raised just above
        client: BedfulClient = info.context.bedful
        if (changes.arrival is None) != (changes.departure is None):
            await _check_one_day_moved(info, booking_id, changes)
        return await _write(
            info,
            booking_id,
            lambda: client.update_booking(booking_id, changes),
            what="the update",
            advice="Retrying the same update is safe: it sets the same values again.",
        )

    @strawberry.mutation(
        description=(
            "Cancels a Bedful booking (its status becomes `CANCELLED`; Bedful never deletes "
            "bookings) and returns it. The gateway reads the booking first: an unknown id is "
            "`NOT_FOUND`, and a booking that is already cancelled is returned unchanged "
            "without writing to Bedful, so repeating a cancel is always safe."
        )
    )
    async def cancel_bedful_booking(
        self,
        info: strawberry.Info[Any, Any],
        id: BedfulId,
    ) -> BedfulBooking:
        problems = Problems()
        booking_id = problems.bedful_id("id", id)
        problems.raise_if_any()
        assert booking_id is not None  # noqa: S101 - a bad id was raised just above
        client: BedfulClient = info.context.bedful
        async with one_at_a_time(info, Upstream.BEDFUL, f"booking:{booking_id}"):
            current = await _read(info, booking_id)
            if current.value.status == BedfulStatus.CANCELLED:
                return BedfulBooking.of(current)
            return await _write(
                info,
                booking_id,
                lambda: client.cancel_booking(booking_id),
                what="the cancellation",
                advice="Retrying is safe: a booking that is already cancelled is not written "
                "again.",
            )


async def _read(
    info: strawberry.Info[Any, Any], booking_id: int, what: str = ""
) -> Dated[BedfulRecord]:
    """The booking as Bedful has it now, never from the cache (a write earlier in the document
    counts: the read layer has its answer)."""
    record: Dated[BedfulRecord] | None = await info.context.reads.bedful.current(booking_id)
    if record is None:
        raise NotFound(
            f"Bedful has no booking with id {booking_id}{' ' + what if what else ''} "
            "on the gateway's channel.",
            upstream=Upstream.BEDFUL.value,
        )
    return record


async def _check_one_day_moved(
    info: strawberry.Info[Any, Any], booking_id: int, changes: BedfulBookingChanges
) -> None:
    """Only one of the days changes: check it against the other, stored day, before writing."""
    current = (await _read(info, booking_id)).value
    problems = Problems()
    stored_start = current.arrival.date() if current.arrival else None
    stored_end = current.departure.date() if current.departure else None
    check_days(problems, changes.arrival or stored_start, changes.departure or stored_end)
    problems.raise_if_any()


async def _write(
    info: strawberry.Info[Any, Any],
    booking_id: int,
    write: Callable[[], Awaitable[BedfulRecord]],
    *,
    what: str,
    advice: str,
) -> BedfulBooking:
    """Runs an update-like write and translates its failures (see `gateway.schema.writes`)."""
    try:
        record = await write()
    except UpstreamNotFound as error:
        raise NotFound(
            "Bedful has no such booking on the gateway's channel.", upstream=Upstream.BEDFUL.value
        ) from error
    except UpstreamInvalidRequest as error:
        raise rejected(error, UPDATE_FIELDS) from error
    except WriteOutcomeUnknown as error:
        await info.context.reads.bedful.maybe_changed(booking_id=booking_id, site_id=None)
        raise outcome_unknown(Upstream.BEDFUL, what, advice) from error
    return BedfulBooking.of(await info.context.reads.bedful.changed(record))
