"""A cost limit on documents, checked before anything runs.

Depth and alias limits do not stop `rooms { items { bookings { room { bookings { ... } } } } }`:
each level multiplies the objects to build, and the result grows exponentially with a depth that
looks harmless. This validation rule estimates the CPU a document would take and refuses
documents over `max_cost` with `BAD_USER_INPUT`, before any upstream call is made.

The estimate multiplies down nested lists (each list counts as its expected size: `perPage` or
`limit` where the field takes one, otherwise a per-field estimate; a variable page size counts as
its maximum) and weighs what each resolved field costs, as measured: a scalar 1 unit, an object
built 10, a field with an async resolver (it goes through a loader: `Booking.room`,
`Room.bookings`) 50 more, and a field that fetches and sifts more than it returns (`stays` reads
every booking of both systems in its window) its measured fixed cost.

Calibration: `time.process_time` of the gateway process alone (upstreams served by `gateway
sandbox` in another process), on the shared 2-core development machine under load;
`bench/cost_calibration.py` repeats it. For the heavy documents measured one unit was 1.3 to
2.3 microseconds of CPU, so `MAX_COST` (400,000) is at most about 0.9 s.
`{ rooms(perPage: 100) { items { bookings { room { bookings { room { id } } } } } } }` took
7.2 s of CPU and estimates at 7.9 million units: refused.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    is_composite_type,
)

MAX_COST = 400_000
SCALAR_COST = 1
OBJECT_COST = 10
ASYNC_RESOLVER_COST = 50
FIXED_COSTS = {"stays": 150_000}  # about 0.3 s of CPU per call, whatever it returns

# Expected sizes of lists that take no size argument (per parent object).
LIST_SIZES = {
    "bookings": 25,  # Room.bookings: a room's bookings over the years
    "stays": 500,
    "availableRooms": 150,
    "bookedUnits": 3,
    "units": 3,
    "extras": 3,
    "rates": 6,
}
DEFAULT_LIST_SIZE = 10
ROOT_TYPES = frozenset({"Query", "Mutation"})
SIZE_ARGUMENTS = {"perPage": (10, 100), "limit": (500, 10_000)}  # (default, maximum)


def cost_limit_rule(max_cost: int = MAX_COST) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            cost = _selection_cost(self.context, node.selection_set, root, None)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"This document would cost about {cost:,} units of work, more than the "
                        f"{max_cost:,} allowed (a field is 1, an object 10, a related record "
                        "loaded 60). Ask for fewer items (perPage, limit) or nest lists less "
                        "deeply.",
                        node,
                    )
                )

    return CostLimit


def _selection_cost(
    context: ValidationContext,
    selection_set: SelectionSetNode | None,
    parent: Any,
    page_size: int | None,
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(context, selection, parent, page_size, seen)
        elif isinstance(selection, InlineFragmentNode):
            on = _condition(context, selection.type_condition, parent)
            total += _selection_cost(context, selection.selection_set, on, page_size, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is not None and name not in seen:  # cycles are reported elsewhere
                on = _condition(context, fragment.type_condition, parent)
                more = seen | {name}
                total += _selection_cost(context, fragment.selection_set, on, page_size, more)
    return total


def _field_cost(
    context: ValidationContext,
    node: FieldNode,
    parent: GraphQLObjectType | GraphQLInterfaceType,
    page_size: int | None,
    seen: frozenset[str],
) -> int:
    definition = parent.fields.get(node.name.value)
    if definition is None:
        return 1  # unknown fields are reported by another rule
    field_type: GraphQLOutputType = definition.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    size_argument = _size_argument(node)
    multiplier = 1
    child_page_size = None
    if isinstance(field_type, GraphQLList):
        expected = LIST_SIZES.get(node.name.value, DEFAULT_LIST_SIZE)
        multiplier = size_argument or page_size or expected
        field_type = field_type.of_type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
    elif size_argument is not None:
        child_page_size = size_argument  # a page type: its `items` list has this size
    elif "perPage" in definition.args:
        child_page_size = SIZE_ARGUMENTS["perPage"][0]
    children = _selection_cost(context, node.selection_set, field_type, child_page_size, seen)
    fixed = FIXED_COSTS.get(node.name.value, 0) if parent.name in ROOT_TYPES else 0
    return fixed + multiplier * (_own_cost(definition, field_type) + children)


def _own_cost(definition: GraphQLField, field_type: GraphQLOutputType) -> int:
    """What resolving this field once costs, the objects of its children aside."""
    cost = OBJECT_COST if is_composite_type(field_type) else SCALAR_COST
    strawberry_field = definition.extensions.get("strawberry-definition")
    resolver = getattr(strawberry_field, "base_resolver", None)
    if resolver is not None and resolver.is_async:
        cost += ASYNC_RESOLVER_COST
    return cost


def _size_argument(node: FieldNode) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in SIZE_ARGUMENTS:
            _default, maximum = SIZE_ARGUMENTS[argument.name.value]
            if isinstance(argument.value, IntValueNode):
                return max(0, int(argument.value.value))
            return maximum  # a variable: unknown until execution
    return None


def _condition(context: ValidationContext, type_condition: Any, parent: Any) -> Any:
    if type_condition is None:
        return parent
    return context.schema.get_type(type_condition.name.value) or parent
