"""`ReuseResults`: an identical query is answered with another request's result rather than
executed again, when that gives exactly what executing it would:

* a Bedful-only result kept from earlier, while every cache entry it was computed from is still
  what reads would be served (`gateway.reads.results`);
* the outcome of an identical query executing right now, started since the last write
  (`gateway.reads.executions`): its data and errors, each request's `ErrorCodes` giving them
  their codes.

Strawberry's own mechanism: an extension's `on_execute` that sets `execution_context.result`
skips execution. It runs after parsing and validation, so the depth, alias, token and cost
limits and introspection rules have decided on the document first, and after the router has
authenticated the caller.

Only a query is ever reused. A kept result has no errors and every read of it was answered by
Bedful cache entries (any CareHQ read or write check spoils it: `gateway.reads.dependencies`).
The key is the caller (the token's digest when callers send one, so no caller is ever answered
with a result computed for another), the operation name, the document's text and the variables.
A kept result is its top-level fields already encoded as JSON (`orjson.Fragment`), so a reuse
neither executes nor encodes the list again.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from opentelemetry import trace
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

if TYPE_CHECKING:
    from gateway.reads.executions import Executions
    from gateway.reads.results import Lookup

__all__ = ["ANSWERED_BY", "ReuseResults"]

ANSWERED_BY = "gateway.answered_by"
"""The operation span's attribute for a query answered without executing: `kept result` or
`identical execution` (it then has no upstream spans of its own)."""


class ReuseResults(SchemaExtension):
    """Must come after the document limits (they decide first) and `ErrorCodes`."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Any = execution.context
        upstreams = getattr(context, "upstreams", None)
        results = getattr(upstreams, "results", None)
        executions: Executions | None = getattr(upstreams, "executions", None)
        key = None
        if execution.operation_type is OperationType.QUERY and (results or executions):
            key = _key(execution.query, execution.operation_name, execution.variables, context)
        if key is None:
            yield
            return
        lookup = await results.lookup(key) if results is not None else None
        if lookup is not None and lookup.data is not None:
            # A copy: whatever later steps do to this response's data, the kept one stays.
            execution.result = GraphQLExecutionResult(data=dict(lookup.data), errors=None)
            trace.get_current_span().set_attribute(ANSWERED_BY, "kept result")
            yield
            return
        shared: _Outcome | None = await executions.join(key) if executions is not None else None
        if shared is not None:
            if lookup is not None:
                lookup.done(None, 0, ())
            execution.result = shared.result()
            context.partial_errors[:] = shared.partial_errors
            trace.get_current_span().set_attribute(ANSWERED_BY, "identical execution")
            yield
            return
        lead = executions.lead(key) if executions is not None else None
        outcome: _Outcome | None = None
        try:
            yield
            outcome = _Outcome.of(execution.result, context)
            if lookup is not None:
                _keep(lookup, execution.result, context)
        finally:
            if lookup is not None:
                lookup.done(None, 0, ())  # the request failed before `_keep`: release waiters
            if lead is not None:
                lead.done(outcome)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What an execution ended with, for the identical requests that joined it. The errors are
    graphql-core's, before `ErrorCodes` gives them codes for each request that answers them."""

    data: dict[str, Any] | None
    errors: tuple[GraphQLError, ...]
    partial_errors: tuple[GraphQLError, ...]

    @classmethod
    def of(cls, result: Any, context: Any) -> _Outcome | None:
        if not isinstance(result, GraphQLExecutionResult):
            return None
        partial = tuple(getattr(context, "partial_errors", ()))
        return cls(result.data, tuple(result.errors or ()), partial)

    def result(self) -> GraphQLExecutionResult:
        """A result of the request's own (top-level data copied, errors in a list of its own):
        the later steps of each request change its result, never the shared outcome."""
        data = None if self.data is None else dict(self.data)
        return GraphQLExecutionResult(data=data, errors=list(self.errors) or None)


def _keep(lookup: Lookup, result: Any, context: Any) -> None:
    """Keep a Bedful-only result for identical later requests (`gateway.reads.results`)."""
    dependencies = context.reads.dependencies
    data: dict[str, Any] | None = None
    size = 0
    if (
        isinstance(result, GraphQLExecutionResult)
        and not result.errors
        and result.data is not None
        and not context.partial_errors
        and dependencies.reusable
    ):
        data, size = _encoded(result.data)
    lookup.done(data, size, dependencies.served if data else ())


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
