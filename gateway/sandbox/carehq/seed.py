"""Deterministic demo data for the CareHQ sandbox: 3 care homes, ~127 rooms, ~2,000+ bookings.

Same `seed`, same data, on every machine: everything comes from `random.Random(seed)` and fixed
anchor dates, never from the wall clock. The data is built once per seed (`build_seed` is cached)
and treated as immutable; `CareHQStore` copies it, so a fresh sandbox per test costs a few ms.

What the data covers (the tests assert it): every floor, funding type and care type
(`suitable_for`), six room-rate types, eight room-feature groups, ~5% archived rooms; bookings
from 2023 to 2027 of every `booking_type` (mostly `service_user`), daily and weekly rates,
respite stays (some with a `proposed_checkout_date`, some rolling with no end date yet),
open-ended long stays, cancelled and checked-out bookings, free-text notes. Each room's bookings
follow one another without overlapping, except cancelled ones (their slot is booked again).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

from gateway.sandbox.carehq.model import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    FLOORS,
    FUNDING_TYPES,
    SUITABLE_FOR,
    ObjectIdFactory,
    Record,
)

SEED_NOW: Final = datetime(2026, 3, 12, 10, 55, 5)  # "now" of the docs' examples
FIRST_DAY: Final = date(2023, 1, 1)
LAST_DAY: Final = date(2027, 12, 31)
ROOMS_PER_LOCATION: Final = (45, 42, 40)
FEATURE_NAMES: Final = (
    "En-suite",
    "Garden view",
    "Ceiling hoist",
    "Kitchenette",
    "Double room",
    "Balcony",
    "Walk-in shower",
    "Wheelchair accessible",
)
RATE_TYPE_NAMES: Final = (
    "Private",
    "Local authority",
    "Top-up",
    "CHC",
    "Respite",
    "Short stay",
)
OUT_OF_SERVICE_NOTES: Final = (
    "Redecoration",
    "Boiler repair",
    "Deep clean after infection",
    "New flooring",
    "Window replacement",
)
COUNCILS: Final = ("Leeds City Council", "Kent County Council", "Bristol City Council")
SERVICE_USER_NOTES: Final = (
    "Prefers a ground floor room",
    "Requires a hoist for transfers",
    "Family visiting at weekends",
    "Vegetarian diet",
    "Hearing aid: check batteries daily",
    "Hospital discharge, reassess after 6 weeks",
)
CHECKOUT_REASONS: Final = (
    "Returned home",
    "Moved to another care home",
    "Hospital admission",
    "Deceased",
    "Moved closer to family",
)
CHECKOUT_NOTES: Final = (
    "Family collected belongings",
    "Transferred by ambulance",
    "Care package arranged at home",
    "Room to be deep cleaned before next stay",
)


@dataclass(frozen=True)
class SeedData:
    """One seed's data. Never mutate the records: they are shared by every store built from it."""

    locations: tuple[str, ...]
    room_rate_types: tuple[tuple[str, str], ...]  # (id, name)
    room_features: tuple[tuple[str, str], ...]  # (group id, name)
    rooms: tuple[Record, ...]
    bookings: tuple[Record, ...]
    ids: tuple[int, int]  # (machine, counter) where the store's id factory carries on


@lru_cache(maxsize=8)
def build_seed(seed: int) -> SeedData:
    """The data for `seed` (cached: call freely)."""
    rng = random.Random(seed)
    ids = ObjectIdFactory(rng.getrandbits(40), rng.getrandbits(23))
    setup = datetime(2021, 11, 2, 9, 30, 0)
    locations = tuple(ids.new(setup) for _ in ROOMS_PER_LOCATION)
    rate_types = tuple((ids.new(setup), name) for name in RATE_TYPE_NAMES)
    features = tuple((ids.new(setup), name) for name in FEATURE_NAMES)
    rooms = _rooms(rng, ids, locations, [i for i, _ in rate_types], [i for i, _ in features])
    bookings = _Bookings(rng, ids)
    for room in rooms:
        bookings.fill_room(room)
    ordered = tuple(sorted(bookings.made, key=lambda b: str(b["_id"])))
    return SeedData(locations, rate_types, features, rooms, ordered, (ids.machine, ids.counter))


