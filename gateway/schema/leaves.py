"""Plain leaf fields: the scalar and enum fields that Strawberry reads as attributes.

graphql-core executes every field of every object the same way: it copies the field's nodes
into a new list, builds a `GraphQLResolveInfo` (a named tuple of fifteen) for it, checks its
arguments, calls its resolver, checks the result for an awaitable, then completes it. For most
fields of a large answer none of that is needed. A field Strawberry calls "basic" (no resolver,
no field extensions: `StrawberryField.is_basic_field`) is read with the configured default
resolver (`StrawberryConfig.default_resolver`, `getattr`) and never sees the info; a scalar or
enum is completed by its type's `coerce_output_value`, which does not see it either. Skipping
that work cut the CPU of 100 bookings with their rooms by about a sixth (distinct requests,
14.6 -> 12.3 ms), and is most of what a long list's leaves cost.

`plain_leaves(schema)` finds, once per schema, the fields (of object types) that are basic,
take no arguments and return a scalar or an enum (nullable or not); `gateway.schema.executor`
reads them straight from their object and completes them as graphql-core would, leaving to
graphql-core every value it must do more with (None, for the non-null check and its error, an
exception, an awaitable), every other field, and every field once a schema extension wraps
resolvers (Strawberry's `resolve` hooks run as graphql-core middleware).

`Executor.execute_field` overrides graphql-core's own method (3.3's signature: a field details
list and a position context), which its documentation keeps private: an upgrade may change it.
`tests/test_schema_leaves.py` compares the answers, errors included, with graphql-core's way
and counts the `Info`s built, so such a change fails there before it reaches a client.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    get_nullable_type,
    is_leaf_type,
)
from strawberry.types.field import StrawberryField

__all__ = ["PlainLeaf", "plain_leaves"]

DEFINITION = "strawberry-definition"
"""Where Strawberry keeps a GraphQL field's `StrawberryField` (`GraphQLField.extensions`)."""


EnumNames = dict[tuple[type, Enum], Any]
"""(member's class, member) -> the enum value's name it was completed to. Completing a member
is a pure function of it (Strawberry's enum types look the name up among the values, one by
one, on every call), so each is completed once per schema."""


class PlainLeaf(NamedTuple):
    """How to answer one plain leaf field without graphql-core's per-field machinery."""

    read: Callable[[Any, str], Any]  # Strawberry's default resolver (`getattr`)
    name: str  # the Python attribute
    type: GraphQLOutputType  # as declared (for errors: graphql-core's own handling)
    leaf: GraphQLLeafType  # the scalar or enum that completes the value
    names: EnumNames | None  # an enum's: what it completed each member to (one per enum type)


PlainLeaves = Mapping[str, Mapping[str, PlainLeaf]]
"""Object type name -> field name -> how to answer it."""

_FOUND: weakref.WeakKeyDictionary[GraphQLSchema, PlainLeaves] = weakref.WeakKeyDictionary()


def plain_leaves(schema: GraphQLSchema) -> PlainLeaves:
    """The plain leaf fields of `schema`, worked out the first time it is asked for."""
    found = _FOUND.get(schema)
    if found is None:
        found = _FOUND[schema] = _find(schema)
    return found


def _find(schema: GraphQLSchema) -> PlainLeaves:
    found: dict[str, dict[str, PlainLeaf]] = {}
    names: dict[str, EnumNames] = {}  # by enum type name
    for type_name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(DEFINITION)
            leaf = get_nullable_type(field.type)
            if (
                isinstance(definition, StrawberryField)
                and definition.is_basic_field
                and not field.args
                and is_leaf_type(leaf)
            ):
                read, name = definition.default_resolver, definition.python_name
                memo = (
                    names.setdefault(leaf.name, {}) if isinstance(leaf, GraphQLEnumType) else None
                )
                plain = PlainLeaf(read, name, field.type, leaf, memo)
                found.setdefault(type_name, {})[field_name] = plain
    return found
