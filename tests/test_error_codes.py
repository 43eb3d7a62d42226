"""Every `extensions.code` the gateway sends is decided in `gateway/schema/errors.py`.

The rest of `gateway/` raises that module's exceptions or names an `ErrorCode` member; it never
writes a code itself. The scan flags, outside errors.py: a string that is a code's value (`"NOT_
FOUND"`), a dict with a `"code"` or `"extensions"` key (a hand-built error body), a
`GraphQLError(..., extensions=...)`, an assignment to `...["code"]`, and a class that sets its
own `code`. And every code is documented where clients and operators read them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import gateway
from gateway.schema.errors import ErrorCode

GATEWAY = Path(gateway.__file__).resolve().parent
ERRORS = GATEWAY / "schema" / "errors.py"
README = GATEWAY.parent / "README.md"
CODES = {code.value for code in ErrorCode}


def stray_codes(source: str) -> list[tuple[int, str]]:
    """(line, what) for every place `source` writes an error code of its own."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and node.value in CODES:
            found.append((node.lineno, f"the code {node.value!r} spelled out"))
        elif isinstance(node, ast.Dict):
            keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
            if keys & {"code", "extensions"}:
                found.append((node.lineno, "an error body built by hand"))
        elif isinstance(node, ast.Call) and _name(node.func) == "GraphQLError":
            if any(keyword.arg == "extensions" for keyword in node.keywords):
                found.append((node.lineno, "a GraphQLError given extensions"))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if isinstance(node.slice, ast.Constant) and node.slice.value == "code":
                found.append((node.lineno, 'an assignment to ["code"]'))
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    found.append((statement.lineno, f"class {node.name} sets its own code"))
    return found


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def test_no_module_but_errors_py_writes_an_error_code() -> None:
    strays = [
        f"{path.relative_to(GATEWAY.parent)}:{line}: {what}"
        for path in sorted(GATEWAY.rglob("*.py"))
        if path != ERRORS
        for line, what in stray_codes(path.read_text())
    ]
    assert strays == [], "decide codes in gateway/schema/errors.py (ErrorCode, its exceptions)"


def test_the_scan_finds_each_way_of_writing_a_code() -> None:
    stray = """
class ListTruncated(GatewayError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE
def refuse():
    return {"errors": [{"message": "no", "extensions": {"code": ErrorCode.BAD_REQUEST.value}}]}
def unauthenticated():
    raise GraphQLError("no token", extensions={"code": "UNAUTHENTICATED"})
def busy(error):
    error.extensions["code"] = ErrorCode.NOT_FOUND
"""
    assert sorted(line for line, _ in stray_codes(stray)) == [3, 5, 5, 7, 7, 7, 9]


def test_the_scan_leaves_uses_of_the_one_definition_alone() -> None:
    fine = """
def answer(error):
    raise RequestError(401, ErrorCode.UNAUTHENTICATED, "Authentication required.")
    return error_body(ErrorCode.BAD_REQUEST, "too large")
codes = [str((error.extensions or {}).get("code", "")) for error in errors]
DESCRIPTION = "fails with `BAD_USER_INPUT` naming the field"
"""
    assert stray_codes(fine) == []


def test_every_code_is_documented_for_clients_and_operators() -> None:
    table = ast.get_docstring(ast.parse(ERRORS.read_text())) or ""
    readme = README.read_text()
    errors_section = readme[readme.index("## Errors") :]
    errors_section = errors_section[: errors_section.index("\n## ", 1)]
    for code in CODES:
        assert re.search(rf"^    {code}\b", table, re.MULTILINE), f"{code} not in errors.py"
        assert f"`{code}`" in errors_section, f"{code} not in the README's Errors"
