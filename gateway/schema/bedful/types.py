"""Bedful's bookings as GraphQL types.

Money is integer minor units of the booking's currency; Bedful's UTC midnights become `Date`s in
the `Stay` fields, its zero time becomes `null`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from gateway.reads.bedful.loaders import Dated
from gateway.schema.stays.types import BOOKED_UNITS, BookingSystem, Money, Stay, StayUnit
from gateway.upstreams.bedful import BLOCKING_STATUSES, BedfulStatus
from gateway.upstreams.bedful import BedfulBooking as BedfulRecord
from gateway.upstreams.bedful.currencies import currency_code


@strawberry.enum(description="The status of a Bedful booking.")
class BedfulBookingStatus(Enum):
    NONE = strawberry.enum_value(BedfulStatus.NONE, description="No status (0).")
    INCOMPLETE = strawberry.enum_value(
        BedfulStatus.INCOMPLETE, description="Incomplete; does not block availability (1)."
    )
    PROVISIONAL = strawberry.enum_value(
        BedfulStatus.PROVISIONAL, description="Blocks availability, not yet confirmed (10)."
    )
    CANCELLED = strawberry.enum_value(
        BedfulStatus.CANCELLED, description="Cancelled; does not block availability (11)."
    )
    UNAVAILABLE = strawberry.enum_value(
        BedfulStatus.UNAVAILABLE,
        description="An unavailable period (not a guest); blocks availability (12).",
    )
    FAILED = strawberry.enum_value(
        BedfulStatus.FAILED, description="Failed; does not block availability (13)."
    )
    CONFIRMED = strawberry.enum_value(
        BedfulStatus.CONFIRMED, description="Confirmed; blocks availability (100)."
    )
    OTHER = strawberry.enum_value(
        BedfulStatus.OTHER,
        description="A status Bedful added after this gateway was built (see `statusCode`). "
        "Not accepted as input.",
    )

    @property
    def status(self) -> BedfulStatus:
        """The client's member this value stands for."""
        found = self.value
        if not isinstance(found, BedfulStatus):
            raise TypeError(f"{self} stands for {found!r}")
        return found


@strawberry.type(description="A unit (tent, pod, lodge, pitch...) a Bedful booking occupies.")
class BedfulUnit:
    id: strawberry.ID = strawberry.field(description="The Bedful unit id.")
    name: str | None = strawberry.field(description="The unit's name, e.g. `Bell Tent`.")


@strawberry.type(description="Links one unit to a Bedful booking, with that unit's prices.")
class BedfulBookingItem:
    id: strawberry.ID = strawberry.field(description="The item id.")
    unit_id: strawberry.ID = strawberry.field(description="The unit this item books.")
    accommodation_price: int = strawberry.field(description="Minor units of the currency.")
    people_price: int = strawberry.field(description="Minor units of the currency.")
    ages: list[int] = strawberry.field(description="Ages of the people on this item.")


@strawberry.type(description="An extra chosen with a Bedful booking.")
class BedfulExtra:
    id: strawberry.ID = strawberry.field(description="The Bedful extra id.")
    name: str | None = strawberry.field(description="The extra's name, when Bedful gives it.")
    quantity: int | None = strawberry.field(description="How many, when Bedful gives it.")
    price: int | None = strawberry.field(description="Minor units, when Bedful gives it.")


_MONEY = "In minor units (cents/pence) of the booking's currency (`currency`)."


