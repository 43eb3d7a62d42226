"""A request's objects are freed when it is answered, by reference counting: no reference cycle
through graphql-core's executor (`gateway.schema.executor`) leaves them to the garbage
collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from gateway.schema import build_schema


class Context:
    """Stands for the request's context: what the executor refers to."""


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_collector")
@pytest.mark.parametrize("document", ["{ __typename }", "{ nope }", "query A { __typename }"])
async def test_the_context_is_freed_as_soon_as_the_request_is_answered(document: str) -> None:
    schema = build_schema()
    context = Context()
    freed = weakref.ref(context)
    result = await schema.execute(document, context_value=context)
    del context
    assert result.data == {"__typename": "Query"} or result.errors
    assert freed() is None
