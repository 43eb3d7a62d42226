"""The command line as an operator uses it: real processes, real ports on 127.0.0.1."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, run_gateway, start_gateway_process

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_the_exported_schema() -> None:
    exported = run_gateway("schema")
    assert exported.returncode == 0, exported.stderr
    checked_in = (ROOT / "schema.graphql").read_text()
    assert exported.stdout == checked_in, (
        "schema.graphql differs from the schema; regenerate it: gateway schema > schema.graphql"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"CAREHQ_BASE_URL": "https://x"},
            ["CAREHQ_ACCOUNT_ID", "CAREHQ_API_KEY", "CAREHQ_API_SECRET"],
        ),
        (
            {"CAREHQ_BASE_URL": "https://x", "CAREHQ_ACCOUNT_ID": "a", "CAREHQ_API_KEY": "k"},
            ["CAREHQ_API_SECRET"],
        ),
        ({"BEDFUL_BASE_URL": "https://api.bedful.com"}, ["BEDFUL_API_KEY"]),
        ({"BEDFUL_BASE_URL": "http://bedful.example", "BEDFUL_API_KEY": "k"}, ["BEDFUL_BASE_URL"]),
        ({"BEDFUL_TIMEOUT_SECONDS": "soon"}, ["BEDFUL_TIMEOUT_SECONDS"]),
        ({"GATEWAY_REDIS_URL": "http://cache.internal:6379"}, ["GATEWAY_REDIS_URL"]),
        ({"GATEWAY_REDIS_URL": "redis://cache.internal:port"}, ["GATEWAY_REDIS_URL"]),
    ],
)
def test_incomplete_configuration_stops_start_up_with_one_line(
    env: dict[str, str], named: list[str]
) -> None:
    result = run_gateway("serve", "--port", str(free_port()), env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for name in named:
        assert name in lines[0]


def test_configuration_errors_never_print_secrets() -> None:
    result = run_gateway(
        "serve",
        env={"CAREHQ_BASE_URL": "http://carehq.example", "CAREHQ_API_SECRET": "s3cr3t-value"},
    )
    assert result.returncode != 0
    assert "s3cr3t-value" not in result.stderr + result.stdout
    result = run_gateway("serve", env={"GATEWAY_REDIS_URL": "redis://:s3cr3t-value@cache:port"})
    assert result.returncode == 2
    assert "GATEWAY_REDIS_URL" in result.stderr
    assert "s3cr3t-value" not in result.stderr + result.stdout


@pytest.fixture
def served() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`gateway serve` on a free port, as the README's first command starts it."""
    base, process = start_gateway_process("serve", ready_path="/healthz")
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_graphql_shows_graphiql_and_says_it_runs_on_sandboxes(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = served
    answer = httpx.post(base + "/graphql", json={"query": "{ __typename }"}, timeout=10)
    assert answer.json() == {"data": {"__typename": "Query"}}

    page = httpx.get(base + "/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()

    ready = httpx.get(base + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text

    process.terminate()
    output, _ = process.communicate(timeout=10)
    first_lines = output.splitlines()[:4]
    assert any("CareHQ" in line and "SANDBOX" in line for line in first_lines), output
    assert any("Bedful" in line and "SANDBOX" in line for line in first_lines), output
    assert "Traceback" not in output


def test_several_workers_without_redis_stop_start_up_with_one_line() -> None:
    result = run_gateway("serve", "--port", str(free_port()), "--workers", "2")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "GATEWAY_REDIS_URL" in lines[0]
    assert "--workers 2" in lines[0]
    assert "Traceback" not in result.stderr

    refused = run_gateway("serve", "--workers", "0")
    assert refused.returncode == 2
    assert "--workers" in refused.stderr


def test_serve_with_workers_shares_redis_and_logs_every_request(redis_url: str) -> None:
    base, process = start_gateway_process(
        "serve", "--workers", "2", ready_path="/healthz", env={"GATEWAY_REDIS_URL": redis_url}
    )
    try:
        for _ in range(6):
            answer = httpx.post(base + "/graphql", json={"query": "{ __typename }"}, timeout=10)
            assert answer.json() == {"data": {"__typename": "Query"}}
        assert httpx.get(base + "/readyz", timeout=10).json()["redis"] == "ok"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert output.count("Started server process") == 2, output  # two workers
    assert output.count("shared state in Redis at") == 2, output  # one client each
    assert output.count("POST /graphql op=query status=200") == 6, output  # the request log
    assert "has its own built-in sandbox" in output  # the warning about per-worker sandboxes
    assert "Traceback" not in output