@strawberry.type(
    description="A Bedful booking: a guest's holiday or glamping stay, or an unavailable period."
)
class BedfulBooking(Stay):
    record: strawberry.Private[BedfulRecord]
    fetched_at: strawberry.Private[float]  # when the gateway asked Bedful (epoch seconds)
    site_id: strawberry.ID = strawberry.field(description="The Bedful site id.")
    user_id: strawberry.ID | None = strawberry.field(description="The Bedful user id, if any.")
    channel_id: strawberry.ID | None = strawberry.field(description="The booking channel id.")
    parent_id: strawberry.ID | None = strawberry.field(description="The parent booking, if any.")
    status: BedfulBookingStatus = strawberry.field(description="The booking's status.")
    status_code: int = strawberry.field(description="Bedful's numeric status, as Bedful sent it.")
    arrival: datetime | None = strawberry.field(
        name="startsAt", description="Midnight UTC of the arrival day."
    )
    departure: datetime | None = strawberry.field(
        name="endsAt", description="Midnight UTC of the departure day."
    )
    created: datetime | None = strawberry.field(
        name="createdAt", description="When it was created (UTC)."
    )
    modified: datetime | None = strawberry.field(
        name="updatedAt", description="When it last changed (UTC)."
    )
    name: str = strawberry.field(description="The guest's name.")
    email: str = strawberry.field(description="The guest's email address.")
    telephone: str = strawberry.field(description="The guest's telephone number.")
    address: str = strawberry.field(description="The guest's address (optional; may be empty).")
    postal_code: str = strawberry.field(description="The guest's postal code (may be empty).")
    country: str = strawberry.field(description="The guest's country (may be empty).")
    adults: int = strawberry.field(description="How many adults stay.")
    children: int = strawberry.field(description="How many children stay.")
    ages: list[int] = strawberry.field(description="The ages of the people on the booking.")
    price: int = strawberry.field(description="The total price. " + _MONEY)
    paid: int = strawberry.field(description="What has been paid so far. " + _MONEY)
    units_price: int = strawberry.field(description="The price of the units. " + _MONEY)
    extras_price: int = strawberry.field(description="The price of the extras. " + _MONEY)
    discount_amount: int = strawberry.field(description="The discount, if any. " + _MONEY)
    security_deposit_amount: int = strawberry.field(description="The deposit. " + _MONEY)
    currency: str = strawberry.field(description="ISO 4217 code of the booking's currency.")
    currency_rate: float = strawberry.field(
        description="Multiply an amount by this to convert it to GBP (an exchange rate)."
    )
    summary: str = strawberry.field(description="Bedful's one-line description of the booking.")
    campsite_reference: str = strawberry.field(description="The site's own reference, if any.")
    marketing_subscribe: bool = strawberry.field(description="Whether the guest opted in.")
    # `Stay`'s resolver (there for a CareHQ booking's room) as a plain field: one small list
    # worked out with the booking, where the resolver cost a Strawberry call per stay.
    booked_units: list[StayUnit] = strawberry.field(description=BOOKED_UNITS)

    # Built only when selected: the nested lists and `asOf` were a third of the time a list of
    # 373 bookings took to build, mostly for fields nobody had asked for.
    @strawberry.field(description="The units booked (one or more).")
    def units(self) -> list[BedfulUnit]:
        return [BedfulUnit(id=strawberry.ID(str(u.id)), name=u.name) for u in self.record.units]

    @strawberry.field(description="One item per unit booked, with its prices.")
    def items(self) -> list[BedfulBookingItem]:
        return [
            BedfulBookingItem(
                id=strawberry.ID(str(i.id)),
                unit_id=strawberry.ID(str(i.unit_id)),
                accommodation_price=i.accommodation_price,
                people_price=i.people_price,
                ages=list(i.ages),
            )
            for i in self.record.items
        ]

    @strawberry.field(description="Extras chosen with the booking.")
    def extras(self) -> list[BedfulExtra]:
        return [
            BedfulExtra(
                id=strawberry.ID(str(e.id)), name=e.name, quantity=e.quantity, price=e.price
            )
            for e in self.record.extras
        ]

    @strawberry.field(
        description=(
            "When the gateway asked Bedful for this state (UTC): the booking is as Bedful had "
            "it then or later. Bedful allows the gateway 5 requests a second and 100 a minute "
            "for all its users, so its answers are shared and reused for at most "
            "`GATEWAY_BEDFUL_MAX_STALENESS_SECONDS` (10 s by default; ask your operator): a "
            "change made in Bedful directly shows within that time, one made through this "
            "gateway shows at once."
        )
    )
    def as_of(self) -> datetime:
        return datetime.fromtimestamp(self.fetched_at, UTC)

    @classmethod
    def of(cls, dated: Dated[BedfulRecord]) -> BedfulBooking:
        # The `Stay` fields too, as Bedful's UTC midnights are `Date`s there: a few operations
        # per booking, where a resolver each cost far more per field of a `stays` list.
        r = dated.value
        arrival, departure, status = r.arrival, r.departure, r.status
        site = strawberry.ID(str(r.site_id))
        currency = currency_code(r.currency_id)
        return cls(
            record=r,
            fetched_at=dated.fetched_at,
            id=strawberry.ID(str(r.id)),
            system=BookingSystem.BEDFUL,
            start_date=arrival.date() if arrival else None,
            end_date=departure.date() if departure else None,
            is_cancelled=status == BedfulStatus.CANCELLED,
            blocks_availability=status in BLOCKING_STATUSES,
            total_price=Money(amount=r.price, currency=currency),
            guest_name=r.name or None,
            place_id=site,
            booked_units=_stay_units(r),
            site_id=site,
            user_id=_optional_id(r.user_id),
            channel_id=_optional_id(r.channel_id),
            parent_id=_optional_id(r.parent_id),
            status=BedfulBookingStatus(status),
            status_code=r.status_code,
            arrival=arrival,
            departure=departure,
            created=r.created,
            modified=r.modified,
            name=r.name,
            email=r.email,
            telephone=r.telephone,
            address=r.address,
            postal_code=r.postal_code,
            country=r.country,
            adults=r.adults,
            children=r.children,
            ages=list(r.ages),
            price=r.price,
            paid=r.paid,
            units_price=r.units_price,
            extras_price=r.extras_price,
            discount_amount=r.discount_amount,
            security_deposit_amount=r.security_deposit_amount,
            currency=currency,
            currency_rate=r.currency_rate,
            summary=r.summary,
            campsite_reference=r.campsite_reference,
            marketing_subscribe=r.marketing_subscribe,
        )


def _stay_units(record: BedfulRecord) -> list[StayUnit]:
    """The units a booking occupies, in its items' order, with their names."""
    names = {unit.id: unit.name for unit in record.units}
    unit_ids = [item.unit_id for item in record.items] or list(names)
    return [
        StayUnit(id=strawberry.ID(str(unit_id)), name=names.get(unit_id))
        for unit_id in dict.fromkeys(unit_ids)
    ]


def _optional_id(value: int) -> strawberry.ID | None:
    """Bedful uses 0 for "none" in its id fields."""
    return strawberry.ID(str(value)) if value else None
