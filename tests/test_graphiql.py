"""Self-hosted GraphiQL (gateway.graphiql): fast checks, no browser.

The real-browser check is tests/test_graphiql_browser.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
import pytest
import strawberry
from fastapi import FastAPI

from gateway.graphiql import (
    ASSETS_CACHE_CONTROL,
    CONTENT_SECURITY_POLICY,
    DEFAULT_DOCUMENT,
    STATIC_DIR,
    SelfHostedGraphQLRouter,
    mount_graphiql_assets,
    render_graphiql_page,
)
from tests.conftest import Gateway

HTML_ACCEPT = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
VENDOR_DIR = STATIC_DIR / "vendor"
EXPECTED_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


SCHEMA = strawberry.Schema(query=Query)


def make_app(*, graphql_ide: Literal["graphiql"] | None = "graphiql") -> FastAPI:
    app = FastAPI()
    mount_graphiql_assets(app)
    router: SelfHostedGraphQLRouter = SelfHostedGraphQLRouter(SCHEMA, graphql_ide=graphql_ide)
    app.include_router(router, prefix="/graphql")
    return app


class _PageParser(HTMLParser):
    """Collects what a browser would fetch or run from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.style_elements = 0
        self.inline_attributes: list[str] = []
        self.default_document: str | None = None
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "action", "formaction", "poster", "data"}:
                assert value is not None
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline_attributes.append(f"<{tag} {name}>")
        if tag == "script" and "src" not in attributes:
            self._in_script_without_src = True
        if tag == "style":
            self.style_elements += 1
        if attributes.get("id") == "graphiql":
            self.default_document = attributes.get("data-default-document")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src:
            self.inline_scripts.append(data)


def make_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(make_app()) as client:
        yield client


async def get_page(client: httpx.AsyncClient, path: str = "/graphql") -> tuple[str, _PageParser]:
    response = await client.get(path, headers=HTML_ACCEPT)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    parser = _PageParser()
    parser.feed(response.text)
    return response.text, parser


async def test_page_references_only_same_origin_urls(client: httpx.AsyncClient) -> None:
    page, parsed = await get_page(client)

    assert len(parsed.urls) == 9  # favicon, 3 stylesheets, 5 scripts
    for url in parsed.urls:
        parts = urlsplit(url)
        assert not parts.scheme, url
        assert not parts.netloc, url
        assert parts.path.startswith("/graphiql-assets/"), url
    assert "unpkg" not in page
    # CSP is script-src 'self': the page must not need inline script or style.
    assert parsed.inline_scripts == []
    assert parsed.style_elements == 0
    assert parsed.inline_attributes == []


async def test_page_is_sent_with_a_same_origin_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers=HTML_ACCEPT)
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = {
        name: sources
        for name, *sources in (part.split() for part in csp.split(";") if part.strip())
    }
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    for name, sources in directives.items():
        assert "'unsafe-inline'" not in sources, name
        assert "'unsafe-eval'" not in sources, name
        assert not [s for s in sources if "://" in s or s in {"*", "http:", "https:"}], name
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


async def test_every_asset_is_served_with_type_and_long_cache(client: httpx.AsyncClient) -> None:
    _, parsed = await get_page(client)

    for url in parsed.urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        path = urlsplit(url).path
        assert response.headers["content-type"] == EXPECTED_CONTENT_TYPES[Path(path).suffix], url
        assert response.headers["cache-control"] == ASSETS_CACHE_CONTROL, url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.content, url
        # ?v= is the content hash, so the immutable cache is safe across upgrades
        version = re.fullmatch(r"v=([0-9a-f]{16})", urlsplit(url).query)
        assert version, url
        assert hashlib.sha256(response.content).hexdigest().startswith(version[1]), url


async def test_conditional_asset_request_keeps_cache_headers(client: httpx.AsyncClient) -> None:
    url = "/graphiql-assets/vendor/react/react.production.min.js"
    etag = (await client.get(url)).headers["etag"]
    response = await client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["cache-control"] == ASSETS_CACHE_CONTROL


async def test_licences_are_served_as_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphiql-assets/vendor/graphiql/LICENSE")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "MIT License" in response.text


async def test_ide_disabled_serves_no_ide() -> None:
    async with make_client(make_app(graphql_ide=None)) as client:
        page = await client.get("/graphql", headers=HTML_ACCEPT)
        query = await client.post("/graphql", json={"query": "{ hello }"})

    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()
    assert "content-security-policy" not in page.headers
    assert query.json() == {"data": {"hello": "world"}}  # the endpoint itself still works


async def test_graphql_over_http_still_works(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename hello }"})
    assert response.json() == {"data": {"__typename": "Query", "hello": "world"}}
    response = await client.get("/graphql", params={"query": "{ hello }"}, headers=HTML_ACCEPT)
    assert response.json() == {"data": {"hello": "world"}}


async def test_page_behind_a_path_prefix_uses_prefixed_assets() -> None:
    outer = FastAPI()
    outer.mount("/api", make_app())

    async with make_client(outer) as client:
        _, parsed = await get_page(client, "/api/graphql")
        assert parsed.urls
        for url in parsed.urls:
            assert url.startswith("/api/graphiql-assets/"), url
            assert (await client.get(url)).status_code == 200, url


def test_default_document_is_passed_escaped() -> None:
    nasty = '# "quotes" & <b>tags</b>\n{ __typename }\n"></div><script>alert(1)</script>'
    page = render_graphiql_page(assets_url="/assets", default_document=nasty)

    parser = _PageParser()
    parser.feed(page)
    assert parser.default_document == nasty
    assert "<script>alert" not in page
    assert parser.inline_scripts == []


async def test_the_default_document_tours_both_systems_on_the_sandboxes(gateway: Gateway) -> None:
    _, parsed = await get_page(gateway.http)
    assert parsed.default_document == DEFAULT_DOCUMENT
    data = await gateway.data(DEFAULT_DOCUMENT)
    assert data["rooms"]["items"][0]["bookings"]
    assert {stay["system"] for stay in data["stays"]} == {"CAREHQ", "BEDFUL"}


@pytest.mark.parametrize("assets_url", ["https://unpkg.com/x", "//cdn.example/x", "assets"])
def test_assets_must_be_same_origin_paths(assets_url: str) -> None:
    with pytest.raises(ValueError, match="own origin"):
        render_graphiql_page(assets_url=assets_url)
    with pytest.raises(ValueError, match="own origin"):
        SelfHostedGraphQLRouter(SCHEMA, assets_url=assets_url)


def test_other_ides_are_refused() -> None:
    with pytest.raises(ValueError, match="only serves GraphiQL"):
        SelfHostedGraphQLRouter(SCHEMA, graphql_ide="apollo-sandbox")


def test_vendored_stylesheets_load_nothing_remote() -> None:
    stylesheets = sorted(VENDOR_DIR.rglob("*.css"))
    assert len(stylesheets) == 2
    for css_path in stylesheets:
        css = css_path.read_text(encoding="utf-8")
        assert "@import" not in css, css_path
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
            assert url.startswith("data:"), (css_path, url[:80])


def test_vendored_files_match_their_checksums() -> None:
    listed: dict[str, str] = {}
    for line in (VENDOR_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    on_disk = {
        path.relative_to(VENDOR_DIR).as_posix()
        for path in VENDOR_DIR.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    }
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest() == digest, name


def test_each_vendored_package_ships_its_licence() -> None:
    for package_dir in (p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert (package_dir / "LICENSE").is_file(), package_dir
    assert (VENDOR_DIR / "graphiql" / "THIRD-PARTY-NOTICES.txt").is_file()
