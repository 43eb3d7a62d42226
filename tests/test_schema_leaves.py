"""Plain leaf fields answered without graphql-core's per-field `Info` (`gateway.schema.leaves`,
`Executor.execute_field`): the same answer, errors included, as graphql-core's own way, with
an `Info` built only for the fields that need one."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, ClassVar

import pytest
import strawberry
from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLResolveInfo,
)
from graphql.pyutils import Path
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema import schema as gateway_schema
from gateway.schema.executor import Executor
from gateway.schema.leaves import plain_leaves
from gateway.schema.scalars import SCALARS


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    count: int
    ratio: float
    flag: bool
    ref: strawberry.ID
    colour: Colour
    day: dt.date
    at: dt.datetime
    note: str | None
    must: str
    colours: list[Colour]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Source:
    """An item as a resolver might hand one over: not an `Item`, with attributes that break."""

    def __init__(self, n: int, **changed: Any) -> None:
        self.count = n
        self.ratio = n / 4
        self.flag = n % 2 == 0
        self.ref = f"id-{n}"
        self.colour = Colour.BLUE if n % 2 else Colour.RED
        self.day = dt.date(2026, 2, n + 1)
        self.at = dt.datetime(2026, 2, n + 1, 10, 55, 5, tzinfo=dt.UTC if n % 2 else None)
        self.note = None if n % 3 else f"note {n}"
        self.must = f"must {n}"
        self.colours = [Colour.RED, Colour.BLUE][: n % 3]
        self._name = f"item {n}"
        self.__dict__.update(changed)

    @property
    def name(self) -> str:
        if self._name == "broken":
            raise ValueError("no name for this one")
        return self._name


CLEAN = [Source(0), Source(1), Source(7, note=7)]  # an Int for a String: coerced to "7"
ITEMS = [
    *CLEAN[:2],
    Source(2, must=None),  # non-null field with a null: an error at its path, the item null
    Source(3, day="2026-02-03"),  # a string where a date belongs: Date's serialize fails
    Source(4, _name="broken"),  # reading the attribute raises
    Source(5, colour="green"),  # not a member of the enum
    Source(6, count="five"),  # not an Int
    CLEAN[2],
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS  # type: ignore[return-value]  # duck-typed sources, on purpose

    @strawberry.field
    def item(self) -> Item:
        return ITEMS[0]  # type: ignore[return-value]

    @strawberry.field
    def clean(self) -> list[Item]:
        return CLEAN  # type: ignore[return-value]


FIELDS = "name count ratio flag ref colour day at note must colours shout n: name __typename"
DOCUMENT = f"{{ items {{ {FIELDS} }} item {{ at day }} }}"
CLEAN_DOCUMENT = f"{{ clean {{ {FIELDS} }} }}"


def execute(
    executor: type[StrawberryGraphQLCoreExecutionContext],
    document: str = DOCUMENT,
    **kwargs: Any,
) -> Any:
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=executor,
        config=StrawberryConfig(scalar_map=SCALARS),
        **kwargs,
    )
    return schema.execute_sync(document)


def answer(result: Any) -> tuple[Any, list[Any]]:
    errors = sorted((e.formatted for e in result.errors or ()), key=lambda e: str(e["path"]))
    return result.data, errors


class Counted(Executor):
    built: list[str]

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo:
        self.built.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)


@pytest.fixture
def built() -> list[str]:
    Counted.built = []
    return Counted.built


def test_answers_exactly_as_graphql_core_does() -> None:
    ours = answer(execute(Executor))
    theirs = answer(execute(StrawberryGraphQLCoreExecutionContext))

    assert ours == theirs
    data, errors = ours
    assert data["items"][0] == {
        "name": "item 0",
        "count": 0,
        "ratio": 0.0,
        "flag": True,
        "ref": "id-0",
        "colour": "RED",
        "day": "2026-02-01",
        "at": "2026-02-01T10:55:05",
        "note": "note 0",
        "must": "must 0",
        "colours": [],
        "shout": "ITEM 0",
        "n": "item 0",
        "__typename": "Item",
    }
    assert data["items"][1]["at"] == "2026-02-02T10:55:05+00:00"
    assert data["items"][1]["note"] is None
    assert data["items"][1]["colours"] == ["RED"]
    assert data["items"][7]["note"] == "7"
    assert data["item"] == {"at": "2026-02-01T10:55:05", "day": "2026-02-01"}
    # A broken value nulls its item (every field is non-null), never its neighbours.
    assert [i is None for i in data["items"]] == [False, False, True, True, True, True, True, False]
    assert [(e["path"][1:], e["message"][:38]) for e in errors] == [
        ([2, "must"], "Cannot return null for non-nullable fi"),
        ([3, "day"], "descriptor 'isoformat' for 'datetime.d"),
        ([4, "name"], "no name for this one"),
        ([5, "colour"], "Enum 'Colour' cannot represent value: "),
        ([6, "count"], "Int cannot represent non-integer value"),
    ]


def test_builds_an_info_only_for_the_fields_that_need_one(built: list[str]) -> None:
    result = execute(Counted, CLEAN_DOCUMENT)

    assert result.data == execute(StrawberryGraphQLCoreExecutionContext, CLEAN_DOCUMENT).data
    # The root field; on each item the list of enums, the resolver and `__typename`; and a
    # leaf whose value graphql-core must deal with itself (a null).
    nulls = ["Item.note" for item in CLEAN if item.note is None]
    assert nulls
    per_item = ["Item.colours", "Item.shout", "Item.__typename"]
    assert sorted(built) == sorted(["Query.clean", *per_item * len(CLEAN), *nulls])


def test_a_resolve_hook_sees_every_field(built: list[str]) -> None:
    seen: list[str] = []

    class Hook(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
            seen.append(f"{info.parent_type.name}.{info.field_name}")
            return _next(root, info, **kwargs)

    result = execute(Counted, CLEAN_DOCUMENT, extensions=[Hook])

    assert result.data == execute(StrawberryGraphQLCoreExecutionContext, CLEAN_DOCUMENT).data
    assert len(seen) == 1 + (len(FIELDS.split()) - 1) * len(CLEAN)  # `n: name`: one field
    assert sorted(built) == sorted(seen)


def test_the_gateway_types_plain_leaves_include_the_stay_fields() -> None:
    # The fields a large `stays` list or a page of bookings is made of.
    leaves = plain_leaves(gateway_schema._schema)
    assert {"id", "startDate", "endDate", "isCancelled", "placeId", "guestName", "system"} <= set(
        leaves["BedfulBooking"]
    )
    assert {"id", "startDate", "endDate", "rate", "bookingType"} <= set(leaves["Booking"])
    assert "room" not in leaves["Booking"]  # a resolver
    assert "bookedUnits" not in leaves["Booking"]  # an object list
    assert "floor" in leaves["Room"]


class CountedLeaves(Executor):
    completed: ClassVar[list[Any]] = []

    @staticmethod
    def complete_leaf_value(return_type: GraphQLLeafType, result: Any) -> Any:
        CountedLeaves.completed.append(result)
        return Executor.complete_leaf_value(return_type, result)


def test_an_enum_member_is_completed_once_per_schema() -> None:
    # Strawberry's enum types look a member's name up among the values one by one, every time.
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=CountedLeaves,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    CountedLeaves.completed.clear()

    answers = [schema.execute_sync("{ clean { colour } items { colour } }") for _ in range(2)]

    theirs = execute(StrawberryGraphQLCoreExecutionContext, "{ clean { colour } items { colour } }")
    assert [answer(a) for a in answers] == [answer(theirs)] * 2
    assert answers[0].data == {
        "clean": [{"colour": "RED"}, {"colour": "BLUE"}, {"colour": "BLUE"}],
        "items": [{"colour": c} for c in ["RED", "BLUE", "RED", "BLUE", "RED"]]
        + [None, {"colour": "RED"}, {"colour": "BLUE"}],
    }
    # Each member once, and the string that is no member every time (it fails every time).
    assert CountedLeaves.completed == [Colour.RED, Colour.BLUE, "green", "green"]
