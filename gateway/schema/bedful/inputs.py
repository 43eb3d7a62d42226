"""The inputs of the Bedful list query and mutations, and their checks (run before any upstream
call).

Days are calendar days (`Date`): Bedful stores them as midnight UTC of the arrival and departure
day, and a stay occupies the nights from `startsAt` up to, not including, `endsAt`. Omitted
optional fields are not sent (Bedful's defaults apply); in an update, omitted or `null` means
"leave as it is" and an empty string clears a text field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import strawberry

from gateway.schema.bedful.types import BedfulBookingStatus
from gateway.schema.validation import Problems
from gateway.schema.writes import IDEMPOTENCY_KEY_DESCRIPTION
from gateway.upstreams.bedful import BedfulBookingChanges, NewBedfulBooking

T = TypeVar("T")

MAX_AGE = 120

_UNITS = "The Bedful unit ids (positive whole numbers, no repeats): at least one, of the site."
_STATUS = (
    "The status (not `OTHER`); omitted: Bedful's default (not published; the sandbox uses "
    "`CONFIRMED`)."
)


@strawberry.input(description="Filters for Bedful bookings; all given filters must match.")
class BedfulBookingFilter:
    id: strawberry.ID | None = strawberry.field(default=None, description="One booking id.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="A Bedful user id.")
    site_id: strawberry.ID | None = strawberry.field(default=None, description="A Bedful site id.")
    status: BedfulBookingStatus | None = strawberry.field(default=None, description="A status.")


def _optional(description: str, name: str | None = None) -> Any:
    return strawberry.field(default=strawberry.UNSET, description=description, name=name)


@strawberry.input(description="A new Bedful booking on the gateway's channel.")
class CreateBedfulBookingInput:
    name: str = strawberry.field(description="The guest's name; not blank.")
    site_id: strawberry.ID = strawberry.field(description="The Bedful site id.")
    arrival: date = strawberry.field(name="startsAt", description="The arrival day.")
    departure: date = strawberry.field(
        name="endsAt", description="The departure day, after `startsAt`."
    )
    units: list[strawberry.ID] = strawberry.field(description=_UNITS)
    email: str | None = _optional("The guest's email address.")
    telephone: str | None = _optional("The guest's telephone number.")
    address: str | None = _optional("The guest's address.")
    postal_code: str | None = _optional("The guest's postal code.")
    country: str | None = _optional("The guest's country.")
    adults: int | None = _optional("How many adults stay (>= 0).")
    children: int | None = _optional("How many children stay (>= 0).")
    ages: list[int] | None = _optional(f"The ages of the people staying, each 0 to {MAX_AGE}.")
    status: BedfulBookingStatus | None = _optional(_STATUS)
    user_id: strawberry.ID | None = _optional("The Bedful user id the booking belongs to.")
    idempotency_key: str | None = _optional(IDEMPOTENCY_KEY_DESCRIPTION)


@strawberry.input(
    description=(
        "Changes to a Bedful booking: give at least one field. Omitted or `null`: unchanged; "
        "an empty string clears a text field. The site cannot change."
    )
)
class UpdateBedfulBookingInput:
    name: str | None = _optional("The guest's name; not blank.")
    arrival: date | None = _optional("The arrival day (before `endsAt`).", name="startsAt")
    departure: date | None = _optional("The departure day (after `startsAt`).", name="endsAt")
    units: list[strawberry.ID] | None = _optional(_UNITS + " Replaces the booked units.")
    email: str | None = _optional("The guest's email address.")
    telephone: str | None = _optional("The guest's telephone number.")
    address: str | None = _optional("The guest's address.")
    postal_code: str | None = _optional("The guest's postal code.")
    country: str | None = _optional("The guest's country.")
    adults: int | None = _optional("How many adults stay (>= 0).")
    children: int | None = _optional("How many children stay (>= 0).")
    ages: list[int] | None = _optional(f"The ages of the people staying, each 0 to {MAX_AGE}.")
    status: BedfulBookingStatus | None = _optional(
        "The new status (not `OTHER`); `CANCELLED` cancels, like `cancelBedfulBooking`."
    )
    user_id: strawberry.ID | None = _optional("The Bedful user id the booking belongs to.")


def new_bedful_booking(input: CreateBedfulBookingInput, problems: Problems) -> NewBedfulBooking:
    """The client's create for `input`, its problems added to `problems`."""
    problems.not_blank("name", input.name)
    site_id = problems.bedful_id("siteId", input.site_id)
    if input.departure <= input.arrival:
        problems.add("endsAt", f"must be after startsAt ({input.arrival.isoformat()})")
    units = _units(problems, input.units)
    return NewBedfulBooking(
        name=input.name,
        site_id=site_id or 0,
        arrival=input.arrival,
        departure=input.departure,
        units=units or (),
        **_guest(input, problems),
    )


def bedful_changes(input: UpdateBedfulBookingInput, problems: Problems) -> BedfulBookingChanges:
    """The client's partial update for `input`, its problems added to `problems`. The order of
    the days is checked here when both are given; with one, the caller checks it against the
    stored booking (`check_days`)."""
    name = _given(input.name)
    problems.not_blank("name", name)
    arrival, departure = _given(input.arrival), _given(input.departure)
    check_days(problems, arrival, departure)
    changes = BedfulBookingChanges(
        name=name,
        arrival=arrival,
        departure=departure,
        units=_units(problems, _given(input.units)),
        **_guest(input, problems),
    )
    if changes == BedfulBookingChanges():
        problems.add("input", "give at least one field to change")
    return changes


def check_days(problems: Problems, arrival: date | None, departure: date | None) -> None:
    if arrival is not None and departure is not None and departure <= arrival:
        problems.add("endsAt", f"must be after startsAt ({arrival.isoformat()})")


def _guest(
    input: CreateBedfulBookingInput | UpdateBedfulBookingInput,
    problems: Problems,
) -> dict[str, Any]:
    """The fields create and update share, checked."""
    adults, children = _given(input.adults), _given(input.children)
    problems.at_least("adults", adults, 0)
    problems.at_least("children", children, 0)
    ages = _given(input.ages)
    for age in ages or ():
        problems.between("ages", age, 0, MAX_AGE)
    status = _given(input.status)
    if status is BedfulBookingStatus.OTHER:
        problems.add("status", "OTHER stands for statuses unknown to the gateway")
    return {
        "email": _given(input.email),
        "telephone": _given(input.telephone),
        "address": _given(input.address),
        "postal_code": _given(input.postal_code),
        "country": _given(input.country),
        "adults": adults,
        "children": children,
        "ages": tuple(ages) if ages is not None else None,
        "status": status.status if status is not None else None,
        "user_id": problems.bedful_id("userId", _given(input.user_id)),
    }


def _units(problems: Problems, values: list[strawberry.ID] | None) -> tuple[int, ...] | None:
    if values is None:
        return None
    if not values:
        problems.add("units", "name at least one unit")
    ids = [problems.bedful_id("units", value) for value in values]
    if len(set(values)) != len(values):
        problems.add("units", "must not name a unit twice")
    return tuple(unit for unit in ids if unit is not None)


def _given(value: T | None) -> T | None:
    return None if value is strawberry.UNSET else value
