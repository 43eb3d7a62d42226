"""`Executor`: Strawberry's graphql-core executor, without the reference cycle that kept every
request's objects alive until the garbage collector found them.

graphql-core 3.3's executor hands resolvers `info.async_helpers`, a tuple of two of its own bound
methods (`gather_async_work`, `track_async_work`): the executor refers to the tuple, the tuple to
the executor. That cycle makes the executor, and everything it refers to (the request's context,
and through it the HTTP request, the middleware closures, the read layer...), unreachable only by
the cyclic garbage collector rather than freed when the request ends: about seventy objects per
request, and a collection every few requests. Here the helpers reach the executor through a weak
reference, so the request's objects are freed by reference counting as soon as it is answered.
While execution runs, every call into the helpers comes from code the executor is running, which
holds it, so the weak reference is always alive when used.

Passed to Strawberry as `execution_context_class` (its own mechanism for this).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import GraphQLResolveInfoHelpers
from graphql.pyutils import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["Executor"]


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    """graphql-core's `gather_async_work`, which uses nothing of the executor."""
    return gather_with_cancel(*values)


class Executor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        track = weakref.WeakMethod(self.track_async_work)

        def track_weakly(values: Sequence[Any]) -> None:
            method = track()
            if method is not None:  # None: execution is over, nothing is left to settle
                method(values)

        self.async_helpers = GraphQLResolveInfoHelpers(gather=_gather, track=track_weakly)
