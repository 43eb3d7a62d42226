"""Bedful's documented live rate limits: 5 requests per second AND 100 per minute, per key.

Sliding windows: a request is allowed when fewer than `per_second` admitted requests of the same
key fall in the last 1 s and fewer than `per_minute` in the last 60 s. What the doc does not say,
and we assumed:

* only ADMITTED requests count: a request refused with 429 does not push the window further
  (a client that retries too early is refused but not punished);
* the answer to a refused request is 429 with `Retry-After`: whole seconds (rounded up, at
  least 1) until the oldest request in the full window leaves it. Bedful publishes neither.
* requests are counted after authentication, so a 401 never uses up the key's allowance.

Time comes from the injected `clock` (seconds, monotonic), so tests drive it without sleeping.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Per-key request counting over a 1 s and a 60 s window."""

    def __init__(self, *, per_second: int, per_minute: int, clock: Callable[[], float]) -> None:
        if per_second < 1 or per_minute < 1:
            raise ValueError("rate limits must allow at least one request")
        self.per_second = per_second
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def admit(self, key: str) -> float | None:
        """Count a request of `key` and return None, or refuse it: seconds until a slot frees."""
        now = self.clock()
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - 60:
            seen.popleft()
        waits = []
        if len(seen) >= self.per_minute:
            waits.append(seen[-self.per_minute] + 60 - now)
        if len(seen) >= self.per_second and seen[-self.per_second] > now - 1:
            waits.append(seen[-self.per_second] + 1 - now)
        if waits:
            return max(waits)
        seen.append(now)
        return None

    def reset(self) -> None:
        """Forget every request seen (as if the windows had passed)."""
        self._seen.clear()


def retry_after(wait: float) -> str:
    """The `Retry-After` value for a wait in seconds: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(wait)))
