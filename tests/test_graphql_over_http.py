"""GraphQL over HTTP: `application/graphql-response+json` when accepted, with the spec's status
codes and body shapes, and `application/json` unchanged for clients asking for it. Tests named
after a graphql-http audit id check the behaviour that audit checks; the last test runs the audit
itself (npm `graphql-http`, pinned in tests/graphql_http_audit/) against a real `gateway serve`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.media import response_media_type
from gateway.sandbox import Sandbox
from tests.conftest import Gateway
from tests.processes import start_gateway_process

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPT_GRAPHQL = {"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
ACCEPT_JSON = {"Accept": "application/json"}
AUDIT_DIR = Path(__file__).parent / "graphql_http_audit"


async def _post(gateway: Gateway, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await gateway.http.post("/graphql", json=body, headers=headers)


async def test_22EB_graphql_response_json_when_accepted(gateway: Gateway) -> None:
    response = await _post(gateway, ACCEPT_GRAPHQL, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("audit", ["865D", "556A", "D586"])
async def test_865D_556A_D586_parse_failure_is_400_without_data(
    gateway: Gateway, audit: str
) -> None:
    response = await _post(gateway, ACCEPT_GRAPHQL, {"query": "{"})
    assert response.status_code == 400, audit
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("audit", ["51FE", "74FF", "5E5B"])
async def test_51FE_74FF_5E5B_validation_failure_is_400_without_data(
    gateway: Gateway, audit: str
) -> None:
    response = await _post(gateway, ACCEPT_GRAPHQL, {"query": "{ notAField }"})
    assert response.status_code == 400, audit
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_86EE_variable_coercion_failure_is_400(gateway: Gateway) -> None:
    body = {"query": "query Q($id: ID!) { booking(id: $id) { id } }", "variables": {"id": None}}
    response = await _post(gateway, ACCEPT_GRAPHQL, body)
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_execution_errors_keep_200_and_data(gateway: Gateway, sandbox: Sandbox) -> None:
    """Something executed: 200 with `data`, even when a field failed (here CareHQ is down and
    `rooms` is null with an error)."""
    sandbox.carehq.inject("down")
    response = await _post(gateway, ACCEPT_GRAPHQL, {"query": "{ __typename rooms { itemCount } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"__typename": "Query", "rooms": None}
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


@pytest.mark.parametrize("headers", [ACCEPT_JSON, {}, {"Accept": "*/*"}])
async def test_application_json_is_unchanged(gateway: Gateway, headers: dict[str, str]) -> None:
    """Legacy clients: 200 and `"data": null` for a document that does not validate."""
    response = await _post(gateway, headers, {"query": "{ notAField }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"] is None


@pytest.mark.parametrize("accept", [ACCEPT_GRAPHQL, ACCEPT_JSON])
async def test_request_errors_are_json_in_the_accepted_type(
    gateway: Gateway, accept: dict[str, str]
) -> None:
    response = await gateway.http.post(
        "/graphql", content=b"{", headers={**accept, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == response_media_type(accept["Accept"])
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_mutation_over_get_is_405_with_allow(gateway: Gateway) -> None:
    response = await gateway.http.get(
        "/graphql",
        params={"query": 'mutation { cancelBooking(id: "x") { id } }'},
        headers=ACCEPT_GRAPHQL,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=nonsense", "application/json"),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8", GRAPHQL_RESPONSE),
    ],
)
def test_the_response_media_type_follows_accept(accept: str | None, expected: str) -> None:
    assert response_media_type(accept) == expected


def _audit_runner() -> list[str]:
    """The command that runs the audit, or a skip (outside CI) / failure (in CI) saying what is
    missing. `.ci/run` installs node and does `npm ci` in tests/graphql_http_audit."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        missing = f"graphql-http is not installed: run `npm ci` in {AUDIT_DIR}"
    if missing:
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail(f"{missing} (CI is set, so this is not skipped)")
        pytest.skip(missing)
    return [str(node), str(AUDIT_DIR / "audit.mjs")]


def test_graphql_http_audit_has_no_warnings_or_errors() -> None:
    command = _audit_runner()
    base, process = start_gateway_process("serve", ready_path="/healthz")
    try:
        completed = subprocess.run(
            [*command, f"{base}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert completed.returncode == 0, completed.stderr
    results = [json.loads(line) for line in completed.stdout.splitlines()]
    problems = [r for r in results if r["status"] not in ("ok", "notice")]
    assert problems == [], problems
    assert len([r for r in results if r["status"] == "ok"]) == 61
