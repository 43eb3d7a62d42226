"""The README's examples work: every ```graphql block (with the ```json variables right after
it, if any) runs against the sandboxes without errors, in order, as a reader would paste them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graphql import OperationDefinitionNode, parse

from gateway.settings import Settings
from tests.conftest import Gateway

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, dict[str, Any] | None]]:
    found: list[tuple[str, dict[str, Any] | None]] = []
    for kind, text in BLOCK.findall(README.read_text()):
        if kind == "graphql":
            found.append((text, None))
        elif found and found[-1][1] is None:
            found[-1] = (found[-1][0], json.loads(text))
    return found


def test_the_readme_has_examples_of_every_operation() -> None:
    documents = " ".join(document for document, _ in examples())
    for operation in (
        "room(", "rooms(", "booking(", "bookings(", "bedfulBooking(", "bedfulBookings(",
        "stays(", "availableRooms(", "createBooking(", "cancelBooking(", "createBedfulBooking(",
        "updateBedfulBooking(", "cancelBedfulBooking(",
    ):  # fmt: skip
        assert operation in documents, f"no README example uses {operation}"


async def test_every_readme_example_runs_without_errors(gateway: Gateway) -> None:
    for document, variables in examples():
        body = await gateway.execute(document, variables)
        assert "errors" not in body, (document, body["errors"])
        assert all(value is not None for value in body["data"].values()), document


def test_every_readme_operation_is_named() -> None:
    """graphql-codegen refuses a set of documents with more than one anonymous operation, and
    names make the request log and traces readable."""
    for document, _ in examples():
        for definition in parse(document).definitions:
            if isinstance(definition, OperationDefinitionNode):
                assert definition.name is not None, document


def test_every_setting_is_documented_and_posture_settings_are_on_the_checklist() -> None:
    text = README.read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in table, f"{name.upper()} is not in the configuration table"
    checklist = text.split("### In production", 1)[1].split("\n### ", 1)[0]
    for name in (
        "GATEWAY_API_TOKENS",
        "GATEWAY_GRAPHIQL",
        "GATEWAY_INTROSPECTION",
        "GATEWAY_PERSISTED_DOCUMENTS",
        "GATEWAY_PERSISTED_ONLY",
        "GATEWAY_CORS_ORIGINS",
        "GATEWAY_MAX_BODY_BYTES",
    ):
        assert f"`{name}" in checklist, f"{name} is not on the In production checklist"
