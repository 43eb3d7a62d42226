"""`ObserveOperation`: notes each GraphQL operation's name, type and outcome on the request's
record (for the request line and the metrics), and wraps it in an OpenTelemetry span when
tracing is on.

Only what the server can vouch for is noted: the name of an operation that is in the document
(a client's `operationName` naming none is not), and whether it passed validation. The span
carries the operation's name and type, never its variables or the document's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Iterator
from typing import Any

from graphql import DocumentNode, GraphQLResolveInfo, OperationDefinitionNode
from opentelemetry import trace
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from gateway.observability.request import Operation, RequestRecord, current_request
from gateway.observability.tracing import operation_span


class ObserveOperation(SchemaExtension):
    """Must run outside `ErrorCodes` (listed before it) so it sees the final error codes."""

    _executed = False

    def on_operation(self) -> Iterator[None]:
        record = current_request()
        with operation_span(record) as span:
            try:
                yield
            except asyncio.CancelledError:  # its client went away: still say what was cut short
                self._note(record, span, cancelled=True)
                raise
            self._note(record, span)

    def _note(
        self, record: RequestRecord | None, span: trace.Span, *, cancelled: bool = False
    ) -> None:
        context = self.execution_context
        name, op_type = _operation(context.graphql_document, context.operation_name)
        if span.is_recording():
            _describe(span, name, op_type)
        if record is None:
            return
        result = None if cancelled else context.result
        errors = (result.errors if result is not None else None) or []
        if cancelled:
            outcome = "cancelled"
        elif not errors:
            outcome = "ok"
        elif result is not None and any(v is not None for v in (result.data or {}).values()):
            outcome = "partial"  # some fields answered, others failed
        else:
            outcome = "error"
        codes = [str((error.extensions or {}).get("code", "")) for error in errors]
        record.operations.append(Operation(name, op_type, self._executed, outcome, codes))

    def on_execute(self) -> Iterator[None]:
        self._executed = True
        yield


def _operation(document: DocumentNode | None, requested: str | None) -> tuple[str | None, str]:
    """(name, type) of the operation the document runs; (None, "none") when it runs none."""
    if document is None:
        return None, "none"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if requested is None:
        chosen = operations[0] if len(operations) == 1 else None
    else:
        chosen = next((o for o in operations if o.name and o.name.value == requested), None)
    if chosen is None:
        return None, "none"
    return (chosen.name.value if chosen.name else None), chosen.operation.value


def _describe(span: trace.Span, name: str | None, op_type: str) -> None:
    span.update_name(f"{op_type} {name}" if name else op_type)
    span.set_attribute("graphql.operation.type", op_type)
    if name:
        span.set_attribute("graphql.operation.name", name)


class FieldSpans(OpenTelemetryExtension):
    """A span per resolved field (`GATEWAY_TRACE_FIELDS=true`; they cost): Strawberry's
    OpenTelemetry extension, minus what it would record of the request. Strawberry's own
    operation span holds the document's text (literals: names, emails), and its field spans hold
    the arguments; here field spans are children of `ObserveOperation`'s span and carry only the
    field's path and parent type."""

    def __init__(self, *, tracer_provider: trace.TracerProvider | None = None) -> None:
        super().__init__(arg_filter=_no_arguments, tracer_provider=tracer_provider)

    def on_operation(self) -> Generator[None, None, None]:
        self._span_holder[LifecycleStep.OPERATION] = trace.get_current_span()
        yield


def _no_arguments(arguments: dict[str, Any], info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    return {}
