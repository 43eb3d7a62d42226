"""Which upstream attributes a GraphQL selection needs.

CareHQ sends only the attributes a list call names (`attributes=name_no`), so every CareHQ call
asks for exactly what the selection reads. Each object type declares, per GraphQL field, the
record fields that field reads (`Needs`); a field it does not declare reads the record field of
the same name in snake_case when there is one, and nothing otherwise (`__typename`, links
resolved by other calls). Fragments count when their type condition can apply to the type.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Needs:
    """How one GraphQL object type reads its upstream record."""

    type_names: frozenset[str]  # the type and the interfaces it implements
    record_fields: frozenset[str]  # what the upstream record has
    always: frozenset[str] = frozenset({"id"})
    special: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, selections: Iterable[Selection]) -> frozenset[str]:
        """What a selection of this type reads from the record."""
        return self.named(*(selected.name for selected in fields_of(selections, self.type_names)))

    def named(self, *graphql_fields: str) -> frozenset[str]:
        """What these GraphQL fields of this type read from the record."""
        wanted = set(self.always)
        for graphql_field in graphql_fields:
            if graphql_field in self.special:
                wanted |= self.special[graphql_field]
            elif (name := snake(graphql_field)) in self.record_fields:
                wanted.add(name)
        return frozenset(wanted)


def fields_of(
    selections: Iterable[Selection], type_names: Collection[str]
) -> Iterator[SelectedField]:
    """The fields selected on an object of one of `type_names`, fragments flattened."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread) and (
            selection.type_condition is None or selection.type_condition in type_names
        ):
            yield from fields_of(selection.selections, type_names)


def current(info: strawberry.Info[Any, Any]) -> list[Selection]:
    """The sub-selections of the field being resolved (all of its merged nodes)."""
    return [sub for node in info.selected_fields for sub in node.selections]


def under(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The sub-selections of every selected field `name` (aliases included), e.g. `items`."""
    return [
        sub
        for selected in fields_of(selections, _ANY_TYPE)
        if selected.name == name
        for sub in selected.selections
    ]


class _AnyType(frozenset[str]):
    def __contains__(self, item: object) -> bool:
        return True


_ANY_TYPE = _AnyType()
