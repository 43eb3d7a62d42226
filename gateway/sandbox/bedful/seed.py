"""Deterministic Bedful seed bookings: same seed, same data, never the wall clock.

About 2,100 bookings from 2023 to 2027 over the catalogue's 33 units (`catalogue`), as
the data stood at `AS_OF` (nothing is created or updated later; stays after it are future
bookings). What a caller can rely on, for every seed:

* every status occurs: mostly 100; 11 (cancelled), 10, 12 (winter closures and maintenance),
  1, 13 and 0; bookings that block availability (10, 12, 100) never overlap on a unit, the
  others may (a cancelled stay whose dates were re-let);
* some bookings hold several units (one item per unit), some have extras, some children;
  `ages` lists every guest (adults first), as in the doc's example ("40, 40" for 2 adults);
* `expires_at` is the zero time except on provisional (10) and incomplete (1) bookings;
  about 7 % have a zero `updated_at`; ids grow with `created_at`, with gaps;
* names, e-mail addresses (example.com/.org/.net) and phone numbers (Ofcom's drama range
  07700 900xxx) are fake.

`seed_bookings` is cached per seed: it returns SHARED records that must be copied before use
(`BedfulStore.seeded` does).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import count
from typing import Any, Final, TypeVar

from gateway.sandbox.bedful import catalogue
from gateway.sandbox.bedful.records import (
    BLOCKING_STATUSES,
    ZERO_TIME,
    Booking,
    assemble,
    expires_at,
    format_day,
    format_time,
)

T = TypeVar("T")
Record = dict[str, Any]
Draft = tuple[datetime, int, list[int], list[int], Record]  # created, site, units, extras, fields

START: Final = date(2023, 1, 1)
END: Final = date(2027, 12, 31)
AS_OF: Final = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
FIRST_BOOKING_ID: Final = 3_100_000
FIRST_ITEM_ID: Final = 4_200_000

_STATUS_WEIGHTS: Final = {100: 76, 11: 11, 10: 3, 12: 2, 1: 3, 13: 3, 0: 2}
_FIRST = "Amelia Oliver Isla George Ava Harry Mia Jack Sophie Noah Grace Leo Freya Arthur Lily "
_FIRST += "Oscar Ella Charlie Evie Jacob Chloe Thomas Ruby Alfie Aoife Liam Chloé Lucas Anna Daan"
_LAST = "Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Patel,Wright,Walker,Evans,Roberts,"
_LAST += (
    "Green,Hall,Wood,Clarke,Hughes,Murphy,O'Brien,Martin,Bernard,Müller,Schmidt,de Vries,Bakker"
)
_STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Kings Road")
_COUNTRIES = ("United Kingdom",) * 16 + ("Ireland", "France", "Germany", "Netherlands")


@lru_cache(maxsize=8)
def seed_bookings(seed: int) -> tuple[Booking, ...]:
    """The seed's bookings in id order (shared and cached: copy before changing anything)."""
    rng = random.Random(seed)
    guests = [_guest(rng, number) for number in range(700)]
    sites, units, extras = catalogue.sites(), catalogue.units(), catalogue.extras()
    drafts = [draft for site in sites.values() for draft in _site_drafts(rng, site, guests)]
    drafts.sort(key=lambda draft: draft[0])
    booking_id, item_ids = FIRST_BOOKING_ID, count(FIRST_ITEM_ID)
    bookings = []
    for _created, site_id, stay, picked, fields in drafts:
        booking = assemble(
            booking_id=booking_id,
            site=sites[site_id],
            units=[units[u] for u in stay],
            extras=[extras[e] for e in picked],
            item_ids=item_ids,
            fields=fields,
        )
        booking["paid"] = _paid(rng, booking)
        bookings.append(booking)
        booking_id += _between(rng, 1, 60)  # other channels' bookings take ids too
    return tuple(bookings)


