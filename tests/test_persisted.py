"""Persisted documents (GATEWAY_PERSISTED_DOCUMENTS, GATEWAY_PERSISTED_ONLY): a manifest as
graphql-codegen's client preset writes it, named by `documentId` or Apollo's
`extensions.persistedQuery`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from strawberry.extensions.parser_cache import _get_parse_cache

from gateway.sandbox import Sandbox
from gateway.schema.document_cache import DOCUMENT_CACHE_SIZE, cached_validation
from tests.conftest import Gateway, make_settings, start_gateway
from tests.processes import run_gateway

ROOMS = "query FirstRooms { rooms(perPage: 2) { items { nameNo } } }"
TYPENAME = "query Typename { __typename }"
FREEFORM = "{ rooms(perPage: 1) { itemCount } }"
UNKNOWN = "0" * 64


def _hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({_hash(ROOMS): ROOMS, _hash(TYPENAME): TYPENAME}))
    return str(path)


async def _gateways(sandbox: Sandbox, manifest: str, *, only: bool) -> Any:
    settings = make_settings(gateway_persisted_documents=manifest, gateway_persisted_only=only)
    async for gateway in start_gateway(sandbox, settings):
        yield gateway


def _error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/")
    body: dict[str, Any] = response.json()
    assert "data" not in body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.mark.parametrize("only", [False, True])
async def test_a_manifest_document_runs_by_any_name(
    sandbox: Sandbox, manifest: str, only: bool
) -> None:
    async for gateway in _gateways(sandbox, manifest, only=only):
        apollo = {"persistedQuery": {"version": 1, "sha256Hash": _hash(ROOMS)}}
        for response in (
            await gateway.http.post("/graphql", json={"documentId": f"sha256:{_hash(ROOMS)}"}),
            await gateway.http.post("/graphql", json={"documentId": _hash(ROOMS)}),
            await gateway.http.post("/graphql", json={"extensions": apollo}),
            await gateway.http.get("/graphql", params={"documentId": f"sha256:{_hash(ROOMS)}"}),
            await gateway.http.get("/graphql", params={"extensions": json.dumps(apollo)}),
            await gateway.http.post("/graphql", json={"query": ROOMS, "extensions": apollo}),
        ):
            body = response.json()
            assert response.status_code == 200, body
            assert len(body["data"]["rooms"]["items"]) == 2


@pytest.mark.parametrize("only", [False, True])
async def test_an_unknown_id_is_refused(sandbox: Sandbox, manifest: str, only: bool) -> None:
    async for gateway in _gateways(sandbox, manifest, only=only):
        for response in (
            await gateway.http.post("/graphql", json={"documentId": f"sha256:{UNKNOWN}"}),
            await gateway.http.post(
                "/graphql",
                json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": UNKNOWN}}},
            ),
        ):
            assert _error(response)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert sandbox.carehq.requests == []


async def test_persisted_only_refuses_every_other_document(sandbox: Sandbox, manifest: str) -> None:
    async for gateway in _gateways(sandbox, manifest, only=True):
        for response in (
            await gateway.http.post("/graphql", json={"query": FREEFORM}),
            await gateway.http.get("/graphql", params={"query": FREEFORM}),
            await gateway.http.post(
                "/graphql",
                json={
                    "query": FREEFORM,
                    "extensions": {"persistedQuery": {"version": 1, "sha256Hash": _hash(FREEFORM)}},
                },
            ),
        ):
            error = _error(response)
            assert error["extensions"]["code"] in (
                "PERSISTED_QUERY_REQUIRED",
                "PERSISTED_QUERY_NOT_FOUND",
            )
        # A manifest document with another document in `query` runs neither.
        response = await gateway.http.post(
            "/graphql", json={"documentId": _hash(ROOMS), "query": FREEFORM}
        )
        assert _error(response)["extensions"]["code"] == "BAD_REQUEST"
    assert sandbox.carehq.requests == []


async def test_without_persisted_only_apollo_sends_the_document_after_a_miss(
    sandbox: Sandbox, manifest: str
) -> None:
    """Apollo Client's flow: the hash alone, PERSISTED_QUERY_NOT_FOUND, then hash and document;
    the document must be the one the hash names."""
    async for gateway in _gateways(sandbox, manifest, only=False):
        apq = {"persistedQuery": {"version": 1, "sha256Hash": _hash(FREEFORM)}}
        miss = await gateway.http.post("/graphql", json={"extensions": apq})
        assert _error(miss)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        full = await gateway.http.post("/graphql", json={"query": FREEFORM, "extensions": apq})
        assert full.json()["data"]["rooms"]["itemCount"] > 0
        forged = await gateway.http.post("/graphql", json={"query": ROOMS + " ", "extensions": apq})
        assert _error(forged)["extensions"]["code"] == "BAD_REQUEST"
        assert (await gateway.http.post("/graphql", json={"query": FREEFORM})).status_code == 200


async def test_without_a_manifest_a_hash_is_not_supported(gateway: Gateway) -> None:
    """Apollo Client turns persisted queries off on this code (it was a text/plain 400)."""
    apq = {"persistedQuery": {"version": 1, "sha256Hash": _hash(FREEFORM)}}
    response = await gateway.http.post("/graphql", json={"extensions": apq})
    assert _error(response)["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": "sha256:abc"},
        {"documentId": "md5:" + "0" * 32},
        {"documentId": 12},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": UNKNOWN}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "AB" * 32}}},
        {"extensions": {"persistedQuery": "x"}},
    ],
)
async def test_a_malformed_name_is_a_bad_request(
    sandbox: Sandbox, manifest: str, body: dict[str, Any]
) -> None:
    async for gateway in _gateways(sandbox, manifest, only=True):
        response = await gateway.http.post("/graphql", json=body)
        assert _error(response)["extensions"]["code"] == "BAD_REQUEST"


async def test_a_manifest_document_is_parsed_and_validated_once(
    sandbox: Sandbox, manifest: str
) -> None:
    parse_cache, validate_cache = _get_parse_cache(DOCUMENT_CACHE_SIZE), cached_validation
    async for gateway in _gateways(sandbox, manifest, only=True):
        await gateway.http.post("/graphql", json={"documentId": _hash(TYPENAME)})
        parsed, validated = parse_cache.cache_info(), validate_cache.cache_info()
        for _ in range(5):
            response = await gateway.http.post("/graphql", json={"documentId": _hash(TYPENAME)})
            assert response.json() == {"data": {"__typename": "Query"}}
        assert parse_cache.cache_info().misses == parsed.misses
        assert parse_cache.cache_info().hits == parsed.hits + 5
        assert validate_cache.cache_info().misses == validated.misses
        assert validate_cache.cache_info().hits == validated.hits + 5


async def test_tokens_still_apply_to_persisted_documents(sandbox: Sandbox, manifest: str) -> None:
    settings = make_settings(gateway_persisted_documents=manifest, gateway_api_tokens="t")
    async for gateway in start_gateway(sandbox, settings):
        response = await gateway.http.post("/graphql", json={"documentId": _hash(ROOMS)})
        assert response.status_code == 401
    assert sandbox.carehq.requests == []


@pytest.mark.parametrize(
    "content",
    [None, "{", '["x"]', json.dumps({UNKNOWN: TYPENAME}), json.dumps({_hash(ROOMS): 1})],
)
def test_a_manifest_that_cannot_be_used_stops_start_up(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "manifest.json"
    if content is not None:
        path.write_text(content)
    result = run_gateway("serve", "--port", "9", env={"GATEWAY_PERSISTED_DOCUMENTS": str(path)})
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert len(lines) == 1, result.stderr
    assert "GATEWAY_PERSISTED_DOCUMENTS" in lines[0]
    assert "Traceback" not in result.stderr


def test_persisted_only_needs_a_manifest() -> None:
    result = run_gateway("serve", "--port", "9", env={"GATEWAY_PERSISTED_ONLY": "true"})
    assert result.returncode == 2
    assert "GATEWAY_PERSISTED_DOCUMENTS" in result.stderr
