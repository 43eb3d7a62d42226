"""The read layer sits between the GraphQL layer and the clients, and every read crosses it."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway.reads
import gateway.schema
from tests.upstreams.test_layering import imported_modules

CLIENT_READS = frozenset({"list_rooms", "list_bookings", "get_room", "get_booking"})


def test_reads_import_neither_graphql_nor_http() -> None:
    modules = sorted(Path(gateway.reads.__file__).parent.rglob("*.py"))
    assert len(modules) >= 3
    for module in modules:
        for name in imported_modules(module):
            assert not name.startswith(("strawberry", "gateway.schema", "httpx", "fastapi")), (
                f"{module.name} imports {name}"
            )


def test_no_resolver_calls_a_client_to_read() -> None:
    modules = sorted(Path(gateway.schema.__file__).parent.rglob("*.py"))
    assert len(modules) > 10
    for module in modules:
        tree = ast.parse(module.read_text(), filename=str(module))
        calls = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert not calls & CLIENT_READS, (
            f"{module.name} reads from a client: {calls & CLIENT_READS}"
        )
