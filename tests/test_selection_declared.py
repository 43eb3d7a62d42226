"""Every GraphQL field of a type built from a selectively fetched record declares what it reads
from that record (`reads(...)` next to the field), and every declared attribute exists on the
record: renaming a GraphQL field keeps what it fetches, renaming or misspelling a record
attribute fails here (and when the module is imported) instead of silently fetching nothing."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.types.base import get_object_definition
from strawberry.types.private import is_private

import gateway.schema
from gateway.schema import schema
from gateway.schema.selection import Needs, reads
from gateway.upstreams.carehq import CareHQRoom

READ_WHOLE = {"BedfulBooking"}
"""Types whose record is always fetched whole (Bedful has no attribute selection)."""


def declared() -> dict[str, Needs]:
    found: dict[str, Needs] = {}
    for module in pkgutil.walk_packages(gateway.schema.__path__, "gateway.schema."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Needs):
                found[value.type_name] = value
    return found


def types_with_a_record() -> dict[str, type]:
    """The schema's object types whose Python class holds a private `record`."""
    found = {}
    for definition in schema.schema_converter.type_map.values():
        cls = getattr(definition.definition, "origin", None)
        if not isinstance(definition.implementation, GraphQLObjectType) or cls is None:
            continue
        object_definition = get_object_definition(cls)
        if object_definition is None:
            continue
        for field in object_definition.fields:
            if field.python_name == "record" and is_private(field.type):
                found[definition.definition.name] = typing.get_args(field.type)[0]
    return found


DECLARED = declared()


def test_every_type_built_from_a_record_declares_what_it_reads() -> None:
    with_a_record = types_with_a_record()
    assert {"Room", "Booking", "BedfulBooking"} <= set(with_a_record)
    assert set(DECLARED) == set(with_a_record) - READ_WHOLE
    for name, needs in DECLARED.items():
        assert needs.record is with_a_record[name]


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_field_declares_attributes_its_record_has(name: str) -> None:
    needs = DECLARED[name]
    graphql_type = schema._schema.get_type(name)
    assert isinstance(graphql_type, GraphQLObjectType)
    assert set(needs.fields) == set(graphql_type.fields), "fields declared = fields served"
    attributes = {field.name for field in dataclasses.fields(needs.record)}
    for field, wanted in needs.fields.items():
        assert wanted <= attributes, (name, field, wanted - attributes)


def test_named_knows_only_the_types_fields() -> None:
    room = DECLARED["Room"]
    assert room.named("nameNo", "floor") == {"id", "name", "floor"}
    with pytest.raises(KeyError):
        room.named("name")


# -- the declarations are checked: each of these fails ----------------------------------------


@strawberry.type
class Renamed:
    record: strawberry.Private[CareHQRoom]
    number: str = strawberry.field(name="roomNumber", metadata=reads("name"))
    floor_number: int = strawberry.field(metadata=reads("floor"))


@strawberry.type
class Undeclared:
    record: strawberry.Private[CareHQRoom]
    name: str = strawberry.field(metadata=reads("name"))
    floor: int


@strawberry.type
class Misspelt:
    record: strawberry.Private[CareHQRoom]
    name: str = strawberry.field(metadata=reads("nmae"))


def test_a_renamed_field_keeps_what_it_reads() -> None:
    needs = Needs.declared(Renamed, inherited={})
    assert needs.fields == {"roomNumber": {"name"}, "floorNumber": {"floor"}}


def test_a_field_without_a_declaration_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Undeclared\.floor must declare .* \(in neither place\)"):
        Needs.declared(Undeclared, inherited={})
    with pytest.raises(ValueError, match=r"Renamed\.floorNumber must declare .* \(twice\)"):
        Needs.declared(Renamed, inherited={"floorNumber": reads("floor")})


def test_an_attribute_the_record_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Misspelt\.name reads \['nmae'\]"):
        Needs.declared(Misspelt, inherited={})
    with pytest.raises(ValueError, match=r"Renamed has no fields \['name'\]"):
        Needs.declared(Renamed, inherited={"name": reads("name")})
