"""Self-hosted GraphiQL in a real headless Chromium (Debian's ``chromium`` package).

Starts a uvicorn server on 127.0.0.1 in a background thread, opens the IDE, types
a query like a person would, runs it and reads the result, while failing on any
request that leaves the server's origin and on any console error (CSP
violations included).  The fast, browser-less checks are in tests/test_graphiql.py.

Needs ``apt-get install -y chromium``.  Without /usr/bin/chromium the tests are
skipped, unless the CI environment variable is set: then they fail.
Set GRAPHIQL_SCREENSHOT=/path/to/file.png to keep a screenshot of the result.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Route,
    WebSocket,
    expect,
    sync_playwright,
)

from gateway.app import create_app
from gateway.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


# --- app under test ----------------------------------------------------------


@pytest.fixture
def graphiql_app() -> FastAPI:
    """The real gateway, on its built-in sandboxes, as `gateway serve` runs it."""
    return create_app(Settings())


@pytest.fixture
def live_server(graphiql_app: FastAPI) -> Iterator[str]:
    """Serve ``graphiql_app`` on a free 127.0.0.1 port; yield its origin."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        graphiql_app,
        log_level="warning",
        lifespan="on",
        http="h11",
        ws="none",  # no subscriptions here; keeps optional ws libraries out of the test
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            pytest.fail("uvicorn did not start (see the captured log above)")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- browser -----------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (no `playwright install` here)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: apt-get install -y chromium"
        if _in_ci():
            pytest.fail(f"{reason} (CI is set, so this is not skipped)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        # launch() (not a persistent context) starts from a fresh, throw-away profile
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            timeout=30_000,
        )
        try:
            yield browser
        finally:
            browser.close()


class _Traffic:
    """What the page did: every request, anything off-origin, console errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []

    def is_same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not self.is_same_origin(request.url) and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def on_route(self, route: Route) -> None:
        url = route.request.url
        if self.is_same_origin(url):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")

    def on_websocket(self, websocket: WebSocket) -> None:
        parts = urlsplit(websocket.url)
        if f"http://{parts.netloc}" != self.origin:
            self.foreign.append(websocket.url)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console.error: {message.text} @ {message.location}")

    def on_pageerror(self, error: Exception) -> None:
        self.errors.append(f"pageerror: {error}")

    def summary(self) -> str:
        lines = [f"requests to {self.origin}:", *(f"  {url}" for url in self.requests)]
        lines += ["blocked (other origins):", *(f"  {url}" for url in self.foreign)]
        lines += ["console errors:", *(f"  {error}" for error in self.errors)]
        return "\n".join(lines)


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[tuple[Page, _Traffic]]:
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1400, "height": 900},
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    traffic = _Traffic(live_server)
    context.route("**/*", traffic.on_route)
    page = context.new_page()
    page.on("request", traffic.on_request)
    page.on("websocket", traffic.on_websocket)
    page.on("console", traffic.on_console)
    page.on("pageerror", traffic.on_pageerror)
    try:
        yield page, traffic
    finally:
        context.close()


def _query_editor_text(page: Page) -> str:
    text = page.evaluate(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
    )
    assert isinstance(text, str)
    return text


# --- the test ----------------------------------------------------------------


def test_graphiql_runs_a_query_without_leaving_the_origin(page: tuple[Page, _Traffic]) -> None:
    browser_page, traffic = page
    try:
        _run_a_query_like_a_person(browser_page)
    except Exception as exc:
        exc.add_note(traffic.summary())
        raise

    assert traffic.foreign == [], f"requests left {traffic.origin}:\n{traffic.summary()}"
    assert traffic.errors == [], traffic.summary()
    assert any(url.endswith("/graphql") for url in traffic.requests)
    assert len(traffic.requests) >= 10  # page + 8 assets + the POSTs


def _run_a_query_like_a_person(page: Page) -> None:
    page.goto("/graphql")

    # the default document is a tour of both systems: one click shows sandbox data
    page.get_by_role("button", name=re.compile(r"^Execute query")).click()
    expect(page.get_by_role("region", name="Result Window")).to_contain_text('"nameNo": "01"')
    # the result editor renders only the visible lines: read the whole text from CodeMirror
    tour = json.loads(
        page.evaluate(
            "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
        )
    )
    assert "errors" not in tour, tour["errors"]
    assert {stay["system"] for stay in tour["data"]["stays"]} == {"CAREHQ", "BEDFUL"}

    # the IDE rendered, with what Strawberry's page offers
    query_editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(query_editor).to_be_visible()
    expect(page.get_by_role("button", name="Show Documentation Explorer")).to_be_visible()
    expect(page.get_by_role("button", name="Show GraphiQL Explorer")).to_be_visible()
    expect(page.get_by_role("button", name="Show History")).to_be_visible()
    expect(page.get_by_role("button", name="Headers")).to_be_visible()

    # type a query the way a person would; CodeMirror closes the brace itself
    typed = ""
    for _ in range(3):  # on a loaded machine GraphiQL may still be settling its tab's text
        query_editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.wait_for_function(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
            ".getValue() === ''"
        )
        page.keyboard.type("{ __typename ", delay=20)
        typed = _query_editor_text(page)
        if re.sub(r"\s+", " ", typed).strip() == "{ __typename }":
            break
    assert re.sub(r"\s+", " ", typed).strip() == "{ __typename }", typed
    # GraphiQL re-reads the operation name a moment after an edit (debounced), as a person
    # pausing before the click gives it time to; clicking at once would send the tour's name
    page.wait_for_timeout(800)

    page.get_by_role("button", name=re.compile(r"^Execute query")).click()
    result = page.get_by_role("region", name="Result Window")
    expect(result).to_contain_text('"__typename": "Query"')

    # explorer plugin and docs open (both read the introspected schema)
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_be_visible()
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query")

    # a dialog injects Radix's scroll-lock <style>: the CSP must allow exactly that
    page.get_by_role("button", name="Open settings dialog").click()
    expect(page.get_by_role("dialog")).to_contain_text("Settings")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    if screenshot := os.environ.get("GRAPHIQL_SCREENSHOT"):
        page.get_by_role("button", name="Show GraphiQL Explorer").click()
        page.screenshot(path=screenshot)
