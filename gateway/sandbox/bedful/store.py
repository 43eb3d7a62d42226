"""The Bedful sandbox's in-memory data and the rules that change it.

`BedfulStore` is public and mutable on purpose: tests build known data and compare answers with
it. Records are kept in the upstream JSON shape (`records`), keyed by id:

    store.sites[127]        {"id", "name", "country", "currency_id", "user_id"}
    store.units[13]         {"id", "site_id", "name", "kind", "price" (per night), "sleeps", ...}
    store.extras[501]       {"id", "site_id", "name", "price" (per stay)}
    store.bookings[3175464] the full booking JSON, exactly what GET /bookings/:id answers

`add_booking(**fields)` is the test builder (no validation, no availability check);
`create` / `update` are what the HTTP API does (validated, 422 on bad fields).

Rules we assumed (the doc is silent): bookings that block availability (10, 12, 100) may not
overlap on a unit (422 naming `units`); `site_id` cannot change on update; units and extras must
belong to the booking's site; sites in `unassigned_site_ids` are "not assigned to your channel":
their bookings are left out of lists and answer 401 (the README: a 401 also means that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from itertools import count
from typing import Any, Final

from gateway.sandbox.bedful import catalogue
from gateway.sandbox.bedful.records import (
    BLOCKING_STATUSES,
    BOOKING_KEYS,
    OUR_CHANNEL_ID,
    ZERO_TIME,
    Booking,
    as_day,
    assemble,
    copy_booking,
    day_of,
    expires_at,
    format_day,
    format_time,
)
from gateway.sandbox.bedful.seed import FIRST_BOOKING_ID, FIRST_ITEM_ID, seed_bookings
from gateway.sandbox.bedful.validation import CREATE_REQUIRED, BookingInvalid, Errors, read_fields

Record = dict[str, Any]

_PLAIN = ("name", "email", "telephone", "address", "postal_code", "country", "user_id", "ages")
_RESHAPING = ("starts_at", "ends_at", "units", "extras", "status", "adults", "children")


# The guest and state `add_booking` fills in when a test does not say.
TEST_GUEST: Final[Record] = {
    "name": "Sandbox Guest", "email": "sandbox.guest@example.com", "telephone": "07700900000",
    "address": "1 High Street", "postal_code": "AB1 2CD", "country": "United Kingdom",
    "adults": 2, "children": 0, "ages": "40, 40", "user_id": 0, "channel_id": OUR_CHANNEL_ID,
    "status": 100, "expires_at": ZERO_TIME,
}  # fmt: skip


class UnknownBooking(LookupError):
    """No booking with that id (the API answers 404)."""


class NotOnChannel(PermissionError):
    """The booking or site is not assigned to the key's channel (the API answers 401)."""


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class BedfulStore:
    """Sites, units, extras and bookings of one sandbox; see the module docstring."""

    def __init__(
        self,
        *,
        sites: dict[int, Record],
        units: dict[int, Record],
        extras: dict[int, Record],
        bookings: Iterable[Booking] = (),
        now: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.sites, self.units, self.extras = sites, units, extras
        self.bookings: dict[int, Booking] = {booking["id"]: booking for booking in bookings}
        self.unassigned_site_ids: set[int] = set()
        self.now = now  # created_at / updated_at of API writes; replace it for fixed times
        items = (item["id"] for booking in self.bookings.values() for item in booking["items"])
        self._item_ids = count(max(items, default=FIRST_ITEM_ID - 1) + 1)

    @classmethod
    def seeded(cls, seed: int = 1, *, now: Callable[[], datetime] = _wall_clock) -> BedfulStore:
        """The catalogue plus a private copy of the seed's bookings (`seed`)."""
        return cls(
            sites=catalogue.sites(),
            units=catalogue.units(),
            extras=catalogue.extras(),
            bookings=map(copy_booking, seed_bookings(seed)),
            now=now,
        )

    # --- reading -------------------------------------------------------------------------------
    def get(self, booking_id: int) -> Booking:
        """A copy of one booking; UnknownBooking / NotOnChannel as the API's 404 / 401."""
        return copy_booking(self._stored(booking_id))

    def find(
        self,
        *,
        id: int | None = None,  # the API's own parameter name
        user_id: int | None = None,
        site_id: int | None = None,
        status: int | None = None,
        limit: int = 500,
    ) -> list[Booking]:
        """GET /bookings: exact-match filters ANDed, ordered by id ascending, at most `limit`."""
        wanted = {"id": id, "user_id": user_id, "site_id": site_id, "status": status}
        filters = [(key, value) for key, value in wanted.items() if value is not None]
        found = [
            booking
            for booking in self.bookings.values()
            if all(booking[key] == value for key, value in filters)
            and booking["site_id"] not in self.unassigned_site_ids
        ]
        found.sort(key=lambda booking: booking["id"])
        return [copy_booking(booking) for booking in found[:limit]]

    def conflicts(
        self, unit_ids: Iterable[int], starts: date, ends: date, *, exclude: int | None = None
    ) -> dict[int, int]:
        """Units a blocking booking holds on some night in [starts, ends): {unit id: booking id}."""
        wanted, first, last = set(unit_ids), format_day(starts), format_day(ends)
        taken: dict[int, int] = {}
        for booking in self.bookings.values():
            if (
                booking["status"] in BLOCKING_STATUSES
                and booking["id"] != exclude
                and booking["starts_at"] < last
                and first < booking["ends_at"]
            ):
                for unit in booking["units"]:
                    if unit["id"] in wanted:
                        taken.setdefault(unit["id"], booking["id"])
        return taken

    # --- test builder --------------------------------------------------------------------------
    def add_booking(self, **fields: Any) -> Booking:
        """Store a booking built from `fields` and realistic defaults; returns the STORED record.

        Accepts `site_id`, `units` and `extras` (lists of ids), `starts_at` / `ends_at` (a date,
        datetime or API date string; stored as UTC midnight), any guest/state field, and any
        other booking key to force its value (e.g. `price=1`). Defaults: the first unit of the
        site (127 unless the units say otherwise), 3 nights from 2030-07-01, status 100, the
        guest in `TEST_GUEST`. Nothing is validated or checked for availability: build odd data
        on purpose if a test needs it.
        """
        unit_ids = list(fields.pop("units", []))
        site_id = fields.pop("site_id", self.units[unit_ids[0]]["site_id"] if unit_ids else 127)
        unit_ids = unit_ids or [min(u for u, r in self.units.items() if r["site_id"] == site_id)]
        now = format_time(self.now())
        base: Record = TEST_GUEST | {"created_at": now, "updated_at": now}
        for key in ("starts_at", "ends_at"):
            value = fields.pop(key, date(2030, 7, 1 if key == "starts_at" else 4))
            base[key] = format_day(as_day(value))
        booking_id = fields.pop("id", None) or self._next_id()
        extra_ids = fields.pop("extras", [])
        booking = assemble(
            booking_id=booking_id,
            site=self.sites[site_id],
            units=[self.units[u] for u in unit_ids],
            extras=[self.extras[e] for e in extra_ids],
            item_ids=self._item_ids,
            fields={**base, **fields},
        )
        booking.update({key: value for key, value in fields.items() if key in BOOKING_KEYS})
        self.bookings[booking_id] = booking
        return booking

    # --- the API's writes ----------------------------------------------------------------------
    def create(self, payload: Mapping[str, Any]) -> Booking:
        """POST /bookings/create: a new booking on our channel (default status 100)."""
        values, errors = read_fields(payload, required=CREATE_REQUIRED)
        site = self.sites.get(values.get("site_id", 0))
        if "site_id" in values and site is None:
            errors.setdefault("site_id", []).append("no such site")
        if site is not None and site["id"] in self.unassigned_site_ids:
            raise NotOnChannel(site["id"])
        self._check_links(values, site, errors)
        self._check_dates(values.get("starts_at"), values.get("ends_at"), errors)
        if errors or site is None:
            raise BookingInvalid(errors)
        status = values.get("status", 100)
        self._check_available(values["units"], values["starts_at"], values["ends_at"], status)
        now = self.now()
        fields: Record = dict.fromkeys(("email", "telephone", "address", "postal_code"), "")
        fields |= {"country": "", "adults": 0, "children": 0, "ages": "", "user_id": 0}
        fields |= {key: values[key] for key in (*_PLAIN, "adults", "children") if key in values}
        fields |= {
            "status": status,
            "channel_id": OUR_CHANNEL_ID,
            "starts_at": format_day(values["starts_at"]),
            "ends_at": format_day(values["ends_at"]),
            "created_at": format_time(now),
            "updated_at": format_time(now),
            "expires_at": expires_at(status, now),
        }
        booking_id = self._next_id()
        self.bookings[booking_id] = assemble(
            booking_id=booking_id,
            site=site,
            units=[self.units[u] for u in values["units"]],
            extras=[self.extras[e] for e in values.get("extras", [])],
            item_ids=self._item_ids,
            fields=fields,
        )
        return self.get(booking_id)

    def update(self, booking_id: int, payload: Mapping[str, Any]) -> Booking:
        """POST /bookings/:id/update: only the given keys change; `updated_at` is set to now."""
        booking = self._stored(booking_id)
        values, errors = read_fields(payload, required=())
        if values.get("site_id", booking["site_id"]) != booking["site_id"]:
            errors.setdefault("site_id", []).append("cannot be changed")
        site = self.sites[booking["site_id"]]
        self._check_links(values, site, errors)
        starts: date = values.get("starts_at", day_of(booking["starts_at"]))
        ends: date = values.get("ends_at", day_of(booking["ends_at"]))
        self._check_dates(starts, ends, errors)
        if errors:
            raise BookingInvalid(errors)
        status: int = values["status"] if "status" in values else booking["status"]
        unit_ids: list[int] = values.get("units", [unit["id"] for unit in booking["units"]])
        if {"starts_at", "ends_at", "units", "status"} & values.keys():
            self._check_available(unit_ids, starts, ends, status, exclude=booking_id)
        now = self.now()
        changed = {key: values[key] for key in _PLAIN if key in values}
        changed["updated_at"] = format_time(now)
        if status != booking["status"]:
            changed["expires_at"] = expires_at(status, now)
        if not any(key in values for key in _RESHAPING):
            booking.update(changed)
            for item in booking["items"]:
                item["ages"] = booking["ages"]
            return self.get(booking_id)
        kept = {item["unit_id"]: item["id"] for item in booking["items"]}
        item_ids = [kept.get(unit_id) or next(self._item_ids) for unit_id in unit_ids]
        extra_ids = values.get("extras", [extra["id"] for extra in booking["extras"]])
        changed |= {key: values[key] for key in ("adults", "children") if key in values}
        changed |= {"status": status, "starts_at": format_day(starts), "ends_at": format_day(ends)}
        self.bookings[booking_id] = assemble(
            booking_id=booking_id,
            site=site,
            units=[self.units[u] for u in unit_ids],
            extras=[self.extras[e] for e in extra_ids],
            item_ids=iter(item_ids),
            fields=booking | changed,
        )
        return self.get(booking_id)

    # --- helpers -------------------------------------------------------------------------------
    def _stored(self, booking_id: int) -> Booking:
        booking = self.bookings.get(booking_id)
        if booking is None:
            raise UnknownBooking(booking_id)
        if booking["site_id"] in self.unassigned_site_ids:
            raise NotOnChannel(booking["site_id"])
        return booking

    def _next_id(self) -> int:
        return max(self.bookings, default=FIRST_BOOKING_ID - 1) + 1

    def _check_links(self, values: Record, site: Record | None, errors: Errors) -> None:
        """Units and extras must exist and belong to the booking's site."""
        for key, records in (("units", self.units), ("extras", self.extras)):
            for record_id in values.get(key, []):
                record = records.get(record_id)
                if record is None:
                    errors.setdefault(key, []).append(f"{record_id} does not exist")
                elif site is not None and record["site_id"] != site["id"]:
                    errors.setdefault(key, []).append(f"{record_id} is not on site {site['id']}")

    @staticmethod
    def _check_dates(starts: date | None, ends: date | None, errors: Errors) -> None:
        if starts is not None and ends is not None and ends <= starts:
            errors.setdefault("ends_at", []).append("must be after starts_at")

    def _check_available(
        self, unit_ids: list[int], starts: date, ends: date, status: int, exclude: int | None = None
    ) -> None:
        if status not in BLOCKING_STATUSES:
            return
        taken = self.conflicts(unit_ids, starts, ends, exclude=exclude)
        if taken:
            messages = [f"{unit} is not available for these dates" for unit in taken]
            raise BookingInvalid({"units": messages})
