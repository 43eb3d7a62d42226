"""One page of a CareHQ list (`rooms`, `bookings`) as GraphQL types: the items, and CareHQ's own
count of what matches.

CareHQ pages its lists itself (`page` from 1, at most 100 per page); the counts are what it
answered for the call that fetched the page, so they are as fresh as the items. A room's
`bookings` is not paged (the read layer gathers all of them), so it has no page type.
"""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.schema.carehq.types import Booking, Room
from gateway.upstreams.carehq import Page


@strawberry.type(description="One page of CareHQ rooms.")
class RoomPage:
    items: list[Room] = strawberry.field(description="The rooms on this page.")
    item_count: int = strawberry.field(description="How many rooms match, on all pages.")
    page: int = strawberry.field(description="This page's number, from 1.")
    page_count: int = strawberry.field(description="How many pages there are.")
    per_page: int = strawberry.field(description="The page size asked for (at most 100).")


@strawberry.type(description="One page of CareHQ bookings.")
class BookingPage:
    items: list[Booking] = strawberry.field(description="The bookings on this page.")
    item_count: int = strawberry.field(description="How many bookings match, on all pages.")
    page: int = strawberry.field(description="This page's number, from 1.")
    page_count: int = strawberry.field(description="How many pages there are.")
    per_page: int = strawberry.field(description="The page size asked for (at most 100).")


def counts(result: Page[Any]) -> dict[str, int]:
    """The page fields of either page type, from the client's page (`RoomPage(items=...,
    **counts(result))`)."""
    return {
        "item_count": result.item_count,
        "page": result.page,
        "page_count": result.page_count,
        "per_page": result.per_page,
    }
