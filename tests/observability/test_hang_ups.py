"""A client that goes away before its answer is the client's doing: the request line says 499
(nginx's "client closed request") and the metrics count the operation as `cancelled`, never as
a server error (500) that would page someone. The app is driven with scripted ASGI messages, as
a server delivers them; CareHQ's answer is held until the client has left, never by wall time."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from starlette.types import Message

from gateway.sandbox import Sandbox
from tests.asgi import http_scope
from tests.conftest import Gateway, make_settings, start_gateway
from tests.observability.test_metrics import scrape, total, value

ROOMS = "query RoomsPage { rooms(perPage: 2) { itemCount } }"
REQUESTS = "gateway_graphql_requests_total"


class Client:
    """One request's client: its body, then `http.disconnect` when the test says so."""

    def __init__(self, document: str) -> None:
        self.body = json.dumps({"query": document}).encode()
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.inbox.put_nowait({"type": "http.request", "body": self.body, "more_body": False})
        self.sent: list[Message] = []
        self.leaves_once_answered = False

    async def receive(self) -> Message:
        return await self.inbox.get()

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        answered = message["type"] == "http.response.body" and not message.get("more_body")
        if answered and self.leaves_once_answered:
            self.hang_up()

    def hang_up(self) -> None:
        self.inbox.put_nowait({"type": "http.disconnect"})

    def request(self, gateway: Gateway) -> asyncio.Future[None]:
        assert gateway.app is not None
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
        ]
        return asyncio.ensure_future(gateway.app(http_scope(headers), self.receive, self.send))


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The fields of each `/graphql` request line."""
    fields: list[dict[str, Any]] = [
        getattr(record, "fields", {})
        for record in caplog.records
        if record.name == "gateway.request"
    ]
    return [line for line in fields if line["path"] == "/graphql"]


async def test_a_client_gone_before_its_answer_is_499_and_cancelled(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.request")
    reached = asyncio.Event()

    async def held(_seconds: float) -> None:  # CareHQ never answers while the client waits
        reached.set()
        await asyncio.Event().wait()

    sandbox.carehq.sleep = held
    sandbox.carehq.latency_ms = 1
    async for gateway in start_gateway(sandbox, make_settings()):
        client = Client(ROOMS)
        request = client.request(gateway)
        await reached.wait()  # the operation is executing, its CareHQ call on the wire
        client.hang_up()
        await request
        samples = await scrape(gateway)
    assert client.sent == []  # nobody to answer
    [line] = request_lines(caplog)
    assert (line["status"], line["operations"]) == (499, ["RoomsPage"])
    labels = {"operation": "RoomsPage", "type": "query"}
    assert value(samples, REQUESTS, **labels, outcome="cancelled") == 1
    assert total(samples, REQUESTS, outcome="error") == 0


async def test_a_client_gone_after_its_answer_keeps_the_answers_status(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.request")
    client = Client(ROOMS)
    client.leaves_once_answered = True
    await client.request(gateway)
    samples = await scrape(gateway)
    assert [m["type"] for m in client.sent] == ["http.response.start", "http.response.body"]
    [line] = request_lines(caplog)
    assert (line["status"], line["operations"]) == (200, ["RoomsPage"])
    labels = {"operation": "RoomsPage", "type": "query"}
    assert value(samples, REQUESTS, **labels, outcome="ok") == 1
    assert total(samples, REQUESTS, outcome="cancelled") == 0
