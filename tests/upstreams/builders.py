"""Builders for upstream answers, and a recording handler for `httpx.MockTransport`.

Answers start from the vendors' documented examples (original-docs) so a test only spells out
what it is about.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Reply:
    """One scripted answer. A fresh `httpx.Response` is built each time it is used."""

    status: int = 200
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds the "upstream" takes before answering (real time)

    def response(self) -> httpx.Response:
        if self.content is not None:
            return httpx.Response(self.status, content=self.content, headers=self.headers)
        if self.json is None:
            return httpx.Response(self.status, headers=self.headers)
        return httpx.Response(self.status, json=self.json, headers=self.headers)


class Script:
    """A MockTransport handler: answers request N with `answers[N]` (the last one repeats) and
    records every request with the `clock` time it arrived, and which ones were cut off (their
    caller cancelled them while the "upstream" was still taking its `delay`). An answer may be
    an exception to raise instead (a transport failure)."""

    def __init__(self, *answers: Reply | Exception, clock: Callable[[], float] = time.monotonic):
        self.answers = answers or (Reply(json={}),)
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.cut_off: list[int] = []  # indexes into `requests`

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock())
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if answer.delay:
            try:
                await asyncio.sleep(answer.delay)
            except asyncio.CancelledError:
                self.cut_off.append(len(self.requests) - 1)
                raise
        return answer.response()

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def params(request: httpx.Request) -> list[tuple[str, str]]:
    """The query parameters exactly as sent, repeated keys included, in order."""
    return request.url.params.multi_items()


class FakeClock:
    """Virtual time: `sleep` moves the clock to the sleeper's wake-up time without yielding,
    so whatever the sleeper does next (send a request) happens at exactly that time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now = max(self.now, self.now + seconds)


class SteppedClock:
    """Virtual time that only the test moves: `sleep` parks the caller until `advance` reaches
    its wake-up time. Advancing far in one step is a stalled event loop: every sleeper that came
    due meanwhile wakes at once, at the same instant, as after a CPU-bound stretch."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(
        self, work: asyncio.Future[Any], *, stall: tuple[float, float] | None = None
    ) -> None:
        """Move time from wake-up to wake-up until `work` is done. `stall=(start, end)`: the
        loop is blocked from `start` to `end`, so nobody due in between runs before `end`."""
        while True:
            await settle()
            if work.done():
                return
            assert self._sleepers, "nothing left to wake: the work is stuck"
            wake = self._sleepers[0][0]
            if stall is not None and wake > stall[0]:
                wake, stall = max(wake, stall[1]), None
            self.now = max(self.now, wake)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)


async def settle(rounds: int = 200) -> None:
    """Let every runnable task run until it waits again (a bounded number of loop rounds)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def max_in_any_window(times: list[float], period: float) -> int:
    """The most timestamps in any half-open window [t, t + period)."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - period:
            start += 1
        best = max(best, end - start + 1)
    return best


# -- CareHQ (carehome-rooms.txt, carehome-bookings.txt) -------------------------------------

ROOM_ID = "6617e6e408a01173cf89319d"
BOOKING_ID = "69b29b8985f06fda012b2ff5"


def carehq_room(**overrides: Any) -> dict[str, Any]:
    room: dict[str, Any] = {
        "_id": ROOM_ID,
        "archived": False,
        "created": "2024-04-11 13:34:28",
        "features": ["6617e6e308a01173cf893105", "6617e6e308a01173cf89310d"],
        "floor": "0",
        "funding_types": ["private", "local_authority"],
        "location": "6617e6e308a01173cf893153",
        "modified": "2024-04-11 13:34:28",
        "name_no": "01",
        "rates": {"6617e6e408a01173cf893191": 113000, "6617e6e408a01173cf893193": 135000},
        "suitable_for": ["residential"],
    }
    return room | overrides


def carehq_booking(**overrides: Any) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "_id": BOOKING_ID,
        "booking_type": "service_user",
        "cancelled": None,
        "check_in": True,
        "checkout": False,
        "checkout_notes": None,
        "created": "2026-03-12 10:55:05",
        "end_date": None,
        "location": "69b29b8485f06fda012b2159",
        "modified": "2026-03-12 10:55:05",
        "notes": None,
        "proposed_checkout_date": None,
        "rate": 138554,
        "rate_period": "weekly",
        "reason_for_checkout": None,
        "respite": False,
        "room": "69b29b8585f06fda012b21b9",
        "service_user": "69b29b8985f06fda012b2ff3",
        "start_date": "2023-12-21",
    }
    return booking | overrides


def carehq_page(items: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    page = {"item_count": len(items), "items": items, "page": 1, "page_count": 1, "per_page": 10}
    return page | overrides


# -- Bedful (bedful-bookings.txt) ----------------------------------------------------------


def bedful_booking(**overrides: Any) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "id": 3175464,
        "parent_id": 0,
        "group_kind": 0,
        "unit_parent_kind": 566,
        "child_count": 0,
        "site_id": 127,
        "user_id": 3,
        "channel_id": 1,
        "status": 100,
        "created_at": "2019-09-11T13:49:32Z",
        "updated_at": "2020-01-15T13:13:47Z",
        "starts_at": "2019-09-16T00:00:00Z",
        "ends_at": "2019-09-19T00:00:00Z",
        "expires_at": "0001-01-01T00:00:00Z",
        "name": "Test Dev",
        "email": "devs@bedful.com",
        "telephone": "07333963369",
        "address": "20a beehive road",
        "postal_code": "DEV D3L",
        "country": "United Kingdom",
        "adults": 2,
        "children": 0,
        "ages": "40, 40",
        "paid": 0,
        "price": 2700,
        "units_price": 2700,
        "extras_price": 0,
        "discount_amount": 0,
        "security_deposit_amount": 0,
        "booking_guarantee": 0,
        "summary": "Filly Fields Glamping - 2 Adults  Sep 22, 2019-Sep 25, 2019",
        "campsite_reference": "",
        "marketing_subscribe": 0,
        "currency_id": 1,
        "currency_rate": 1,
        "currency": {"id": 1, "rate": 1},
        "site": {"id": 127},
        "items": [
            {
                "id": 4276051,
                "unit_id": 13,
                "booking_id": 3175464,
                "accommodation_price": 0,
                "people_price": 0,
                "rates": "",
                "ages": "40, 40",
            }
        ],
        "units": [{"id": 13, "name": "Bell Tent"}],
        "extras": [],
        "user": {"id": 3},
        "channel": {"id": 1},
        "integration": {"id": 0},
    }
    return booking | overrides
