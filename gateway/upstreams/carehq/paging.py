"""Reading a whole CareHQ list: CareHQ pages every list (at most `MAX_PER_PAGE` items a page)
and takes at most that many ids in one `filters-ids`.

`all_pages` asks for page 1 first (it tells how many pages there are), then for the remaining
pages concurrently; ask with a stable sort (by id) so no item moves between pages meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from gateway.upstreams.fanout import gather_or_cancel

from .models import Page

__all__ = ["all_pages", "batched"]

T = TypeVar("T")


async def all_pages(fetch: Callable[[int], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged CareHQ list, in the upstream's order; `fetch(n)` reads page n."""
    first = await fetch(1)
    rest = await gather_or_cancel(fetch(page) for page in range(2, first.page_count + 1))
    return [item for page in (first, *rest) for item in page.items]


def batched(items: Sequence[T], size: int) -> list[tuple[T, ...]]:
    """`itertools.batched` (Python 3.12+) for 3.11."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]