def _rooms(
    rng: random.Random,
    ids: ObjectIdFactory,
    locations: tuple[str, ...],
    rate_types: list[str],
    features: list[str],
) -> tuple[Record, ...]:
    total = sum(ROOMS_PER_LOCATION)
    archived = set(rng.sample(range(total), k=round(total * 0.05)))
    rooms: list[Record] = []
    for location, size in zip(locations, ROOMS_PER_LOCATION, strict=True):
        imported = datetime(2022, rng.randint(1, 6), rng.randint(1, 28), 13, rng.randint(0, 59), 0)
        for number in range(1, size + 1):
            index = len(rooms)
            created = imported + timedelta(seconds=2 * number)  # a bulk import, in name order
            modified = min(created + timedelta(days=rng.randint(0, 900)), SEED_NOW)
            # Each index also takes the next value of every enumeration: full coverage.
            funding = {FUNDING_TYPES[index % 7], *rng.sample(FUNDING_TYPES, k=rng.randint(0, 6))}
            care = {SUITABLE_FOR[index % 6], *rng.sample(SUITABLE_FOR, k=rng.choice((0, 0, 1, 2)))}
            priced = sorted(rng.sample(range(6), k=rng.randint(3, 6)))
            base = rng.randrange(90_000, 160_001, 500)
            rooms.append(
                {
                    "_id": ids.new(created),
                    "archived": index in archived,
                    "created": created.strftime(DATETIME_FORMAT),
                    "features": sorted(rng.sample(features, k=rng.randint(0, 4))),
                    "floor": FLOORS[(number - 1) * len(FLOORS) // size],
                    "funding_types": [f for f in FUNDING_TYPES if f in funding],
                    "location": location,
                    "modified": modified.strftime(DATETIME_FORMAT),
                    "name_no": f"{number:02d}",
                    "rates": {rate_types[i]: base + rng.randrange(0, 40_001, 500) for i in priced},
                    "suitable_for": [c for c in SUITABLE_FOR if c in care],
                }
            )
    return tuple(rooms)


class _Bookings:
    """Walks each room's calendar from 2023 to 2027, laying bookings end to end."""

    def __init__(self, rng: random.Random, ids: ObjectIdFactory) -> None:
        self.rng = rng
        self.ids = ids
        self.made: list[Record] = []
        self.service_users: list[str] = []

    def fill_room(self, room: Record) -> None:
        rng = self.rng
        today = SEED_NOW.date()
        stop = LAST_DAY
        if room["archived"]:
            stop = datetime.strptime(room["modified"], DATETIME_FORMAT).date()
        day = FIRST_DAY + timedelta(days=rng.randrange(45))
        while day < stop:
            roll = rng.random()
            kind = "out_of_service" if roll < 0.05 else "block_contract" if roll < 0.12 else None
            respite = kind is None and rng.random() < 0.3
            if kind == "out_of_service":
                length = rng.randint(2, 14)
            elif kind == "block_contract" or not respite:
                length = rng.randint(14, 160)
            else:
                length = rng.randint(5, 42)
            end: date | None = day + timedelta(days=length)
            open_ended = kind is None and (
                (not respite and day <= today < day + timedelta(days=length))
                or (respite and -14 <= (day - today).days <= 90)
            )
            open_ended = open_ended and rng.random() < 0.5
            if open_ended:
                end = None
            booking = self._booking(
                room, kind or "service_user", start=day, end=end, length=length, respite=respite
            )
            if booking["cancelled"] is None:
                if end is None:
                    return  # the room is occupied for as long as anyone can see
                day = end + timedelta(days=rng.choice((0, 0, 1, 2, 3, 5, 7, 10, 14, 21, 30)))

    def _booking(
        self, room: Record, kind: str, *, start: date, end: date | None, length: int, respite: bool
    ) -> Record:
        rng = self.rng
        created = datetime.combine(start, datetime.min.time()) - timedelta(
            days=rng.randint(1, 45), hours=rng.randint(-9, 8), minutes=rng.randint(0, 59)
        )
        created = min(
            created, SEED_NOW - timedelta(days=rng.randint(0, 30), seconds=rng.randint(0, 86_399))
        )
        modified = min(
            created + timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 999)), SEED_NOW
        )
        cancelled = None
        if kind != "out_of_service" and rng.random() < 0.07:
            cancelled = modified = min(created + timedelta(hours=rng.randint(1, 500)), SEED_NOW)
        weekly = kind != "service_user" or rng.random() < 0.75
        rate = rng.randrange(15_000, 30_001, 50) * (7 if weekly else 1)
        notes = checkout_notes = reason = proposed = service_user = None
        checkout = False
        if kind == "out_of_service":
            rate, notes = 0, f"Room out of service: {rng.choice(OUT_OF_SERVICE_NOTES)}"
        elif kind == "block_contract":
            notes = f"Block contract with {rng.choice(COUNCILS)}"
        else:
            service_user = self._service_user(created)
            notes = rng.choice(SERVICE_USER_NOTES) if rng.random() < 0.4 else None
            if respite and (end is None or rng.random() < 0.4):
                proposed = start + timedelta(days=length + rng.randint(-3, 7))
            if cancelled is None and end is not None:
                checkout = rng.random() < (0.75 if end <= SEED_NOW.date() else 0.3)
            if checkout and end is not None and end <= SEED_NOW.date():
                reason = rng.choice(CHECKOUT_REASONS)
                checkout_notes = rng.choice(CHECKOUT_NOTES) if rng.random() < 0.6 else None
        booking: Record = {
            "_id": self.ids.new(created),
            "booking_type": kind,
            "cancelled": cancelled and cancelled.strftime(DATETIME_FORMAT),
            "check_in": kind == "service_user" and rng.random() < 0.9,
            "checkout": checkout,
            "checkout_notes": checkout_notes,
            "created": created.strftime(DATETIME_FORMAT),
            "end_date": end and end.strftime(DATE_FORMAT),
            "location": room["location"],
            "modified": modified.strftime(DATETIME_FORMAT),
            "notes": notes,
            "proposed_checkout_date": proposed and proposed.strftime(DATE_FORMAT),
            "rate": rate,
            "rate_period": "weekly" if weekly else "daily",
            "reason_for_checkout": reason,
            "respite": respite,
            "room": room["_id"],
            "service_user": service_user,
            "start_date": start.strftime(DATE_FORMAT),
        }
        self.made.append(booking)
        return booking

    def _service_user(self, created: datetime) -> str:
        """A returning service user now and then (respite, then a long stay), else a new one."""
        if self.service_users and self.rng.random() < 0.2:
            return self.rng.choice(self.service_users[-40:])
        user = self.ids.new(created - timedelta(days=1))
        self.service_users.append(user)
        return user
