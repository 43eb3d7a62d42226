"""Documents are parsed and validated once per distinct document, and every limit still refuses
exactly what it refused without the caches: on every repetition, and per schema (two gateways
with different limits never answer from each other's cache).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql.language.parser import Parser

from gateway.sandbox import Sandbox
from gateway.schema.document_cache import MAX_TOKENS
from tests.conftest import Gateway, make_settings, start_gateway

NESTED = "{ rooms(perPage: 1) { items { bookings { room { id } } } } }"  # depth 5


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Counts calls of `owner.name` (one element per call)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def unique(document: str) -> str:
    """`document` with a comment no other test sends: a cache entry of its own."""
    return f"# {uuid.uuid4()}\n{document}"


async def test_a_document_is_parsed_and_validated_once(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses = counting(monkeypatch, Parser, "parse_document")
    validations = counting(monkeypatch, strawberry_schema, "validate")
    document = unique("{ rooms(perPage: 2) { items { nameNo } } }")
    answers = [await gateway.data(document) for _ in range(3)]
    assert len(answers[0]["rooms"]["items"]) == 2
    assert answers[0] == answers[1] == answers[2]
    assert (len(parses), len(validations)) == (1, 1)

    invalid = unique("{ rooms { items { nope } } }")
    for _ in range(3):
        body = await gateway.execute(invalid)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "nope" in body["errors"][0]["message"]
    assert (len(parses), len(validations)) == (2, 2)


async def test_variables_are_not_part_of_what_is_cached(gateway: Gateway) -> None:
    document = unique("query($n: Int!) { rooms(perPage: $n) { items { id } } }")
    for n in (1, 3, 2):
        assert len((await gateway.data(document, {"n": n}))["rooms"]["items"]) == n
    body = await gateway.execute(document, {"n": 0})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_limits_refuse_the_same_documents_on_every_repetition(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    deep = "{ rooms { items " + "{ bookings { room " * 5 + "{ id }" + " } }" * 5 + " } }"
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    costly = "{ rooms(perPage: 100) { items " + "{ bookings { room " * 4 + "{ id }" + " } }" * 4
    tokens = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_TOKENS)) + " }"
    first: dict[str, list[Any]] = {}
    for _ in range(3):
        for document, expected in (
            (deep, "exceeds maximum operation depth"),
            (aliases, "aliases"),
            (costly + " } }", "perPage"),
            (tokens, "token"),
        ):
            errors = (await gateway.execute(document))["errors"]
            assert expected in errors[0]["message"], errors
            assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
            assert first.setdefault(document, errors) == errors
    assert sandbox.carehq.requests == []


async def test_gateways_with_different_limits_never_share_answers(sandbox: Sandbox) -> None:
    strict = start_gateway(sandbox, make_settings(gateway_max_query_depth=3, gateway_max_aliases=2))
    lenient = start_gateway(sandbox, make_settings())
    aliased = "{ a: __typename b: __typename c: __typename }"
    async for tight in strict:
        async for loose in lenient:
            for first, second in itertools.islice(itertools.cycle([(tight, loose)]), 2):
                for gateway, refused in ((first, True), (second, False), (first, True)):
                    for document in (NESTED, aliased):
                        body = await gateway.execute(document)
                        assert ("errors" in body) is refused, body
