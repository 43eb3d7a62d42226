"""`gateway serve` as an operator runs it: JSON logs on its output, and `/metrics` collected
through prometheus-client's multiprocess directory (what several workers share)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.processes import start_gateway_process


def test_serve_writes_json_lines_and_collects_metrics_across_processes(tmp_path: Path) -> None:
    env = {"GATEWAY_LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    base, process = start_gateway_process("serve", ready_path="/healthz", env=env)
    try:
        for _ in range(2):
            answer = httpx.post(
                base + "/graphql",
                json={"query": "query Hello { __typename }"},
                headers={"x-request-id": "ops-check-1"},
                timeout=10,
            )
            assert answer.headers["x-request-id"] == "ops-check-1"
        metrics = httpx.get(base + "/metrics", timeout=10).text
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert 'gateway_graphql_requests_total{operation="Hello",outcome="ok",type="query"} 2.0' in (
        metrics
    )
    assert list(tmp_path.glob("counter_*.db")), "values were not written to the multiprocess dir"

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, output
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    ours = [line for line in lines if line.get("request_id") == "ops-check-1"]
    assert [line["operations"] for line in ours] == [["Hello"], ["Hello"]]


def test_every_worker_answers_metrics_for_all_of_them(redis_url: str) -> None:
    """`--workers 2` without PROMETHEUS_MULTIPROC_DIR: the gateway makes a shared directory."""
    env = {"GATEWAY_REDIS_URL": redis_url}
    base, process = start_gateway_process("serve", "--workers", "2", ready_path="/healthz", env=env)
    try:
        for _ in range(6):
            answer = httpx.post(base + "/graphql", json={"query": "query Six { __typename }"})
            assert answer.status_code == 200
        # Whichever worker answers a scrape, it counts the requests both workers served.
        scrapes = [httpx.get(base + "/metrics", timeout=10).text for _ in range(6)]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert output.count("Started server process") == 2, output
    line = 'gateway_graphql_requests_total{operation="Six",outcome="ok",type="query"} 6.0'
    assert all(line in scrape for scrape in scrapes), scrapes[0]
    assert "Traceback" not in output
