"""No test bounds how long something took on the wall clock: such a test fails on a loaded
machine (CI, five engineers on two cores) while the code is right. Tests count what happened
(upstream calls, which call was cut off), use the times the sandbox or Redis recorded, or drive
a fake clock; speed lives in `bench/`.

The scan flags an elapsed wall time (a subtraction involving `time.monotonic()`,
`perf_counter()`, `time.time()`, `loop.time()` or a name holding one) on the small side of a
comparison: `elapsed < 0.33`, `0.6 > monotonic() - started`. A lower bound (`elapsed >= period`:
a wait did happen) cannot fail because the machine is slow and is not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
CLOCKS = {"monotonic", "perf_counter", "time", "monotonic_ns", "perf_counter_ns", "time_ns"}


def _is_clock_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or node.args:
        return False
    func = node.func
    if isinstance(func, ast.Attribute):  # time.monotonic(), loop.time()
        return func.attr in CLOCKS
    return isinstance(func, ast.Name) and func.id in CLOCKS  # from time import monotonic


def _mentions(node: ast.AST, clocked: set[str]) -> bool:
    return any(
        _is_clock_call(sub) or (isinstance(sub, ast.Name) and sub.id in clocked)
        for sub in ast.walk(node)
    )


def _is_elapsed(node: ast.AST, clocked: set[str], elapsed: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in elapsed:
            return True
        if (
            isinstance(sub, ast.BinOp)
            and isinstance(sub.op, ast.Sub)
            and (_mentions(sub.left, clocked) or _mentions(sub.right, clocked))
        ):
            return True
    return False


def _names_assigned(tree: ast.AST) -> list[tuple[list[str], ast.AST]]:
    """(target names, value) of every assignment, and `xs.append(value)` as an assignment to xs."""
    found: list[tuple[list[str], ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            found.append((targets, node.value))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets = [n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)]
            found.append((targets, node.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"append", "extend", "add"}
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            found.append(([node.func.value.id], node.args[0]))
    return found


def wall_clock_bounds(source: str) -> list[int]:
    """Line numbers where an elapsed wall time is bounded from above. Each top-level function
    (with the functions nested in it) is one scope, methods each their own."""
    lines: list[int] = []
    for statement in ast.parse(source).body:
        units = statement.body if isinstance(statement, ast.ClassDef) else [statement]
        for unit in units:
            lines += _bounds_in(unit)
    return sorted(lines)


def _bounds_in(tree: ast.AST) -> list[int]:
    assignments = _names_assigned(tree)
    clocked: set[str] = set()  # names holding a wall-clock reading (or derived from one)
    elapsed: set[str] = set()  # names holding a difference of readings
    changed = True
    while changed:
        changed = False
        for targets, value in assignments:
            for name in targets:
                if name not in clocked and _mentions(value, clocked):
                    clocked.add(name)
                    changed = True
                if name not in elapsed and _is_elapsed(value, clocked, elapsed):
                    elapsed.add(name)
                    changed = True
    lines: list[int] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
            if isinstance(op, ast.Lt | ast.LtE):
                small, large = left, right
            elif isinstance(op, ast.Gt | ast.GtE):
                small, large = right, left
            else:
                continue
            if _is_elapsed(small, clocked, elapsed) and not _is_elapsed(large, clocked, elapsed):
                lines.append(node.lineno)
    return lines


def test_no_test_bounds_elapsed_wall_time() -> None:
    offenders = {
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for line in wall_clock_bounds(path.read_text())
    }
    assert offenders == set(), "count what happened or use a fake clock; speed lives in bench/"


def test_the_scan_finds_every_shape_of_a_timed_assert() -> None:
    bad = """
import time
from time import perf_counter
async def a():
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    assert elapsed < 0.33
async def b():
    started = time.monotonic()
    assert time.monotonic() - started < 1.0
async def c():
    t0 = perf_counter()
    assert 2.5 > perf_counter() - t0
async def d():
    loop = asyncio.get_running_loop()
    begin = loop.time()
    took = loop.time() - begin
    if took <= 0.5:
        pass
def e():
    sent = []
    sent.append(time.monotonic())
    assert sent[-1] - sent[0] < 2
"""
    assert wall_clock_bounds(bad) == [8, 11, 14, 19, 24]


def test_the_scan_leaves_recorded_times_and_lower_bounds_alone() -> None:
    good = """
import time
def a(calls, script, stopped):
    assert later.at - earlier.at >= 2.4  # the sandbox's record
    assert script.times[1] - script.times[0] >= 1.0  # a fake clock's
    started = time.monotonic()
    assert time.monotonic() - started >= 0.06  # a lower bound: a wait did happen
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # polling until a deadline, not an assertion on speed
        pass
"""
    assert wall_clock_bounds(good) == []
