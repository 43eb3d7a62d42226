"""The gateway's GraphQL schema: GraphQL only (no httpx here; upstream vocabulary stays in
`gateway.upstreams`). One package per upstream (`carehq/`, `bedful/`: types, inputs, queries,
mutations) and one for the view across them (`stays/`); errors, scalars, limits and the other
modules here are shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.observability.operation import ObserveOperation
from gateway.schema.bedful.mutations import BedfulMutation
from gateway.schema.bedful.queries import BedfulQuery
from gateway.schema.bedful.types import BedfulBooking
from gateway.schema.carehq.mutations import CareHQMutation
from gateway.schema.carehq.queries import CareHQQuery
from gateway.schema.carehq.types import Booking
from gateway.schema.cost import MAX_COST
from gateway.schema.document_cache import document_limits
from gateway.schema.errors import ErrorCodes
from gateway.schema.executor import Executor
from gateway.schema.hooks import HookRunner
from gateway.schema.reuse import ReuseResults
from gateway.schema.scalars import SCALARS
from gateway.schema.stays.queries import StaysQuery


@strawberry.type(description="Reads from CareHQ (rooms, bookings) and Bedful (guest bookings).")
class Query(CareHQQuery, BedfulQuery, StaysQuery):
    pass


@strawberry.type(
    description=(
        "Writes to CareHQ (create, cancel) and Bedful (create, update, cancel). Creates take an "
        "`idempotencyKey`; cancels read first and never write twice."
    )
)
class Mutation(CareHQMutation, BedfulMutation):
    pass


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry logs every error with the document's text, and documents carry personal
        data (names, emails in literals). Client errors are the client's to see; unexpected
        exceptions are logged, with their traceback, by `ErrorCodes`."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Strawberry's runner, with each hook wrapped once per extension class
        (`gateway.schema.hooks`) rather than once per request."""
        return HookRunner(execution_context=execution_context, extensions=extensions)


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_cost: int = MAX_COST,
    introspection: bool = True,
    extensions: Sequence[Callable[[], SchemaExtension]] = (),
) -> strawberry.Schema:
    """The schema with its protective limits (query depth, aliases, tokens, cost, string
    literals) set, each document checked once (see `gateway.schema.document_cache`). Without
    `introspection`, `__schema`/`__type` fail validation and no error suggests field, argument,
    type or enum value names (`ErrorCodes` strips them), which would leak the schema anyway.
    `extensions` are added last (per-field tracing)."""
    closed: list[type[SchemaExtension]] = [] if introspection else [DisableIntrospection]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Booking, BedfulBooking],
        execution_context_class=Executor,  # freed when the request ends (no reference cycle)
        config=StrawberryConfig(scalar_map=SCALARS, disable_field_suggestions=not introspection),
        extensions=[
            *closed,
            ObserveOperation,  # outside ErrorCodes: it reads the final error codes
            ErrorCodes,
            *document_limits(max_depth=max_depth, max_aliases=max_aliases, max_cost=max_cost),
            ReuseResults,  # after every limit: a document is checked before any reuse
            *extensions,
        ],
    )


schema = build_schema()
"""The schema with default limits: what `gateway schema` prints."""
