"""`ReuseResults`: identical Bedful-only queries answered with an earlier result, while it is
exactly what executing them again would give (`gateway.reads.results`).

Strawberry's own mechanism: an extension's `on_execute` that sets `execution_context.result`
skips execution. It runs after parsing and validation, so the depth, alias, token and cost
limits and introspection rules have decided on the document first, and after the router has
authenticated the caller.

Only a query is ever reused, and only a result with no errors whose every read was answered by
Bedful cache entries (any CareHQ read or write check spoils it: `gateway.reads.dependencies`).
The key is the caller (the token's digest when callers send one, so no caller is ever answered
with a result computed for another), the operation name, the document's text and the variables.
A kept result is its top-level fields already encoded as JSON (`orjson.Fragment`), so a reuse
neither executes nor encodes the list again.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

__all__ = ["ReuseResults"]


class ReuseResults(SchemaExtension):
    """Must come after the document limits (they decide first) and `ErrorCodes`."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Any = execution.context
        results = getattr(getattr(context, "upstreams", None), "results", None)
        key = _key(execution.query, execution.operation_name, execution.variables, context)
        if results is None or key is None or execution.operation_type is not OperationType.QUERY:
            yield
            return
        lookup = await results.lookup(key)
        if lookup.data is not None:
            # A copy: whatever later steps do to this response's data, the kept one stays.
            execution.result = GraphQLExecutionResult(data=dict(lookup.data), errors=None)
            yield
            return
        data: dict[str, Any] | None = None
        size = 0
        try:
            yield
            result = execution.result
            dependencies = context.reads.dependencies
            if (
                isinstance(result, GraphQLExecutionResult)
                and not result.errors
                and result.data is not None
                and not context.partial_errors
                and dependencies.reusable
            ):
                data, size = _encoded(result.data)
        finally:
            lookup.done(data, size, context.reads.dependencies.served if data else ())


def _key(query: str | None, operation: str | None, variables: Any, context: Any) -> str | None:
    """What makes two requests identical: caller, document text, operation name, variables."""
    if query is None:
        return None
    try:
        encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # not JSON (a transport that is not ours): never reused
        return None
    caller = str(getattr(context, "caller", ""))
    digest = hashlib.sha256(repr((caller, operation, query)).encode())
    digest.update(encoded)
    return digest.hexdigest()


def _encoded(data: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """`data`'s top-level fields as JSON fragments, and their size in bytes."""
    try:
        encoded = {name: orjson.dumps(value) for name, value in data.items()}
    except TypeError:
        return None, 0
    fragments: dict[str, Any] = {name: orjson.Fragment(raw) for name, raw in encoded.items()}
    return fragments, sum(len(raw) for raw in encoded.values())
