"""CSRF in a real browser: a page on another origin tries every request a browser lets it send
without a preflight, against the real gateway (CORS configured for one other frontend). None
runs a mutation, and no answer can be read by the page. Needs Debian's chromium (see
tests/test_graphiql_browser.py: skipped without it, failed under CI)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser

from gateway.app import create_app
from gateway.sandbox import Sandbox
from tests.conftest import make_settings
from tests.test_graphiql_browser import browser, live_server

__all__ = ["browser", "live_server"]  # fixtures shared with the GraphiQL browser test

pytestmark = pytest.mark.browser

CANCEL = 'mutation { cancelBedfulBooking(id: "3141036") { id status } }'
READ = "{ bedfulBookings(limit: 1) { id name email } }"

ATTACKS = """
async (gateway) => {
  const cancel = JSON.stringify({ query: %(cancel)s });
  const results = {};
  const attempt = async (name, f) => {
    try { results[name] = await f(); } catch (e) { results[name] = "blocked: " + e.name; }
  };
  // Simple requests: sent without a preflight; the page may not read the answer.
  await attempt("text/plain", async () => (await fetch(gateway, {
    method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: cancel,
  })).type);
  await attempt("form", async () => (await fetch(gateway, {
    method: "POST", mode: "no-cors", body: new URLSearchParams({ query: %(cancel)s }),
  })).type);
  await attempt("multipart", async () => {
    const form = new FormData();
    form.append("operations", cancel);
    return (await fetch(gateway, { method: "POST", mode: "no-cors", body: form })).type;
  });
  await attempt("get-mutation", async () => (await fetch(
    gateway + "?query=" + encodeURIComponent(%(cancel)s), { mode: "no-cors" })).type);
  // Reading: a CORS GET of a query, and a JSON POST (which needs a preflight).
  await attempt("read-get", async () => await (await fetch(
    gateway + "?query=" + encodeURIComponent(%(read)s))).text());
  await attempt("read-json-post", async () => await (await fetch(gateway, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: %(read)s }),
  })).text());
  await attempt("mutation-json-post", async () => await (await fetch(gateway, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: cancel,
  })).text());
  // A classic form that the page submits into a frame.
  const frame = document.createElement("iframe");
  frame.name = "sink";
  document.body.appendChild(frame);
  const form = document.createElement("form");
  form.method = "POST"; form.action = gateway; form.target = "sink";
  form.enctype = "text/plain";
  const input = document.createElement("input");
  input.name = '{"query": "' + %(cancel_escaped)s + '", "x": "';
  input.value = '"}';
  form.appendChild(input);
  document.body.appendChild(form);
  form.submit();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return results;
}
"""


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(seed=1, bedful_rate_limits=False)


class _EvilPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>evil</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def evil_origin() -> Iterator[str]:
    """The attacker's page, served by its own server: another origin on the loopback interface
    (Chromium's Local Network Access stops a public origin before the gateway sees anything,
    which would prove nothing)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EvilPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["another frontend", "the attacker (control)"])
def allowed_origin(request: pytest.FixtureRequest, evil_origin: str) -> str:
    return "https://app.example.com" if request.param == "another frontend" else evil_origin


@pytest.fixture
def graphiql_app(sandbox: Sandbox, allowed_origin: str) -> FastAPI:
    """The gateway with CORS for one frontend: another, or (the control) the page's own."""
    return create_app(make_settings(gateway_cors_origins=allowed_origin), sandbox=sandbox)


def _attack(browser: Browser, page_url: str, gateway: str) -> dict[str, str]:
    page = browser.new_page()
    try:
        page.goto(page_url)
        script = ATTACKS % {
            "cancel": json.dumps(CANCEL),
            "read": json.dumps(READ),
            "cancel_escaped": json.dumps(CANCEL.replace('"', '\\"')),
        }
        results: dict[str, str] = page.evaluate(script, gateway)
    finally:
        page.close()
    time.sleep(0.2)
    return results


def test_a_page_on_another_origin_cannot_forge_or_read(
    browser: Browser, live_server: str, sandbox: Sandbox, allowed_origin: str, evil_origin: str
) -> None:
    results = _attack(browser, f"{evil_origin}/", f"{live_server}/graphql")
    reads = [r for r in sandbox.bedful.requests if r.method == "GET"]
    assert reads, f"the cross-origin requests reached the gateway: {results}"
    if allowed_origin == evil_origin:  # the control: an allowed origin can, so this test can fail
        assert "cancelBedfulBooking" in results["mutation-json-post"], results
        assert any(r.method != "GET" for r in sandbox.bedful.requests)
        return
    for name in ("text/plain", "form", "multipart", "get-mutation"):
        assert results[name] in ("opaque", "blocked: TypeError"), (name, results)
    for name in ("read-get", "read-json-post", "mutation-json-post"):
        assert results[name] == "blocked: TypeError", (name, results)
    writes = [r for r in sandbox.bedful.requests if r.method != "GET"]
    assert writes == [], writes
    assert not [r for r in sandbox.bedful.requests if r.path.endswith("/3141036")]
