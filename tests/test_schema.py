"""The schema is the frontend's documentation: every type, field and argument is described."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from gateway.schema import schema


def test_every_type_field_and_argument_has_a_description() -> None:
    missing = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLEnumType):
            if not graphql_type.description:
                missing.append(name)
            missing += [
                f"{name}.{value_name}"
                for value_name, value in graphql_type.values.items()
                if not value.description
            ]
        if not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType
        ):
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in graphql_type.fields.items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for argument, definition in getattr(field, "args", {}).items():
                if not definition.description:
                    missing.append(f"{name}.{field_name}({argument})")
    assert missing == []


def test_the_contract_operations_exist_with_their_arguments() -> None:
    sdl = schema.as_str()
    for signature in (
        "room(\n",
        "rooms(\n",
        "bookings(\n",
        "bedfulBookings(\n",
        "stays(\n",
        "availableRooms(\n",
        "createBooking(\n",
        "cancelBooking(\n",
        "createBedfulBooking(\n",
        "updateBedfulBooking(\n",
        "cancelBedfulBooking(\n",
    ):
        assert signature in sdl
    query = schema._schema.query_type
    assert query is not None
    assert set(query.fields["rooms"].args) == {"filter", "sortBy", "page", "perPage"}
    assert set(query.fields["bookings"].args) == {"filter", "sortBy", "page", "perPage"}
    assert set(query.fields["bedfulBookings"].args) == {"filter", "limit"}
    assert {"from", "to", "systems"} <= set(query.fields["stays"].args)
    assert set(query.fields["availableRooms"].args) == {"from", "to", "filter"}


def test_date_scalars_name_their_specification() -> None:
    """graphql-codegen and other tools read `@specifiedBy` to map a scalar to a type."""
    for name in ("Date", "DateTime"):
        scalar = schema._schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        assert (scalar.specified_by_url or "").startswith("https://"), name
