"""`Executor`: Strawberry's graphql-core executor, without the reference cycle that kept every
request's objects alive until the garbage collector found them, and answering plain leaf fields
without building an `Info` for each (`gateway.schema.leaves`).

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

import datetime as dt
import weakref
from collections.abc import Awaitable, Sequence
from enum import Enum
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfoHelpers
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema.leaves import PlainLeaves, plain_leaves

__all__ = ["Executor"]


_SETTLED = frozenset({str, int, float, bool, dt.date, dt.datetime})
"""Types whose values are never None, an exception or an awaitable (exactly these types)."""


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
        # A schema extension with a `resolve` hook wraps every resolver (as middleware): then
        # every field goes graphql-core's way, through it.
        wrapped = self.middleware_manager is not None and self.middleware_manager.middlewares
        self.plain_leaves: PlainLeaves = {} if wrapped else plain_leaves(self.schema)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A plain leaf field's value, read and completed as graphql-core would (its resolver
        ignores the info, and so does completing a scalar or an enum; an enum member is
        completed once per schema); anything else, or a value that needs more (None, an
        exception, an awaitable), graphql-core's way. Reading an attribute twice (here, then
        there) changes nothing."""
        fields = self.plain_leaves.get(parent_type.name)
        if fields is not None:
            node = field_details_list[0].node
            plain = fields.get(node.name.value)
            if plain is not None and not node.arguments:
                read, name, declared, leaf, names = plain
                try:
                    value = read(source, name)
                except Exception:  # graphql-core reads it again and reports it
                    value = None
                if names is not None and isinstance(value, Enum):
                    key = (type(value), value)
                    completed = names.get(key)  # never None once completed
                    if completed is not None:
                        return completed
                if type(value) in _SETTLED or (
                    value is not None
                    and not isinstance(value, Exception)
                    and not self.is_awaitable(value)
                ):
                    try:
                        completed = self.complete_leaf_value(leaf, value)
                    except Exception as raw_error:  # reported as graphql-core does
                        self.handle_field_error(raw_error, declared, field_details_list, path)
                        return None
                    if names is not None and isinstance(value, Enum):
                        names[type(value), value] = completed
                    return completed
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
