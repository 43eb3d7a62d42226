"""The fixed part of the Bedful seed: sites, their units (with nightly prices) and extras.

Hand-written, not random, so tests and the frontend can rely on ids and names. Two sites come
from the doc: 127 "Filly Fields Glamping" with unit 13 "Bell Tent" (its example booking) and
133 with unit 1579 (its create curl), so the doc's own examples work against the sandbox.

Prices are integer minor units of the site's currency per NIGHT for units and per STAY for extras.
Site 168 is in France and prices in EUR (currency 2); the others are GBP (currency 1).
`parent_kind` is what a booking's `unit_parent_kind` ("internal use") shows; the values are
invented. Sites in `WINTER_CLOSED` are closed from 3 November to 1 March: the seed blocks those
periods with status 12 bookings, Bedful's unavailable periods.
"""

from __future__ import annotations

from typing import Any, Final

Record = dict[str, Any]

# id, name, country, currency_id, owner user id
_SITES: Final = (
    (127, "Filly Fields Glamping", "United Kingdom", 1, 3),
    (133, "Hollow Oak Holiday Park", "United Kingdom", 1, 4),
    (141, "Saltmarsh Bay Caravan Park", "United Kingdom", 1, 5),
    (152, "Larchwood Lodges", "United Kingdom", 1, 6),
    (168, "Domaine des Chênes Glamping", "France", 2, 7),
)
WINTER_CLOSED: Final = frozenset({127, 168})

# kind -> (unit_parent_kind, security deposit)
_KINDS: Final = {
    "bell_tent": (566, 0),
    "safari_tent": (567, 0),
    "pod": (568, 0),
    "hut": (569, 0),
    "yurt": (570, 0),
    "lodge": (571, 10000),
    "caravan": (572, 5000),
    "pitch": (573, 0),
}

# id, site_id, name, kind, nightly price, sleeps
_UNITS: Final = (
    (13, 127, "Bell Tent", "bell_tent", 8500, 4),
    (14, 127, "Bell Tent Two", "bell_tent", 8500, 4),
    (15, 127, "Safari Tent", "safari_tent", 11500, 6),
    (16, 127, "Shepherd's Hut", "hut", 9500, 2),
    (17, 127, "Hilltop Pod", "pod", 6500, 2),
    (18, 127, "Meadow Yurt", "yurt", 10500, 5),
    (1579, 133, "Lakeside Lodge 1", "lodge", 16500, 6),
    (1580, 133, "Lakeside Lodge 2", "lodge", 16500, 6),
    (1581, 133, "Woodland Lodge", "lodge", 14500, 4),
    (1582, 133, "Deluxe Caravan", "caravan", 9900, 6),
    (1583, 133, "Standard Caravan", "caravan", 7900, 6),
    (1584, 133, "Camping Pod", "pod", 5500, 3),
    (1585, 133, "Touring Pitch", "pitch", 3200, 6),
    (2201, 141, "Caravan 1 (Sea View)", "caravan", 10900, 6),
    (2202, 141, "Caravan 2 (Sea View)", "caravan", 10900, 6),
    (2203, 141, "Caravan 3", "caravan", 8900, 6),
    (2204, 141, "Caravan 4", "caravan", 8900, 4),
    (2205, 141, "Dune Pod", "pod", 6000, 2),
    (2206, 141, "Marram Pod", "pod", 6000, 2),
    (2207, 141, "Beach Hut Cabin", "hut", 8000, 3),
    (3010, 152, "Birch Lodge (Hot Tub)", "lodge", 19500, 6),
    (3011, 152, "Rowan Lodge (Hot Tub)", "lodge", 19500, 6),
    (3012, 152, "Alder Lodge", "lodge", 15500, 4),
    (3013, 152, "Hazel Lodge", "lodge", 15500, 4),
    (3014, 152, "Pine Cabin", "hut", 11000, 2),
    (3015, 152, "Larch Treehouse", "hut", 17500, 4),
    (3016, 152, "Family Lodge", "lodge", 23500, 8),
    (4100, 168, "Tente Cloche", "bell_tent", 9000, 4),
    (4101, 168, "Tente Safari", "safari_tent", 13000, 6),
    (4102, 168, "Cabane Perchée", "hut", 15000, 4),
    (4103, 168, "Roulotte", "hut", 11000, 3),
    (4104, 168, "Yourte", "yurt", 12000, 5),
    (4105, 168, "Pod du Lac", "pod", 7000, 2),
)

# id, site_id, name, price per stay
_EXTRAS: Final = (
    (501, 127, "Firewood Bundle", 1200),
    (502, 127, "Breakfast Hamper", 2500),
    (503, 127, "Dog", 1500),
    (511, 133, "Late Checkout", 2000),
    (512, 133, "Bedding Pack", 1800),
    (513, 133, "Dog", 2000),
    (521, 141, "Bike Hire", 3000),
    (522, 141, "Linen Pack", 1500),
    (531, 152, "Hot Tub Refill", 4000),
    (532, 152, "Welcome Hamper", 3500),
    (533, 152, "Late Checkout", 2500),
    (541, 168, "Petit-déjeuner", 1800),
    (542, 168, "Bois de chauffage", 1000),
    (543, 168, "Location de vélos", 2500),
)


def sites() -> dict[int, Record]:
    """Fresh site records by id: {"id", "name", "country", "currency_id", "user_id" (owner)}."""
    keys = ("id", "name", "country", "currency_id", "user_id")
    return {row[0]: dict(zip(keys, row, strict=True)) for row in _SITES}


def units() -> dict[int, Record]:
    """Fresh unit records by id: {"id", "site_id", "name", "kind", "price" (per night),
    "sleeps", "parent_kind", "security_deposit"}."""
    keys = ("id", "site_id", "name", "kind", "price", "sleeps")
    return {
        row[0]: {
            **dict(zip(keys, row, strict=True)),
            "parent_kind": _KINDS[row[3]][0],
            "security_deposit": _KINDS[row[3]][1],
        }
        for row in _UNITS
    }


def extras() -> dict[int, Record]:
    """Fresh extra records by id: {"id", "site_id", "name", "price" (per stay)}."""
    keys = ("id", "site_id", "name", "price")
    return {row[0]: dict(zip(keys, row, strict=True)) for row in _EXTRAS}
