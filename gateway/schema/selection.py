"""Which upstream attributes a GraphQL selection needs.

CareHQ sends only the attributes a list call names, so every CareHQ call asks for exactly what
the selection reads. Each GraphQL field of a type built from a record declares, next to its
definition, the record attributes it reads, in the record's own names
(`strawberry.field(..., metadata=reads("rate", "rate_period"))`; `reads()`: nothing, e.g. a
constant); fields a type takes from an interface are declared beside the type. `Needs.declared`
collects the declarations of one type and refuses, when the module is imported, a field without
one and a name the record does not have, so renaming a GraphQL field keeps what it fetches and
renaming a record attribute cannot silently stop fetching it. Fragments count when their type
condition can apply to the type.

All of it is computed once per field of a parsed document, not once per object: the 100 bookings
of a page each resolve `room` with the same field nodes. `current` keeps its answer per field
nodes (compared by identity, in a bounded LRU cache that also keeps the nodes alive, so an id is
never reused while cached), and `under` and `Needs.of` keep theirs on that answer. What is
cached depends only on the document's structure (names, fragments, type conditions), never on
variables. The parsed documents themselves are cached (`gateway.schema.limits`), so a repeated
document is not worked out again on later requests either.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from graphql import FieldNode
from strawberry.types.base import get_object_definition
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection
from strawberry.types.private import is_private
from strawberry.utils.str_converters import to_camel_case

T = TypeVar("T")

FIELDS_CACHED = 1024
"""Distinct fields (of distinct documents) whose selections are kept."""


READS = "gateway.reads"
"""The key of a field's declaration in its strawberry `metadata`."""


def reads(*names: str) -> dict[str, frozenset[str]]:
    """A GraphQL field's declaration of the record attributes it reads (none: `reads()`), as
    `metadata` of its `strawberry.field`."""
    return {READS: frozenset(names)}


@dataclass(frozen=True)
class Needs:
    """How one GraphQL object type reads its upstream record."""

    type_name: str
    type_names: frozenset[str]  # the type and the interfaces it implements
    record: type  # the dataclass the type is built from
    fields: Mapping[str, frozenset[str]]  # GraphQL field name -> the record attributes it reads
    always: frozenset[str] = frozenset({"id"})

    @classmethod
    def declared(
        cls, graphql_type: type, *, inherited: Mapping[str, Mapping[str, frozenset[str]]]
    ) -> Needs:
        """The declarations of `graphql_type`, a strawberry type with a private `record` (a
        dataclass): each field's `reads(...)`, or for a field it takes from an interface, its
        entry in `inherited` (GraphQL field name -> `reads(...)`). ValueError for a field
        declared nowhere, or twice, and for an attribute the record does not have."""
        definition = get_object_definition(graphql_type, strict=True)
        record: type | None = None
        found: dict[str, frozenset[str]] = {}
        for field in definition.fields:
            if is_private(field.type):
                if field.python_name == "record":
                    record = typing.get_args(field.type)[0]
                continue
            name = field.graphql_name or to_camel_case(field.python_name)
            declarations = [
                frozenset(declared[READS])
                for declared in (field.metadata, inherited.get(name, {}))
                if READS in declared
            ]
            if len(declarations) != 1:
                how = "twice" if declarations else "in neither place"
                raise ValueError(
                    f"{definition.name}.{name} must declare what it reads from the record, "
                    f"either as metadata=reads(...) or in `inherited` ({how})"
                )
            found[name] = declarations[0]
        if record is None or not dataclasses.is_dataclass(record):
            raise ValueError(f"{definition.name} has no dataclass `record` to read from")
        has = {f.name for f in dataclasses.fields(record)}
        for name, wanted in found.items():
            if not wanted <= has:
                raise ValueError(
                    f"{definition.name}.{name} reads {sorted(wanted - has)}, which "
                    f"{record.__name__} does not have"
                )
        if unused := set(inherited) - set(found):
            raise ValueError(f"{definition.name} has no fields {sorted(unused)}")
        names = {definition.name, *(interface.name for interface in definition.interfaces)}
        return cls(definition.name, frozenset(names), record, found)

    def of(self, selections: Iterable[Selection]) -> frozenset[str]:
        """What a selection of this type reads from the record."""
        if isinstance(selections, _Selections):
            return selections.memo(("of", id(self)), lambda: self._of(selections))
        return self._of(selections)

    def _of(self, selections: Iterable[Selection]) -> frozenset[str]:
        wanted = set(self.always)
        for selected in fields_of(selections, self.type_names):
            wanted |= self.fields.get(selected.name, frozenset())  # not there: `__typename`
        return frozenset(wanted)

    def named(self, *graphql_fields: str) -> frozenset[str]:
        """What these GraphQL fields of this type read from the record (KeyError for a name
        the type does not have)."""
        return frozenset(self.always.union(*(self.fields[name] for name in graphql_fields)))


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
    # Strawberry's Info has no public accessor for the field nodes, and `selected_fields`
    # converts them afresh on every call.
    nodes = info._raw_info.field_nodes
    last_nodes, last_found = _LAST
    # The next item of the same list: the same nodes (in a new list each time).
    if len(nodes) == len(last_nodes) and all(map(operator.is_, nodes, last_nodes)):
        found: _Selections = last_found
        return found
    key = _SameNodes(nodes)
    cached = _CURRENT.get(key)
    if cached is None:
        found = _CURRENT[key] = _Selections(
            sub for node in info.selected_fields for sub in node.selections
        )
        if len(_CURRENT) > FIELDS_CACHED:
            _CURRENT.popitem(last=False)
    else:
        found = cached
        _CURRENT.move_to_end(key)
    _LAST[:] = (key.nodes, found)
    return found


