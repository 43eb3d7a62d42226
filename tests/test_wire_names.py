"""No upstream wire name in `gateway/schema/`: the GraphQL layer speaks the gateway's words, and
only `gateway/upstreams/` (and the sandboxes) spell the upstreams' (style guide, "lines that
must never be crossed").

The wire names are read from the upstream wire modules themselves: every name-like string they
hold (parameter and attribute names, enumeration values, `filters-`) that is not also one of the
gateway's own words (an attribute of the client's records and queries). In `schema/` a wire name
may not be an identifier or a whole string; in any string, docstring or comment a wire name that
is a compound (`name_no`, `filters-`) may not appear either: plain words like `daily` are
English there.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize
from pathlib import Path

import pytest

import gateway
from gateway.reads.bedful import source as bedful_reads
from gateway.upstreams.bedful import models as bedful_models
from gateway.upstreams.bedful import wire as bedful_wire
from gateway.upstreams.carehq import decoding as carehq_decoding
from gateway.upstreams.carehq import models as carehq_models
from gateway.upstreams.carehq import queries as carehq_queries
from gateway.upstreams.carehq import wire as carehq_wire

PACKAGE = Path(gateway.__file__).parent
WIRE_MODULES = (carehq_wire, carehq_decoding, carehq_queries, bedful_wire)
MODEL_MODULES = (carehq_models, carehq_queries, bedful_models, bedful_reads)
NAME = re.compile(r"[a-z_][a-z0-9_]*-?")
COMPOUND = re.compile(r"(?<![\w-])([a-z][a-z0-9]*(?:[_-][a-z0-9]*)+)(?![\w])")


def strings_of(tree: ast.AST) -> set[str]:
    """Every string constant, and every constant part of an f-string (`filters-` of
    f"filters-{name}")."""
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)} - {None}


def ours() -> set[str]:
    """The gateway's own words: the attributes of the client's records and queries."""
    names: set[str] = set()
    for module in MODEL_MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                names |= {field.name for field in dataclasses.fields(value)}
    return names


def wire_names() -> set[str]:
    found: set[str] = set()
    for module in WIRE_MODULES:
        tree = ast.parse(Path(module.__file__ or "").read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
                continue  # the module's own names, not the wire's
            found |= {s for s in strings_of(node) if isinstance(s, str) and NAME.fullmatch(s)}
    return found - ours()


def identifiers_and_strings(source: str) -> tuple[set[str], set[str]]:
    tree = ast.parse(source)
    identifiers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            identifiers.add(node.id)
        elif isinstance(node, ast.Attribute):
            identifiers.add(node.attr)
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            identifiers.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            identifiers.add(node.name)
        elif isinstance(node, ast.alias):
            identifiers.add((node.asname or node.name).split(".")[-1])
    strings = {s for s in strings_of(tree) if isinstance(s, str)}
    comments = {
        token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    return identifiers, strings | comments


def crossings(source: str, wire: set[str]) -> list[str]:
    """The wire names `source` uses."""
    identifiers, texts = identifiers_and_strings(source)
    found = {name for name in identifiers | texts if name in wire}
    compounds = {m for text in texts for m in COMPOUND.findall(text)}
    found |= {name for name in wire if ("_" in name or "-" in name) and name in compounds}
    found |= {"filters-" for text in texts if "filters-" in text}
    return sorted(found)


WIRE = wire_names()


def test_the_wire_names_come_from_the_wire_modules() -> None:
    # Those the style guide names, and the values of the enumerations' tables.
    assert {"filters-", "sort_by", "name_no", "starts_at", "_id"} <= WIRE
    assert {"chc", "out_of_service", "local_authority_top_up", "unset"} <= WIRE
    assert not WIRE & {"id", "rate", "rate_period", "created", "site_id"}  # the gateway's too


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "schema").rglob("*.py")),
)
def test_no_wire_name_in_the_graphql_layer(path: str) -> None:
    assert crossings((PACKAGE / path).read_text(), WIRE) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("x = record.name_no", ["name_no"]),
        ("def f(sort_by): pass", ["sort_by"]),
        ('params = [("filters-q", q)]', ["filters-"]),
        ('KIND = "out_of_service"', ["out_of_service"]),
        ('"""Sorted by `starts_at`."""', ["starts_at"]),
        ("x = 1  # CareHQ's name_no", ["name_no"]),
        ('d = "A daily rate, yes."', []),  # plain words in prose are English
        ('d = "Rooms of the `nameNo` given."', []),
    ],
)
def test_the_scan_finds_a_crossing(source: str, found: list[str]) -> None:
    assert crossings(source, WIRE) == found
