"""`gateway/upstreams/` stays below the GraphQL layer and apart from the sandboxes."""

from __future__ import annotations

import ast
from pathlib import Path

import gateway.upstreams

FORBIDDEN = ("strawberry", "gateway.schema", "gateway.sandbox", "fastapi")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_module_imports_the_layers_above() -> None:
    package = Path(gateway.upstreams.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 5
    for module in modules:
        for name in imported_modules(module):
            assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"
