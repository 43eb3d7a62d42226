"""The README's examples work: every ```graphql block (with the ```json variables right after
it, if any) runs against the sandboxes without errors, in order, as a reader would paste them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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
