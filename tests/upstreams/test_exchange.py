"""One upstream attempt straight through the client's auth flow and transport
(`gateway.upstreams.exchange`): everything `AsyncClient.send` did that the calls need still
happens (auth, timeouts, hooks, proxies), and the answer never reaches the cookie jar."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Generator
from http.cookiejar import CookieJar
from typing import Any

import httpx
import pytest

from gateway.upstreams.bedful import bedful_http_client
from gateway.upstreams.carehq import CareHQSignature, carehq_http_client
from gateway.upstreams.errors import Upstream
from gateway.upstreams.exchange import UpstreamHTTPClient
from gateway.upstreams.http import Sender

from .builders import Reply, Script

TIMEOUTS = httpx.Timeout(10.0, connect=3.0, pool=7.0)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def raw(payload: object) -> object:
    return payload


def carehq(transport: httpx.AsyncBaseTransport) -> UpstreamHTTPClient:
    signature = CareHQSignature(
        "account", "key", "secret", nonce=iter(["n1", "n2", "n3", "n4"]).__next__
    )
    return carehq_http_client(
        "https://carehq.test", signature, transport=transport, timeouts=TIMEOUTS
    )


def bedful(transport: httpx.AsyncBaseTransport) -> UpstreamHTTPClient:
    return bedful_http_client(
        "https://bedful.test", "bedful-key", transport=transport, timeouts=TIMEOUTS
    )


class CountingJar(CookieJar):
    """Counts the answers httpx hands to the jar; keeps no cookie."""

    def __init__(self) -> None:
        super().__init__()
        self.extractions = 0

    def extract_cookies(self, response: Any, request: Any) -> None:
        self.extractions += 1


@pytest.mark.parametrize("make", [carehq, bedful], ids=["carehq", "bedful"])
async def test_answers_never_reach_the_cookie_jar(make: Any) -> None:
    setting = Reply(json={}, headers={"set-cookie": "session=caller-a; Path=/"})
    script = Script(setting)
    jar = CountingJar()
    async with make(httpx.MockTransport(script)) as http:
        http.cookies = jar  # type: ignore[assignment]  # httpx takes a CookieJar as is
        sender = Sender(http, upstream=Upstream.CAREHQ, timeout=2.0)
        for _ in range(3):
            await sender.call("GET", "/v1/bookings", raw)
        assert jar.extractions == 0
        await http.get("/v1/bookings")  # `send` does hand it over: the count can see it
        assert jar.extractions == 1
    assert [r.headers.get("cookie") for r in script.requests] == [None] * 4


async def test_carehq_attempts_are_signed_each_afresh_with_the_clients_timeouts() -> None:
    script = Script(Reply(503), Reply(json={"ok": True}))
    async with carehq(httpx.MockTransport(script)) as http:
        sender = Sender(http, upstream=Upstream.CAREHQ, timeout=2.0, sleep=no_sleep)
        assert await sender.call("GET", "/v1/bookings", raw, params=(("page", "1"),)) == {
            "ok": True
        }
    assert script.count == 2
    nonces = [r.headers["x-carehq-nonce"] for r in script.requests]
    assert nonces == ["n1", "n2"]  # the retry was signed again, not resent as it was
    for request in script.requests:
        assert request.headers["x-carehq-accountid"] == "account"
        assert len(request.headers["x-carehq-signature"]) == 64
        assert request.extensions["timeout"] == TIMEOUTS.as_dict()


async def test_bedful_attempts_carry_basic_auth_and_the_clients_timeouts() -> None:
    script = Script(Reply(json={}))
    async with bedful(httpx.MockTransport(script)) as http:
        await Sender(http, upstream=Upstream.BEDFUL, timeout=2.0).call("GET", "/bookings", raw)
    (request,) = script.requests
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"bedful-key:").decode()
    assert request.headers["accept"] == "application/json"
    assert request.extensions["timeout"] == {
        "connect": 3.0,
        "read": 10.0,
        "write": 10.0,
        "pool": 7.0,
    }


class Challenge(httpx.Auth):
    """A two-step flow that reads the first answer's body: what a digest or token auth does."""

    requires_response_body = True

    def __init__(self) -> None:
        self.first_answers: list[httpx.Response] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code == 401:
            self.first_answers.append(response)
            request.headers["x-answer"] = response.json()["challenge"]
            yield request


def challenged(request: httpx.Request) -> httpx.Response:
    if request.headers.get("x-answer") != "abc":
        return httpx.Response(401, json={"challenge": "abc"})
    return httpx.Response(200, json={"ok": True})


async def test_multi_step_auth_flows_run_to_the_end_with_each_answer_read() -> None:
    auth = Challenge()
    transport = httpx.MockTransport(challenged)
    async with UpstreamHTTPClient(
        "https://up.test", auth, transport=transport, timeouts=TIMEOUTS
    ) as http:
        sender = Sender(http, upstream=Upstream.CAREHQ, timeout=2.0)
        assert await sender.call("GET", "/x", raw) == {"ok": True}
        assert await sender.call("GET", "/x", raw) == {"ok": True}
    assert len(auth.first_answers) == 2
    assert all(r.is_closed and r.content for r in auth.first_answers)


async def test_event_hooks_see_each_attempt_and_its_request() -> None:
    seen: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        seen.append(f"request {request.url.path}")

    async def on_response(response: httpx.Response) -> None:
        seen.append(f"response {response.status_code} {response.request.url.path}")

    async with carehq(httpx.MockTransport(Script(Reply(json={})))) as http:
        http.event_hooks = {"request": [on_request], "response": [on_response]}
        await Sender(http, upstream=Upstream.CAREHQ, timeout=2.0).call("GET", "/v1/rooms", raw)
    assert seen == ["request /v1/rooms", "response 200 /v1/rooms"]


async def test_a_closed_client_refuses_to_send_as_httpx_does() -> None:
    script = Script(Reply(json={}))
    http = carehq(httpx.MockTransport(script))
    await http.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await Sender(http, upstream=Upstream.CAREHQ, timeout=2.0).call("GET", "/v1/rooms", raw)
    assert script.count == 0


# -- proxies named in the environment -------------------------------------------------------


@pytest.fixture
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A forward proxy on a free loopback port that answers `{}` itself and records each
    request line it receives."""
    lines: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            lines.append(head.split(b"\r\n", 1)[0])
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
            )
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", lines


async def test_a_proxy_in_the_environment_still_carries_the_calls(
    no_proxy_variables: pytest.MonkeyPatch, proxy: tuple[str, list[bytes]]
) -> None:
    address, lines = proxy
    no_proxy_variables.setenv("HTTP_PROXY", address)
    signature = CareHQSignature("account", "key", "secret")
    async with carehq_http_client("http://carehq.invalid", signature, timeouts=TIMEOUTS) as http:
        assert http.direct is None  # httpx routes it, as it always has
        await Sender(http, upstream=Upstream.CAREHQ, timeout=2.0).call("GET", "/v1/rooms", raw)
    assert lines == [b"GET http://carehq.invalid/v1/rooms HTTP/1.1"]


def test_without_a_proxy_the_client_holds_httpxs_default_transport(
    no_proxy_variables: pytest.MonkeyPatch,
) -> None:
    no_proxy_variables.setenv("NO_PROXY", "carehq.test")  # bypasses only: still no proxy
    http = bedful_http_client("https://bedful.test", "key", timeouts=TIMEOUTS)
    assert isinstance(http.direct, httpx.AsyncHTTPTransport)


async def no_sleep(seconds: float) -> None:
    pass
