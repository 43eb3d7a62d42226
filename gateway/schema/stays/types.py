"""`Stay`: one view over a CareHQ booking and a Bedful booking.

A frontend lists stays side by side without knowing that CareHQ counts money in pence per week
and Bedful in cents per stay, that one speaks dates and the other UTC midnights, or that one
cancels with a date and the other with a status.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.base import get_object_definition


@strawberry.enum(description="The booking system a record comes from.")
class BookingSystem(Enum):
    CAREHQ = strawberry.enum_value("CAREHQ", description="CareHQ: care homes (rooms, residents).")
    BEDFUL = strawberry.enum_value("BEDFUL", description="Bedful: holiday parks (units, guests).")


@strawberry.type(
    description="An amount of money in integer minor units (pence, cents): never floats."
)
class Money:
    amount: int = strawberry.field(description="Minor units of `currency` (e.g. 1050 = £10.50).")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `GBP`.")


@strawberry.type(description="A bookable unit a stay occupies: a CareHQ room or a Bedful unit.")
class StayUnit:
    id: strawberry.ID = strawberry.field(description="The CareHQ room id or the Bedful unit id.")
    name: str | None = strawberry.field(
        description="The room's name/number (CareHQ) or the unit's name (Bedful)."
    )


BOOKED_UNITS = "What the stay occupies: the CareHQ room, or the Bedful units, with names."
"""`Stay.bookedUnits`'s description, for an implementing type that declares it again."""


@strawberry.interface(
    description=(
        "A stay in either system: a CareHQ `Booking` or a `BedfulBooking`. Dates are calendar "
        "dates; the stay occupies the nights from `startDate` up to, not including, `endDate`."
    )
)
class Stay:
    """Each implementing type sets the `Stay` fields from its record when it is built (its
    `of`), except `bookedUnits`, which a CareHQ booking may have to load (a Bedful booking
    declares it again, as a plain field). Plain fields, not resolvers:
    graphql-core reads them as attributes, where a resolver costs a Strawberry call (arguments,
    extensions, an `Info`) per field per stay, most of the CPU of a long `stays` list."""

    id: strawberry.ID = strawberry.field(description="The id in its own system (see `system`).")
    system: BookingSystem = strawberry.field(description="Which system the stay is in.")
    start_date: date | None = strawberry.field(description="Arrival / start date.")
    end_date: date | None = strawberry.field(
        description="Departure / end date (exclusive). `null` for an open-ended CareHQ booking."
    )
    is_cancelled: bool = strawberry.field(
        description="CareHQ: the booking has a `cancelled` time. Bedful: status `CANCELLED`."
    )
    blocks_availability: bool = strawberry.field(
        description=(
            "Whether the stay makes its room or units unavailable. CareHQ: every booking that "
            "is not cancelled (out-of-service and block-contract bookings too). Bedful: status "
            "`PROVISIONAL`, `UNAVAILABLE` or `CONFIRMED`."
        )
    )
    total_price: Money | None = strawberry.field(
        description=(
            "What the whole stay costs. Bedful: the booking's `price` in its currency. CareHQ: "
            "the rate over the stay's nights in GBP (daily rate x nights; weekly rate x nights "
            "/ 7), rounded half up to the penny; `null` while the booking has no end date."
        )
    )
    guest_name: str | None = strawberry.field(
        description=(
            "A label for who is staying: Bedful's guest name. CareHQ bookings carry only a "
            "resident id (`Booking.serviceUser`), so this is `null` for them."
        )
    )
    place_id: strawberry.ID | None = strawberry.field(
        description="The place: the CareHQ location id or the Bedful site id."
    )

    @classmethod
    def resolve_type(cls, stay: Any, info: Any, abstract_type: Any) -> str:
        """The GraphQL type of a stay, for graphql-core (Strawberry takes an interface's
        `resolve_type` as is): the type it was built as. Strawberry's own looks for casts and
        generic types first, for every stay of a list."""
        return get_object_definition(stay, strict=True).name

    def stay_units(
        self, info: strawberry.Info[Any, Any]
    ) -> list[StayUnit] | Awaitable[list[StayUnit]]:
        """The units, or an awaitable of them when they must still be loaded: a value wherever
        one is at hand, as graphql-core completes an awaitable with a task and a few coroutines
        of its own, per stay."""
        raise NotImplementedError

    @strawberry.field(graphql_type=list[StayUnit], description=BOOKED_UNITS)
    def booked_units(
        self, info: strawberry.Info[Any, Any]
    ) -> list[StayUnit] | Awaitable[list[StayUnit]]:
        return self.stay_units(info)
