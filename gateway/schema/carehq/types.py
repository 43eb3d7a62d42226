"""CareHQ's `Room` and `Booking` as GraphQL types, with their links.

Objects are built from the CareHQ client's records; a field reads only attributes that the
selection asked CareHQ for. Each field declares which (`metadata=reads(...)`, see
`gateway.schema.selection`); `ROOM_NEEDS` and `BOOKING_NEEDS` collect them for the resolvers.
Money is integer pence; CareHQ date-times are UK wall-clock times without an offset.

Room and Booking share this module because each links to the other (`Room.bookings`,
`Booking.room`) and each link's resolver builds the other type (`Booking.of`, `Room.of`); split,
each module would import the other at run time. What they are built from lives beside them:
their enums (`enums`), the page types (`pages`), a booking as a `Stay` (`stay`) and the rooms a
list loads ahead for its bookings (`ahead`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.reads.carehq.loaders import BookingsOfRoom
from gateway.schema import selection
from gateway.schema.carehq import stay
from gateway.schema.carehq.enums import BookingType, CareType, FundingType, RatePeriod
from gateway.schema.carehq.inputs import BookingFilterArgument, booking_query
from gateway.schema.carehq.sorting import BookingSortArgument, sort_of
from gateway.schema.selection import reads
from gateway.schema.stays.types import BookingSystem, Stay, StayUnit
from gateway.schema.validation import Problems
from gateway.upstreams.carehq import CareHQBooking, CareHQRoom

if TYPE_CHECKING:
    from gateway.schema.carehq.ahead import RoomAhead

# `ahead` builds these from `Room` and fills them in on `Booking`s: lazy, as it imports this module.
_Ahead = Annotated["RoomAhead", strawberry.lazy("gateway.schema.carehq.ahead")]


@strawberry.type(description="A room's price for one CareHQ room-rate type.")
class RoomRate:
    rate_type_id: strawberry.ID = strawberry.field(
        description="The CareHQ room-rate-type id this price is for."
    )
    amount: int = strawberry.field(description="The rate in pence (GBP minor units).")


@strawberry.type(description="A room within a CareHQ location (care home).")
class Room:
    record: strawberry.Private[CareHQRoom]
    id: strawberry.ID = strawberry.field(
        metadata=reads("id"), description="CareHQ room id (24 hex digits)."
    )
    name: str | None = strawberry.field(
        name="nameNo", metadata=reads("name"), description="The room's name or number, e.g. `01`."
    )
    floor: int | None = strawberry.field(
        metadata=reads("floor"), description="The floor the room is on, -1 to 4."
    )
    location: strawberry.ID | None = strawberry.field(
        metadata=reads("location"), description="The CareHQ location id."
    )
    archived: bool | None = strawberry.field(
        metadata=reads("archived"), description="Whether the room is archived."
    )
    features: list[strawberry.ID] = strawberry.field(
        metadata=reads("features"),
        description="Ids of the room's features (CareHQ groups of type room_feature).",
    )
    funding_types: list[FundingType] = strawberry.field(
        metadata=reads("funding_types"), description="The funding types the room is available for."
    )
    suitable_for: list[CareType] = strawberry.field(
        metadata=reads("suitable_for"), description="The types of care the room is suitable for."
    )
    rates: list[RoomRate] = strawberry.field(
        metadata=reads("rates"), description="The room's price per room-rate type, in pence."
    )
    created: datetime | None = strawberry.field(
        metadata=reads("created"), description="When the room was created (UK time)."
    )
    modified: datetime | None = strawberry.field(
        metadata=reads("modified"), description="When it last changed (UK time)."
    )

    @classmethod
    def of(cls, record: CareHQRoom) -> Room:
        # Once per room of a page: an attribute the selection did not fetch is None and costs
        # no call here (no conversion, no empty list built by a comprehension).
        location, features, rates = record.location, record.features, record.rates
        funding_types, suitable_for = record.funding_types, record.suitable_for
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            name=record.name,
            floor=record.floor,
            location=None if location is None else strawberry.ID(location),
            archived=record.archived,
            features=[strawberry.ID(f) for f in features] if features else [],
            funding_types=[FundingType(m) for m in funding_types] if funding_types else [],
            suitable_for=[CareType(m) for m in suitable_for] if suitable_for else [],
            rates=[
                RoomRate(rate_type_id=strawberry.ID(r.rate_type_id), amount=r.amount) for r in rates
            ]
            if rates
            else [],
            created=record.created,
            modified=record.modified,
        )

    @strawberry.field(
        metadata=reads("id"),
        description=(
            "The room's bookings, all of them (no paging), in `sortBy` order. For many rooms at "
            "once the gateway makes one CareHQ call per 100 bookings, not one per room."
        ),
    )
    async def bookings(
        self,
        info: strawberry.Info[Any, Any],
        filter: BookingFilterArgument = None,
        order: BookingSortArgument = None,
    ) -> list[Booking]:
        problems = Problems()
        query = booking_query(filter, problems)
        problems.raise_if_any()
        if query.rooms is not None and self.record.id not in query.rooms:
            return []
        key = BookingsOfRoom(
            room_id=self.record.id,
            query=replace(query, rooms=None),
            sort=sort_of(order),  # type: ignore[arg-type]
            fields=BOOKING_NEEDS.of(selection.current(info)),
        )
        return [Booking.of(b) for b in await info.context.reads.carehq.bookings_of_room(key)]


@strawberry.type(
    description=(
        "A CareHQ booking: a resident's stay at a care home, a block contract, or a room out of "
        "service, with its agreed rate."
    )
)
class Booking(Stay):
    record: strawberry.Private[CareHQBooking]
    # Set only by `ahead.links_ahead`, for the selection this booking is completed with.
    room_ahead: strawberry.Private[_Ahead | None] = None
    units_ahead: strawberry.Private[_Ahead | None] = None
    # Plain fields, not resolvers: graphql-core reads them directly, where a resolver costs a
    # Strawberry call (arguments, extensions) per booking on a page of 100.
    start_date: date | None = strawberry.field(
        metadata=reads("start_date"), description="The date the booking starts."
    )
    end_date: date | None = strawberry.field(
        metadata=reads("end_date"),
        description="The date the booking ends; `null` while it is open-ended.",
    )
    booking_type: BookingType | None = strawberry.field(
        metadata=reads("booking_type"), description="The kind of booking."
    )
    room_id: strawberry.ID = strawberry.field(
        metadata=reads("room"), description="The id of the room booked."
    )
    location: strawberry.ID | None = strawberry.field(
        metadata=reads("location"), description="The CareHQ location id the booking is at."
    )
    service_user: strawberry.ID | None = strawberry.field(
        metadata=reads("service_user"),
        description="The CareHQ service-user (resident) id the booking is for.",
    )
    rate: int | None = strawberry.field(
        metadata=reads("rate"),
        description="The rate charged per `ratePeriod`, in pence (GBP minor units).",
    )
    rate_period: RatePeriod | None = strawberry.field(
        metadata=reads("rate_period"), description="What `rate` is charged per."
    )
    respite: bool | None = strawberry.field(
        metadata=reads("respite"), description="Whether it is a respite stay."
    )
    check_in: bool | None = strawberry.field(
        metadata=reads("check_in"),
        description="Whether the resident checks in at the start of the booking.",
    )
    checkout: bool | None = strawberry.field(
        metadata=reads("checkout"),
        description="Whether the resident checks out at the end of the booking.",
    )
    proposed_checkout_date: date | None = strawberry.field(
        metadata=reads("proposed_checkout_date"),
        description="For rolling respite: the proposed checkout date until one is confirmed.",
    )
    cancelled: datetime | None = strawberry.field(
        metadata=reads("cancelled"),
        description="When the booking was cancelled (UK time); `null` if it is not.",
    )
    reason_for_checkout: str | None = strawberry.field(
        metadata=reads("reason_for_checkout"), description="Why the resident checks out."
    )
    checkout_notes: str | None = strawberry.field(
        metadata=reads("checkout_notes"), description="Notes on the checkout."
    )
    notes: str | None = strawberry.field(
        metadata=reads("notes"), description="Anything else, e.g. why a room is out of service."
    )
    created: datetime | None = strawberry.field(
        metadata=reads("created"), description="When it was created (UK time)."
    )
    modified: datetime | None = strawberry.field(
        metadata=reads("modified"), description="When it last changed (UK time)."
    )

    @classmethod
    def of(cls, record: CareHQBooking) -> Booking:
        # Once per booking of a page: as `Room.of`, no call for an attribute not fetched. The
        # `Stay` fields too: a few comparisons, where a resolver each cost far more per field.
        booking_type, cancelled = record.booking_type, record.cancelled
        location = None if record.location is None else strawberry.ID(record.location)
        service_user, rate_period = record.service_user, record.rate_period
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            system=BookingSystem.CAREHQ,
            is_cancelled=cancelled is not None,
            blocks_availability=cancelled is None,
            total_price=stay.total_price(record),
            guest_name=None,
            place_id=location,
            start_date=record.start_date,
            end_date=record.end_date,
            booking_type=None if booking_type is None else BookingType(booking_type),
            room_id=strawberry.ID(record.room or ""),
            location=location,
            service_user=None if service_user is None else strawberry.ID(service_user),
            rate=record.rate,
            rate_period=None if rate_period is None else RatePeriod(rate_period),
            respite=record.respite,
            check_in=record.check_in,
            checkout=record.checkout,
            proposed_checkout_date=record.proposed_checkout_date,
            cancelled=cancelled,
            reason_for_checkout=record.reason_for_checkout,
            checkout_notes=record.checkout_notes,
            notes=record.notes,
            created=record.created,
            modified=record.modified,
        )

    @strawberry.field(
        graphql_type=Room | None,
        metadata=reads("room"),
        description="The room booked (one batched CareHQ call for a whole page).",
    )
    def room(self, info: strawberry.Info[Any, Any]) -> Room | Awaitable[Room | None] | None:
        # A value when the list this booking is on loaded the rooms ahead: graphql-core
        # completes an awaitable with a task and a few coroutines, per booking.
        if self.room_ahead is not None:
            return self.room_ahead.room()
        if not self.record.room:
            return None
        fields = ROOM_NEEDS.of(selection.current(info))
        return _room_later(info, self.record.room, fields)

    def stay_units(
        self, info: strawberry.Info[Any, Any]
    ) -> list[StayUnit] | Awaitable[list[StayUnit]]:
        room_id = self.record.room
        if not room_id:
            return []
        if self.units_ahead is not None:
            room = self.units_ahead.room()
            return _units(room_id, room.name if room is not None else None)
        return _units_later(info, room_id)


ROOM_NEEDS = selection.Needs.declared(Room, inherited={})
BOOKING_NEEDS = selection.Needs.declared(Booking, inherited=stay.STAY_READS)


async def _room_later(
    info: strawberry.Info[Any, Any], room_id: str, fields: frozenset[str]
) -> Room | None:
    room = await _load_room(info, room_id, fields)
    return Room.of(room) if room is not None else None


def _units(room_id: str, name: str | None) -> list[StayUnit]:
    return [StayUnit(id=strawberry.ID(room_id), name=name)]


async def _units_later(info: strawberry.Info[Any, Any], room_id: str) -> list[StayUnit]:
    room = await _load_room(info, room_id, ROOM_NEEDS.named("nameNo"))
    return _units(room_id, room.name if room is not None else None)


async def _load_room(
    info: strawberry.Info[Any, Any], room_id: str, fields: frozenset[str]
) -> CareHQRoom | None:
    room: CareHQRoom | None = await info.context.reads.carehq.room(room_id, fields)
    return room
