"""Schema-extension hooks wrapped once per class (`gateway.schema.hooks`) still run as Strawberry
runs them: each request's own instance, in order, sync and async generators and plain methods."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

from strawberry.extensions import SchemaExtension

from gateway.schema import build_schema
from gateway.schema.hooks import HookRunner


class Recording(SchemaExtension):
    """Records what its hooks saw on its own list: one instance per request."""

    instances: list[Recording] = []  # noqa: RUF012 (the test's record of every instance)

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        Recording.instances.append(self)

    def on_operation(self) -> Iterator[None]:
        self.events.append(f"operation {self.execution_context.query}")
        yield
        result = self.execution_context.result
        self.events.append(f"operation done, errors={bool(result and result.errors)}")

    def on_parse(self) -> None:  # a plain method: Strawberry wraps it itself
        self.events.append("parse")

    def on_validate(self) -> Iterator[None]:
        self.events.append("validate")
        yield
        self.events.append("validated")

    async def on_execute(self) -> AsyncIterator[None]:
        await asyncio.sleep(0)
        self.events.append("execute")
        yield
        self.events.append("executed")


async def test_each_request_runs_its_own_hooks_in_strawberry_order() -> None:
    Recording.instances.clear()
    schema = build_schema(extensions=[Recording])
    assert isinstance(schema.create_extensions_runner(None, []), HookRunner)  # type: ignore[arg-type]
    first, second = "query A { __typename }", "query B { __typename }"
    results = await asyncio.gather(schema.execute(first), schema.execute(second))
    assert [result.data for result in results] == [{"__typename": "Query"}] * 2
    assert [instance.events for instance in Recording.instances] == [
        [
            f"operation {query}",
            "parse",
            "validate",
            "validated",
            "execute",
            "executed",
            "operation done, errors=False",
        ]
        for query in (first, second)
    ]


async def test_a_refused_document_stops_before_execution() -> None:
    Recording.instances.clear()
    schema = build_schema(extensions=[Recording])
    result = await schema.execute("{ nope }")
    assert result.errors
    (instance,) = Recording.instances
    assert instance.events == [
        "operation { nope }",
        "parse",
        "validate",
        "validated",
        "operation done, errors=True",
    ]
