"""The architecture's lines, checked on every module's imports.

    HTTP (app, endpoint, ...) -> schema/ -> reads/ -> upstreams/ -> httpx -> CareHQ, Bedful
                                                          sandbox/ (emulates them, apart)

- `schema/` never imports httpx: it reaches an upstream only through the read layer and clients.
- `reads/` never imports strawberry: the read layer does not know GraphQL.
- `upstreams/` never imports strawberry, `schema/`, `reads/` or the sandboxes.
- `sandbox/` never imports `upstreams/` (nor `schema/`, `reads/`): it is written from the vendor
  docs, so a misreading in a client is caught by it rather than mirrored.
- No import runs back up: a layer never imports one above it.

Imports are read with `ast` from the source, so every form counts: `import x.y`, `from x import
y`, relative imports, imports inside functions or `if TYPE_CHECKING:` blocks, and
`importlib.import_module("x")` / `__import__("x")` with a literal name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import gateway

ROOT = Path(gateway.__file__).resolve().parent.parent

HTTP = tuple(
    f"gateway.{name}"
    for name in (
        "__main__",
        "app",
        "auth",
        "body_limit",
        "cli",
        "context",
        "cors",
        "disconnect",
        "endpoint",
        "graphiql",
        "media",
        "persisted",
        "readiness",
        "wiring",
    )
)
"""The HTTP layer: the modules above the GraphQL schema."""

GRAPHQL = ("strawberry", "graphql")


@dataclass(frozen=True)
class Line:
    """Modules under `package` import nothing under any of `forbidden`."""

    package: str
    forbidden: tuple[str, ...]
    why: str

    def __str__(self) -> str:
        return self.package


LINES = [
    Line(
        "gateway.schema",
        ("httpx", *HTTP, "gateway.sandbox"),
        "the GraphQL layer reaches upstreams only through reads/ and the clients",
    ),
    Line(
        "gateway.reads",
        (*GRAPHQL, "httpx", "fastapi", "starlette", "gateway.schema", *HTTP, "gateway.sandbox"),
        "the read layer knows neither GraphQL nor HTTP; the clients do the HTTP",
    ),
    Line(
        "gateway.upstreams",
        (
            *GRAPHQL,
            "fastapi",
            "starlette",
            "gateway.schema",
            "gateway.reads",
            *HTTP,
            "gateway.sandbox",
        ),
        "the clients sit below everything that calls them, and apart from the emulators",
    ),
    Line(
        "gateway.sandbox",
        (*GRAPHQL, "gateway.upstreams", "gateway.schema", "gateway.reads", *HTTP),
        "the emulators are written from the vendor docs, never from our clients",
    ),
    Line(
        "gateway.shared",
        (*GRAPHQL, "gateway.schema", *HTTP, "gateway.sandbox"),
        "shared state (Redis) sits beside the read layer and the clients, below the schema",
    ),
    Line(
        "gateway.observability",
        ("gateway.schema", *HTTP, "gateway.sandbox"),
        "the schema and the app use observability, not the other way round",
    ),
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every module `path` may import, with its line: for `from a.b import c` both `a.b` and
    `a.b.c` (c may be a module), relative imports resolved against `path`'s package."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(f"{prefix}.")


def modules_of(package: str, root: Path) -> list[Path]:
    return sorted(root.joinpath(*package.split(".")).rglob("*.py"))


def violations(line: Line, root: Path) -> list[str]:
    """One entry per import statement that crosses `line`."""
    found: dict[tuple[Path, int], str] = {}
    for path in modules_of(line.package, root):
        for lineno, name in imported_names(path, root):
            if any(_under(name, prefix) for prefix in line.forbidden):
                where = (path.relative_to(root), lineno)
                found[where] = min(found.get(where, name), name, key=len)
    return [f"{path}:{lineno} imports {name}" for (path, lineno), name in sorted(found.items())]


@pytest.mark.parametrize("line", LINES, ids=str)
def test_no_module_crosses_the_line(line: Line) -> None:
    assert len(modules_of(line.package, ROOT)) >= 3, f"{line.package} has no modules to check"
    assert violations(line, ROOT) == [], line.why


CLIENT_READS = frozenset({"list_rooms", "list_bookings", "get_room", "get_booking"})


def test_no_resolver_calls_a_client_to_read() -> None:
    """Every read crosses the read layer (batching, coalescing, cache, budget in one seam)."""
    modules = modules_of("gateway.schema", ROOT)
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


# The checks themselves: each line is crossed in a scratch tree and must be reported, in every
# form an import can take.

CROSSINGS = {
    "gateway.schema": "import httpx",
    "gateway.reads": "def load():\n    from strawberry import Info\n",
    "gateway.upstreams": "from ...schema.errors import ErrorCode\n",
    "gateway.sandbox": "from gateway import upstreams\n",
    "gateway.shared": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import gateway.app\n",
    "gateway.observability": "import importlib\nimportlib.import_module('gateway.schema.errors')\n",
}


@pytest.mark.parametrize("line", LINES, ids=str)
def test_each_line_reports_a_crossing(line: Line, tmp_path: Path) -> None:
    package = tmp_path.joinpath(*line.package.split("."), "deep")
    package.mkdir(parents=True)
    (package / "clean.py").write_text("from __future__ import annotations\nimport json\n")
    (package / "crossing.py").write_text(CROSSINGS[line.package])
    assert len(violations(line, tmp_path)) == 1, violations(line, tmp_path)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import httpx._client as c", "httpx._client"),
        ("from httpx import AsyncClient", "httpx"),
        ("def f():\n    import strawberry.types\n", "strawberry.types"),
        ("from gateway import schema", "gateway.schema"),
        ("from . import client", "gateway.upstreams.carehq.client"),
        ("from ..errors import UpstreamError", "gateway.upstreams.errors"),
        ("from ...schema.errors import ErrorCode", "gateway.schema.errors"),
        ("__import__('httpx')", "httpx"),
    ],
)
def test_every_form_of_import_is_read(source: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "gateway" / "upstreams" / "carehq" / "client.py"
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert expected in {name for _, name in imported_names(path, tmp_path)}
