"""Concurrent upstream calls that stop together: one failing cancels the ones not yet done.

`asyncio.gather` lets the other calls of a fan-out run on after one has failed, and after the
request that wanted them has been answered with that failure: calls waiting for a rate-limit
slot are still sent, spending the budget every user shares (#11: Bedful calls going out 9 s
after the answer). `gather_or_cancel` cancels every call still running or waiting as soon as
one fails, and when the caller itself is cancelled (its client went away).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

__all__ = ["gather_or_cancel"]

T = TypeVar("T")


async def gather_or_cancel(calls: Iterable[Awaitable[T]]) -> list[T]:
    """The results of `calls` in order, or the first exception, with the others cancelled."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()  # a no-op for those done
        # Let the cancelled ones unwind (release their rate-limit places) before going on.
        await asyncio.gather(*tasks, return_exceptions=True)
