"""Production posture: introspection and suggestions off together, and start-up warnings about
unsafe combinations next to real upstreams."""

from __future__ import annotations

import pytest

from gateway.sandbox import Sandbox
from tests.conftest import make_settings, start_gateway
from tests.processes import start_gateway_process

INTROSPECTION = [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Booking") { fields { name } } }',
    "query { a: __schema { types { name } } }",
    "fragment F on Query { __schema { types { name } } } query { ...F }",
]
# Each misspells something graphql-core would otherwise suggest the right name for.
MISSPELLED = [
    "{ bookin { itemCount } }",
    "{ rooms(perPag: 1) { itemCount } }",
    "{ bookings(sortBy: [STRAT_DATE]) { itemCount } }",
    "query($f: BookingFiltr) { bookings(filter: $f) { itemCount } }",
    "{ bookings(filter: { cancelld: true }) { itemCount } }",
]


@pytest.mark.parametrize("document", INTROSPECTION)
async def test_introspection_off_refuses_schema_queries(sandbox: Sandbox, document: str) -> None:
    async for gateway in start_gateway(sandbox, make_settings(gateway_introspection=False)):
        body = await gateway.execute(document)
        assert body.get("data") is None, body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "introspection" in body["errors"][0]["message"].lower()
        assert await gateway.data("{ __typename }") == {"__typename": "Query"}


@pytest.mark.parametrize("document", MISSPELLED)
async def test_no_suggestions_when_introspection_is_off(sandbox: Sandbox, document: str) -> None:
    async for gateway in start_gateway(sandbox, make_settings()):
        body = await gateway.execute(document)
        assert "Did you mean" in body["errors"][0]["message"], "the default still suggests"
    async for gateway in start_gateway(sandbox, make_settings(gateway_introspection=False)):
        body = await gateway.execute(document)
        messages = " ".join(error["message"] for error in body["errors"])
        assert "Did you mean" not in messages, messages
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_no_suggestions_for_variables_when_introspection_is_off(sandbox: Sandbox) -> None:
    document = "query($s: [BookingSort!]) { bookings(sortBy: $s) { itemCount } }"
    async for gateway in start_gateway(sandbox, make_settings(gateway_introspection=False)):
        body = await gateway.execute(document, {"s": ["STRAT_DATE"]})
        messages = " ".join(error["message"] for error in body["errors"])
        assert "Did you mean" not in messages, messages
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_introspection_is_on_by_default(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings()):
        data = await gateway.data("{ __schema { queryType { name } } }")
        assert data == {"__schema": {"queryType": {"name": "Query"}}}


def _startup_output(env: dict[str, str]) -> str:
    _, process = start_gateway_process("serve", ready_path="/healthz", env=env)
    process.terminate()
    output, _ = process.communicate(timeout=10)
    return output


REAL_BEDFUL = {"BEDFUL_BASE_URL": "https://api.bedful.com", "BEDFUL_API_KEY": "k"}


def test_unsafe_combinations_next_to_a_real_upstream_are_warned_about() -> None:
    output = _startup_output(REAL_BEDFUL)
    for setting in ("GATEWAY_API_TOKENS", "GATEWAY_INTROSPECTION", "GATEWAY_GRAPHIQL"):
        assert any("WARNING" in line and setting in line for line in output.splitlines()), output
    quiet = _startup_output(
        {**REAL_BEDFUL, "GATEWAY_INTROSPECTION": "false", "GATEWAY_GRAPHIQL": "false"}
    )
    assert "GATEWAY_INTROSPECTION" not in quiet
    assert "GATEWAY_GRAPHIQL" not in quiet
    assert "GATEWAY_API_TOKENS is not set" in quiet
    with_tokens = _startup_output({**REAL_BEDFUL, "GATEWAY_API_TOKENS": "t"})
    warnings = [line for line in with_tokens.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, with_tokens
    assert "/metrics is open" in warnings[0]
    private = _startup_output(
        {**REAL_BEDFUL, "GATEWAY_API_TOKENS": "t", "GATEWAY_METRICS_TOKEN": "m"}
    )
    assert "WARNING" not in private, private
