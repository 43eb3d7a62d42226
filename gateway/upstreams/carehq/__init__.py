"""CareHQ (care homes: rooms, residents' bookings): the client and everything it needs.

- `client`     `CareHQClient`: every CareHQ call, and the assumed-behaviour block.
- `auth`       signature 2.0 as an `httpx.Auth` (`CareHQSignature`, `carehq_http_client`).
- `models`     what the client answers and takes (`CareHQBooking`, `NewCareHQBooking`, ...).
- `queries`    the list queries in our words and their `filters-*` params, side by side.
- `wire`       CareHQ's spelling: enumeration values, attributes, sorts, the create form.
- `decoding`   CareHQ's answers -> our records (`parse_room`, `parse_booking`, `parse_page`).
- `ratelimit`  follows CareHQ's rate-limit headers.
- `paging`     all pages of a list; ids in batches of one page.
- `recovery`   finds the booking a create of unknown outcome may have made.

Other layers import the names below from the package; the rest by module.
"""

from __future__ import annotations

from gateway.upstreams.carehq.auth import CareHQSignature, carehq_http_client
from gateway.upstreams.carehq.client import MAX_PER_PAGE, CareHQClient
from gateway.upstreams.carehq.models import (
    BOOKING_FIELDS,
    ROOM_FIELDS,
    BookingSortKey,
    BookingType,
    CareHQBooking,
    CareHQRoom,
    CareType,
    FundingType,
    NewCareHQBooking,
    Page,
    RatePeriod,
    RoomRate,
    RoomSortKey,
    Sort,
    YesNo,
    uk_local,
)
from gateway.upstreams.carehq.queries import BookingQuery, RoomQuery
from gateway.upstreams.carehq.ratelimit import RateLimitState

__all__ = [
    "BOOKING_FIELDS",
    "MAX_PER_PAGE",
    "ROOM_FIELDS",
    "BookingQuery",
    "BookingSortKey",
    "BookingType",
    "CareHQBooking",
    "CareHQClient",
    "CareHQRoom",
    "CareHQSignature",
    "CareType",
    "FundingType",
    "NewCareHQBooking",
    "Page",
    "RateLimitState",
    "RatePeriod",
    "RoomQuery",
    "RoomRate",
    "RoomSortKey",
    "Sort",
    "YesNo",
    "carehq_http_client",
    "uk_local",
]