def under(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The sub-selections of every selected field `name` (aliases included), e.g. `items`."""
    if isinstance(selections, _Selections):
        return selections.memo(("under", name), lambda: _under(selections, name))
    return _under(selections, name)


def always_under(
    selections: Iterable[Selection], name: str, type_names: Collection[str] | None = None
) -> list[Selection] | None:
    """As `under` (empty: no field `name` is selected), for a resolver that loads ahead what
    the fields `name` will read: None when any of them may be left out (a directive, `@skip`
    or `@include`, on it or on a fragment around it), so that nothing is loaded that no field
    reads. Directives are only looked for, never evaluated: the answer holds for any variables.
    With `type_names`, only fields of fragments that can apply to an object of one of them
    count (a list of an interface: `... on BedfulBooking { bookedUnits }` is not a CareHQ
    booking's)."""
    types = None if type_names is None else frozenset(type_names)
    if isinstance(selections, _Selections):
        return selections.memo(
            ("always_under", name, types),
            lambda: _always_under(selections, name, _ANY_TYPE if types is None else types),
        )
    return _always_under(selections, name, _ANY_TYPE if types is None else types)


def _always_under(
    selections: Iterable[Selection], name: str, type_names: Collection[str]
) -> _Selections | None:
    found = list(_named(selections, name, type_names, conditional=False))
    if any(conditional for _, conditional in found):
        return None
    return _Selections(sub for selected, _ in found for sub in selected.selections)


def _named(
    selections: Iterable[Selection], name: str, type_names: Collection[str], *, conditional: bool
) -> Iterator[tuple[SelectedField, bool]]:
    """The fields `name`, fragments that apply flattened, each with whether a directive may
    leave it out."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                yield selection, conditional or bool(selection.directives)
        elif selection.type_condition is None or selection.type_condition in type_names:
            yield from _named(
                selection.selections,
                name,
                type_names,
                conditional=conditional or bool(selection.directives),
            )


def _under(selections: Iterable[Selection], name: str) -> _Selections:
    return _Selections(
        sub
        for selected in fields_of(selections, _ANY_TYPE)
        if selected.name == name
        for sub in selected.selections
    )


class _Selections(list[Selection]):
    """Selections computed once per field nodes; what is derived from them is kept with them.
    Never changed after it is built (callers only read it)."""

    def __init__(self, items: Iterable[Selection]) -> None:
        super().__init__(items)
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, worked out the first time `key` is asked for."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value


class _SameNodes:
    """Field nodes compared by identity (the same nodes of the same parsed document): hashing
    the nodes themselves would walk their whole subtree on every call. Holding them keeps them
    alive, so their ids cannot be reused by other nodes while a cache entry exists."""

    __slots__ = ("_hash", "nodes")

    def __init__(self, nodes: Sequence[FieldNode]) -> None:
        self.nodes = tuple(nodes)
        self._hash = hash(tuple(map(id, self.nodes)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _SameNodes)
            and len(self.nodes) == len(other.nodes)
            and all(a is b for a, b in zip(self.nodes, other.nodes, strict=True))
        )


_CURRENT: OrderedDict[_SameNodes, _Selections] = OrderedDict()  # least recently used first
_LAST: list[Any] = [(), None]  # (field nodes, their selections) of the latest call


class _AnyType(frozenset[str]):
    def __contains__(self, item: object) -> bool:
        return True


_ANY_TYPE = _AnyType()
