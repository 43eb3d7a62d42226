"""Document limits (depth, aliases, tokens, cost, string literals), checked once per distinct
document.

Every request runs one extension (`DocumentLimits`), but the work is done once per document: the
parse cache is keyed by the text and the parse options (the token limit among them), the validation
cache by the schema, the text and parse options again, and the rule classes (not by the parsed
document, as Strawberry's `ValidationCache` is: graphql-core's AST nodes are frozen dataclasses
that hash their whole tree afresh on every lookup, a string hashes in C). The rule classes are built
once per schema, here: Strawberry's limiter extensions make a new class each time they are
constructed, and a new class per request would make every request a cache miss. The limits are
Strawberry's (`MaxTokensLimiter`'s parse option, `QueryDepthLimiter`'s and `MaxAliasesLimiter`'s
rules) and ours (cost, string literals). A document over
a limit is refused exactly as without the caches, on every repetition; validation refusals are
served from the cache, parser refusals are not cached.

Both caches are LRU and bounded (`DOCUMENT_CACHE_SIZE` entries each), so a flood of distinct
documents costs what it cost before the caches and no more memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from gateway.schema.cost import MAX_COST, cost_limit_rule
from gateway.schema.limits import StringLiteralLength

MAX_TOKENS = 5000
DOCUMENT_CACHE_SIZE = 256
"""Distinct documents whose parse and validation results are kept (least recently used go)."""


_PARSE = ParserCache(maxsize=DOCUMENT_CACHE_SIZE).cached_parse_document
"""Strawberry's own LRU parse cache (shared by every request of the process)."""


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def cached_validation(
    schema: GraphQLSchema,
    query: str,
    parse_options: tuple[tuple[str, Any], ...],
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    """Strawberry's validation (its own rules added to `rules`) of `query` as parsed with
    `parse_options`: the parse cache's document, parsed again only if it has left the cache."""
    return validate_document(schema, _PARSE(query, **dict(parse_options)), rules)


class DocumentLimits(SchemaExtension):
    """The token limit, the validation rules and both caches in one extension: Strawberry
    wraps every hook of every extension anew on each request, so one extension with two hooks
    costs a third of what four extensions with one hook each did.

    A document the parser refuses is left to Strawberry's own parse step (run with the same
    token limit). An exception raised in an extension's hook escapes every extension's
    `on_operation` (so `ErrorCodes` would never give it a code); the parse step reports it as
    the client's error, as without the cache."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        super().__init__()
        self._rules = rules

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        with suppress(GraphQLError):
            context.graphql_document = _PARSE(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        # After every extension's `on_operation`, so rules they add (introspection off) count.
        context = self.execution_context
        context.validation_rules = rules = (*context.validation_rules, *self._rules)
        schema = context.schema._schema  # what Strawberry's own ValidationCache passes
        if context.query is not None:  # parsed by `_PARSE` with these options (`on_parse`)
            options = tuple(context.parse_options.items())
            context.pre_execution_errors = cached_validation(schema, context.query, options, rules)
        elif context.graphql_document is not None:  # a parsed document handed to `execute`
            context.pre_execution_errors = validate_document(
                schema, context.graphql_document, rules
            )
        yield


def document_limits(
    *, max_depth: int, max_aliases: int, max_cost: int = MAX_COST
) -> list[Callable[[], SchemaExtension]]:
    """The schema extension (a factory: one instance per request) that enforces the limits."""
    rules = (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        cost_limit_rule(max_cost),
        StringLiteralLength,
    )
    return [lambda: DocumentLimits(rules)]
