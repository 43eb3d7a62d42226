"""Bedful (holiday parks, glamping: guest bookings): the client and everything it needs.

- `client`      `BedfulClient`: every Bedful call, HTTP Basic, the rate-limit budget, and the
                assumed-behaviour block.
- `models`      what the client answers and takes (`BedfulBooking`, `NewBedfulBooking`, ...).
- `wire`        Bedful's wire format: request bodies, parsing of answers.
- `currencies`  Bedful's `currency_id` -> ISO 4217 code.
- `recovery`    finds the booking a create of unknown outcome may have made.

Other layers import the names below from the package; the rest by module.
"""

from __future__ import annotations

from gateway.upstreams.bedful.client import LIST_LIMIT, BedfulClient, bedful_http_client
from gateway.upstreams.bedful.models import (
    BLOCKING_STATUSES,
    BedfulBooking,
    BedfulBookingChanges,
    BedfulExtra,
    BedfulItem,
    BedfulStatus,
    BedfulUnit,
    NewBedfulBooking,
)
from gateway.upstreams.ratelimit import SlidingWindowLimiter

__all__ = [
    "BLOCKING_STATUSES",
    "LIST_LIMIT",
    "BedfulBooking",
    "BedfulBookingChanges",
    "BedfulClient",
    "BedfulExtra",
    "BedfulItem",
    "BedfulStatus",
    "BedfulUnit",
    "NewBedfulBooking",
    "SlidingWindowLimiter",
    "bedful_http_client",
]
