"""Document limits (depth, aliases, tokens, cost, string literals), checked once per distinct
document.

Every request runs Strawberry's limiter extensions, but the work is done once per document: the
parse cache is keyed by the text and the parse options (the token limit among them), the validation
cache by the schema, the parsed document and the rule classes. The rule classes are therefore built
once per schema, here: Strawberry's limiter extensions make a new class each time they are
constructed, and a new class per request would make every request a cache miss. A document over
a limit is refused exactly as without the caches, on every repetition; validation refusals are
served from the cache, parser refusals are not cached.

Both caches are LRU and bounded (`DOCUMENT_CACHE_SIZE` entries each), so a flood of distinct
documents costs what it cost before the caches and no more memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress

from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.schema.cost import MAX_COST, cost_limit_rule
from gateway.schema.limits import StringLiteralLength

MAX_TOKENS = 5000
DOCUMENT_CACHE_SIZE = 256
"""Distinct documents whose parse and validation results are kept (least recently used go)."""


class _ParserCache(ParserCache):
    """Strawberry's `ParserCache`, except that a document the parser refuses is left to
    Strawberry's own parse step. An exception raised in an extension's hook escapes every
    extension's `on_operation` (so `ErrorCodes` would never give it a code); the parse step
    reports it as the client's error, as without the cache."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


def document_limits(
    *, max_depth: int, max_aliases: int, max_cost: int = MAX_COST
) -> list[Callable[[], SchemaExtension]]:
    """The schema extensions (factories: one instance per request) that enforce the limits."""
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        cost_limit_rule(max_cost),
        StringLiteralLength,
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: _ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
    ]
