"""The CareHQ sandbox's in-memory data: rooms and bookings in upstream JSON shape.

`CareHQStore` is public and mutable on purpose: tests build known data with `add_room` /
`add_booking` and compare API answers with `rooms` / `bookings` (dicts keyed by `_id`, values
exactly as `GET /v1/<resource>/<id>` answers them). Write to those dicts freely; records must
keep the upstream shape (see `model`) or the list filters will misbehave.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from gateway.sandbox.carehq.model import (
    BOOKING_ATTRIBUTES,
    DATE_FORMAT,
    DATETIME_FORMAT,
    ROOM_ATTRIBUTES,
    ObjectIdFactory,
    Record,
    uk_now,
)
from gateway.sandbox.carehq.seed import build_seed


class CareHQStore:
    """Rooms, bookings and the ids they point at, seeded deterministically from `seed`.

    `clock` (epoch seconds) decides "now" for `created` / `modified` and "today" for a booking's
    default `start_date`, in UK local time like CareHQ's own date-times.
    """

    def __init__(self, *, seed: int = 1, clock: Callable[[], float] = time.time) -> None:
        data = build_seed(seed)
        self.clock = clock
        self.locations: list[str] = list(data.locations)
        self.room_rate_types: dict[str, str] = dict(data.room_rate_types)  # id -> name
        self.room_features: dict[str, str] = dict(data.room_features)  # group id -> name
        self.rooms: dict[str, Record] = {room["_id"]: _copy_room(room) for room in data.rooms}
        self.bookings: dict[str, Record] = {b["_id"]: dict(b) for b in data.bookings}
        self._ids = ObjectIdFactory(*data.ids)

    # --- time and ids ------------------------------------------------------------------------
    def now(self) -> datetime:
        """The clock as naive UK local time, to the second."""
        return uk_now(self.clock).replace(microsecond=0)

    def timestamp(self) -> str:
        """`now()` in CareHQ's date-time format (`YYYY-MM-DD HH:MM:SS`)."""
        return self.now().strftime(DATETIME_FORMAT)

    def today(self) -> date:
        return self.now().date()

    def new_id(self) -> str:
        """A fresh ObjectId-like id (24 lowercase hex), unique within this store."""
        return self._ids.new(self.now())

    # --- building data -----------------------------------------------------------------------
    def add_room(self, **attrs: Any) -> Record:
        """Store a room with these attributes over sensible defaults; returns the stored record.

        Defaults: a fresh `_id`, not archived, created/modified now, floor "0", no features,
        funding `["private"]`, suitable for `["residential"]`, the first location, a 1,000.00
        weekly rate on the first rate type, and the next free `name_no` of its location.
        """
        _check_names(attrs, ROOM_ATTRIBUTES, "room")
        now = self.timestamp()
        location = attrs.get("location", self.locations[0])
        taken = sum(1 for room in self.rooms.values() if room["location"] == location)
        room: Record = {
            "_id": self.new_id(),
            "archived": False,
            "created": now,
            "features": [],
            "floor": "0",
            "funding_types": ["private"],
            "location": location,
            "modified": now,
            "name_no": f"{taken + 1:02d}",
            "rates": {next(iter(self.room_rate_types)): 100_000},
            "suitable_for": ["residential"],
        }
        room.update(attrs)
        self.rooms[room["_id"]] = room
        return room

    def add_booking(self, **attrs: Any) -> Record:
        """Store a booking with these attributes over sensible defaults; returns the stored record.

        Defaults: a fresh `_id`, a `service_user` booking of the first non-archived room (its
        `location` follows the room unless given) for a fresh service user, starting today with
        no end, checking in, 1,000.00 weekly, created/modified now, every optional text null.
        Dates may be given as `date` objects or `YYYY-MM-DD` strings.
        """
        _check_names(attrs, BOOKING_ATTRIBUTES, "booking")
        room_id = attrs.get("room") or next(
            room_id for room_id, room in self.rooms.items() if not room["archived"]
        )
        room = self.rooms.get(room_id)
        now = self.timestamp()
        booking: Record = {
            "_id": self.new_id(),
            "booking_type": "service_user",
            "cancelled": None,
            "check_in": True,
            "checkout": False,
            "checkout_notes": None,
            "created": now,
            "end_date": None,
            "location": room["location"] if room else self.locations[0],
            "modified": now,
            "notes": None,
            "proposed_checkout_date": None,
            "rate": 100_000,
            "rate_period": "weekly",
            "reason_for_checkout": None,
            "respite": False,
            "room": room_id,
            "service_user": self.new_id(),
            "start_date": self.today(),
        }
        booking.update(attrs)
        for name in ("start_date", "end_date", "proposed_checkout_date"):
            if isinstance(booking[name], date):
                booking[name] = booking[name].strftime(DATE_FORMAT)
        self.bookings[booking["_id"]] = booking
        return booking

    def update_booking(self, booking_id: str, changes: Record) -> Record:
        """Apply validated `changes` to a stored booking and stamp `modified`; returns it."""
        booking = self.bookings[booking_id]
        booking.update(changes)
        if "room" in changes:
            booking["location"] = self.rooms[changes["room"]]["location"]
        booking["modified"] = self.timestamp()
        return booking


def _copy_room(room: Record) -> Record:
    """A copy that shares nothing mutable with the cached seed."""
    copy = dict(room)
    for name in ("features", "funding_types", "suitable_for"):
        copy[name] = list(room[name])
    copy["rates"] = dict(room["rates"])
    return copy


def _check_names(attrs: Record, known: frozenset[str], kind: str) -> None:
    unknown = sorted(set(attrs) - known)
    if unknown:
        raise TypeError(f"unknown {kind} attribute(s): {', '.join(unknown)}")