def _site_drafts(rng: random.Random, site: dict[str, Any], guests: list[Record]) -> list[Draft]:
    """One site's bookings, walking each unit's calendar from START to END."""
    units = {u: unit for u, unit in catalogue.units().items() if unit["site_id"] == site["id"]}
    extras = [e for e, extra in catalogue.extras().items() if extra["site_id"] == site["id"]]
    closures = _closures() if site["id"] in catalogue.WINTER_CLOSED else []
    drafts = [
        _closed(rng, site, unit_id, starts=starts, ends=ends, why="Closed for winter")
        for starts, ends in closures
        for unit_id in units
    ]
    free = {unit_id: START + timedelta(_between(rng, 0, 6)) for unit_id in units}
    while free:
        unit_id = min(free, key=free.__getitem__)
        starts = free[unit_id] + timedelta(_gap(rng, free[unit_id]))
        starts = next((e for s, e in closures if s <= starts < e), starts)
        ends = starts + timedelta(_pick(rng, (1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 7, 7, 14)))
        if ends > END:
            del free[unit_id]
            continue
        if any(s < ends and starts < e for s, e in closures):
            free[unit_id] = ends  # would run into a closure: try after it
            continue
        status = rng.choices(tuple(_STATUS_WEIGHTS), tuple(_STATUS_WEIGHTS.values()))[0]
        stay = [unit_id]
        if status == 12:
            drafts.append(_closed(rng, site, unit_id, starts=starts, ends=ends, why="Maintenance"))
        else:
            if rng.random() < 0.08:  # a party taking a second (rarely a third) unit
                others = [u for u, day in free.items() if day <= starts and u != unit_id]
                stay += rng.sample(others, min(len(others), _pick(rng, (1, 1, 1, 2))))
            picked = rng.sample(extras, _pick(rng, (1, 1, 2))) if rng.random() < 0.25 else []
            guest = guests[min(int(rng.expovariate(1 / 220)), len(guests) - 1)]
            sleeps = sum(units[u]["sleeps"] for u in stay)
            fields = _stay(rng, guest, status, starts=starts, ends=ends, sleeps=sleeps)
            if rng.random() < 0.08:  # a 10 % promotion on the accommodation
                nightly = sum(units[u]["price"] for u in stay)
                fields["discount_amount"] = round(nightly * (ends - starts).days * 0.1)
            drafts.append((fields.pop("_created"), site["id"], stay, picked, fields))
        if status in BLOCKING_STATUSES:
            free.update(dict.fromkeys(stay, ends))
        else:  # a cancelled or failed stay leaves the dates free for someone else
            free[unit_id] = starts + timedelta(1)
    return drafts


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    """`rng.choice`, several times faster (the seed makes ~30,000 draws and must stay quick)."""
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint(low, high)`, likewise."""
    return low + int(rng.random() * (high - low + 1))


def _closures() -> list[tuple[date, date]]:
    winters = [(date(year, 11, 3), date(year + 1, 3, 1)) for year in range(2023, 2027)]
    return [(START, date(2023, 3, 1)), *winters, (date(2027, 11, 3), END)]


def _gap(rng: random.Random, day: date) -> int:
    """Days until the next stay on a unit: short in summer, long in winter and far ahead."""
    if day.month in (6, 7, 8, 9):
        gap = _pick(rng, (3, 5, 8, 12, 16, 22))
    elif day.month in (4, 5, 10):
        gap = _pick(rng, (8, 14, 20, 28, 38))
    else:
        gap = _pick(rng, (20, 35, 50, 70))
    return gap * 2 + 14 if day > AS_OF.date() + timedelta(300) else gap


def _guest(rng: random.Random, number: int) -> Record:
    first, last = _pick(rng, _FIRST.split()), _pick(rng, _LAST.split(","))
    country = _pick(rng, _COUNTRIES)
    uk = country == "United Kingdom"
    with_address = rng.random() < 0.85
    letters = "".join(rng.choices("ABCDEFGHJKLMNPRSTUWY", k=4))
    postcode = f"{letters[:2]}{_between(rng, 1, 29)} {_between(rng, 1, 9)}{letters[2:]}"
    if not uk:
        postcode = str(_between(rng, 10000, 99999))
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}".lower()).encode("ascii", "ignore")
    local = ascii_name.decode().replace("'", "").replace(" ", "")
    return {
        "user_id": 1001 + number,
        "name": f"{first} {last}",
        "email": f"{local}{number}@example.{_pick(rng, ('com', 'com', 'org', 'net'))}",
        "telephone": f"07700900{number % 1000:03d}" if rng.random() < 0.9 else "",
        "address": f"{_between(rng, 1, 120)} {_pick(rng, _STREETS)}" if with_address else "",
        "postal_code": postcode if with_address else "",
        "country": country,
    }


def _stay(
    rng: random.Random, guest: Record, status: int, *, starts: date, ends: date, sleeps: int
) -> Record:
    adults = min(sleeps, _pick(rng, (1, 2, 2, 2, 2, 2, 3, 4)))
    children = min(sleeps - adults, _pick(rng, (0, 0, 0, 0, 1, 2, 2, 3)))
    ages = [_between(rng, 22, 75) for _ in range(adults)] + [
        _between(rng, 0, 17) for _ in range(children)
    ]
    lead = timedelta(days=_pick(rng, (1, 3, 7, 14, 30, 45, 60, 90, 120, 180, 240)))
    created = (
        datetime.combine(starts, time(), UTC) - lead + timedelta(seconds=_between(rng, 0, 80_000))
    )
    if created > AS_OF:
        created = AS_OF - timedelta(seconds=_between(rng, 3_600, 90 * 86_400))
    fields = {**guest, "user_id": guest["user_id"] if rng.random() < 0.85 else 0}
    fields.update(
        _created=created,
        status=status,
        channel_id=1 if rng.random() < 0.6 else 0,
        starts_at=format_day(starts),
        ends_at=format_day(ends),
        adults=adults,
        children=children,
        ages=", ".join(map(str, ages)),
        discount_amount=0,
        campsite_reference=f"BF-{_between(rng, 0, 99_999):05d}" if rng.random() < 0.2 else "",
        marketing_subscribe=int(rng.random() < 0.3),
        **_times(rng, created, status, starts),
    )
    return fields


def _times(rng: random.Random, created: datetime, status: int, starts: date) -> dict[str, str]:
    last = min(datetime.combine(starts, time(), UTC), AS_OF)
    roll = rng.random()
    if roll < 0.07 and status != 11:
        updated = ZERO_TIME
    elif roll < 0.35 or last <= created:
        updated = format_time(created)
    else:
        updated = format_time(created + (last - created) * rng.random())
    return {
        "created_at": format_time(created),
        "updated_at": updated,
        "expires_at": expires_at(status, created),
    }


def _closed(
    rng: random.Random, site: Record, unit_id: int, *, starts: date, ends: date, why: str
) -> Draft:
    """An unavailable period (status 12): the owner's own booking, nothing sold."""
    created = min(datetime.combine(starts, time(9), UTC) - timedelta(days=60), AS_OF)
    created -= timedelta(seconds=_between(rng, 0, 86_400))
    blank = dict.fromkeys(("email", "telephone", "address", "postal_code", "country"), "")
    fields = {
        **blank,
        "name": why,
        "user_id": site["user_id"],
        "channel_id": 0,
        "status": 12,
        "starts_at": format_day(starts),
        "ends_at": format_day(ends),
        "adults": 0,
        "children": 0,
        "ages": "",
        **_times(rng, created, 12, starts),
    }
    return created, site["id"], [unit_id], [], fields


def _paid(rng: random.Random, booking: Booking) -> int:
    """Paid in full once the stay began; a 30 % deposit or in full before; 0 if never confirmed."""
    price: int = booking["price"]
    if booking["status"] == 100:
        started = booking["starts_at"] <= format_time(AS_OF)
        return price if started or rng.random() < 0.4 else round(price * 0.3)
    if booking["status"] == 11:
        return _pick(rng, (0, round(price * 0.3)))
    return 0
