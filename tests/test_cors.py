"""CORS for browser frontends (GATEWAY_CORS_ORIGINS), and proof that no browser "simple
request" (sent cross-site without a preflight) can run a mutation or read data."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.sandbox import Sandbox
from gateway.settings import ConfigError, Settings
from tests.conftest import Gateway, make_settings, start_gateway
from tests.processes import run_gateway

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
CANCEL = 'mutation { cancelBedfulBooking(id: "3141036") { id status } }'
READ = "{ bedfulBookings(limit: 1) { id name email } }"


@pytest.fixture
async def cors_gateway(sandbox: Sandbox) -> Any:
    settings = make_settings(gateway_cors_origins=f"{APP}, http://localhost:5173")
    async for gateway in start_gateway(sandbox, settings):
        yield gateway


def _preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def test_a_preflight_from_an_allowed_origin_is_answered(cors_gateway: Gateway) -> None:
    headers = "authorization, content-type, traceparent, tracestate, x-request-id, apollo-require-preflight"
    response = await cors_gateway.http.options("/graphql", headers=_preflight(APP, headers))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "traceparent", "x-request-id"):
        assert header in allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_an_allowed_origin_reads_answers(cors_gateway: Gateway) -> None:
    response = await cors_gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "http://localhost:5173"}
    )
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "origin" in response.headers["vary"].lower()


async def test_another_origin_gets_no_access(cors_gateway: Gateway) -> None:
    preflight = await cors_gateway.http.options("/graphql", headers=_preflight(EVIL))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = await cors_gateway.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": EVIL}
    )
    assert "access-control-allow-origin" not in answer.headers
    # A near miss is another origin: exact match only.
    for near in (APP + "/", APP + ".evil.net", "http://app.example.com", APP + ":8443"):
        response = await cors_gateway.http.options("/graphql", headers=_preflight(near))
        assert "access-control-allow-origin" not in response.headers, near


async def test_by_default_no_origin_gets_access(gateway: Gateway) -> None:
    preflight = await gateway.http.options("/graphql", headers=_preflight(APP))
    assert preflight.status_code in (400, 405)
    assert "access-control-allow-origin" not in preflight.headers
    answer = await gateway.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Origin": APP}
    )
    assert not [h for h in answer.headers if h.startswith("access-control-")]


# What a page on another origin can send without a preflight (the Fetch standard's "simple
# requests"): GET/POST with only CORS-safelisted headers and a form or text/plain body.
SIMPLE_POSTS = [
    ("application/x-www-form-urlencoded", f"query={CANCEL}"),
    ("application/x-www-form-urlencoded", '{"query": "' + CANCEL.replace('"', '\\"') + '"}'),
    ("text/plain", '{"query": "' + CANCEL.replace('"', '\\"') + '"}'),
    ("text/plain;charset=UTF-8", '{"query": "' + CANCEL.replace('"', '\\"') + '"}'),
    (
        "multipart/form-data; boundary=x",
        '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "'
        + CANCEL.replace('"', '\\"')
        + '"}\r\n--x--\r\n',
    ),
]


@pytest.mark.parametrize(("content_type", "body"), SIMPLE_POSTS)
async def test_no_simple_post_runs_a_mutation(
    cors_gateway: Gateway, sandbox: Sandbox, content_type: str, body: str
) -> None:
    response = await cors_gateway.http.post(
        "/graphql", content=body.encode(), headers={"Content-Type": content_type, "Origin": EVIL}
    )
    assert response.status_code == 415, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert sandbox.bedful.requests == []


async def test_no_simple_get_runs_a_mutation(cors_gateway: Gateway, sandbox: Sandbox) -> None:
    response = await cors_gateway.http.get(
        "/graphql", params={"query": CANCEL}, headers={"Origin": EVIL}
    )
    assert response.status_code == 405
    assert sandbox.bedful.requests == []


async def test_a_simple_get_query_cannot_be_read_cross_site(
    cors_gateway: Gateway, sandbox: Sandbox
) -> None:
    """A cross-site GET may reach the gateway (as any request can), but without an
    `Access-Control-Allow-Origin` for its origin the browser hands the page nothing; and with
    tokens configured it carries none (a page cannot add `Authorization` without a preflight)."""
    response = await cors_gateway.http.get(
        "/graphql", params={"query": READ}, headers={"Origin": EVIL}
    )
    assert "access-control-allow-origin" not in response.headers
    settings = make_settings(gateway_api_tokens="t", gateway_cors_origins=APP)
    async for guarded in start_gateway(sandbox, settings):
        response = await guarded.http.get(
            "/graphql", params={"query": READ}, headers={"Origin": EVIL}
        )
        assert response.status_code == 401
    assert len(sandbox.bedful.requests) <= 1


@pytest.mark.parametrize(
    "origins",
    [
        "*, https://a.example",
        "https://a.example/",
        "https://a.example/app",
        "a.example",
        "ftp://a.example",
        "https://A.example",
        "https://user@a.example",
        "https://a.example:x",
    ],
)
def test_an_origin_list_that_cannot_match_is_refused(
    monkeypatch: pytest.MonkeyPatch, origins: str
) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", origins)
    with pytest.raises(ConfigError, match="GATEWAY_CORS_ORIGINS"):
        Settings.load()


def test_a_wrong_origin_stops_start_up_with_one_line() -> None:
    result = run_gateway("serve", "--port", "9", env={"GATEWAY_CORS_ORIGINS": "https://a.example/"})
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "GATEWAY_CORS_ORIGINS" in result.stderr


async def test_any_origin_is_allowed_only_without_credentials(sandbox: Sandbox) -> None:
    async for gateway in start_gateway(sandbox, make_settings(gateway_cors_origins="*")):
        response = await gateway.http.options("/graphql", headers=_preflight(EVIL))
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
