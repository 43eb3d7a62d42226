"""`CancelOnDisconnect` on its own, with scripted ASGI messages (the end-to-end proof over real
sockets is test_disconnect.py): the body reaches the application at once and whole, a client
that leaves stops the application, and the refusals of the layers below reach it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from gateway.disconnect import CancelOnDisconnect

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Client:
    """The server's side of one request: messages the test releases one by one."""

    def __init__(self, *messages: Message | Exception) -> None:
        self.inbox: asyncio.Queue[Message | Exception] = asyncio.Queue()
        for message in messages:
            self.inbox.put_nowait(message)
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        item = await self.inbox.get()
        if isinstance(item, Exception):
            raise item
        return item

    async def send(self, message: Message) -> None:
        self.sent.append(message)


def body(data: bytes, *, more: bool = False) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


async def run(app: App, client: Client) -> None:
    await CancelOnDisconnect(app)(SCOPE, client.receive, client.send)


async def test_the_body_is_the_applications_without_waiting_a_loop_turn() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        first = receive().__await__()
        try:
            first.send(None)
        except StopIteration as done:  # answered without suspending: no turn lost
            received.append(done.value)
        else:
            first.close()
            raise AssertionError("the first receive waited for a loop turn")
        received.append(await receive())  # the rest comes through the helper
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    client = Client(body(b"first half ", more=True), body(b"second half"))
    await run(app, client)
    assert b"".join(message["body"] for message in received) == b"first half second half"
    assert [message["type"] for message in client.sent] == [
        "http.response.start",
        "http.response.body",
    ]


async def test_a_client_leaving_after_its_body_stops_the_application() -> None:
    started, stopped = asyncio.Event(), asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        started.set()
        try:
            await asyncio.Event().wait()  # an upstream call that never answers
        finally:
            stopped.set()

    client = Client(body(b"{}"))
    request = asyncio.ensure_future(run(app, client))
    await started.wait()
    client.inbox.put_nowait({"type": "http.disconnect"})
    await request  # returns: the cancellation was this middleware's own
    assert stopped.is_set()
    assert client.sent == []


async def test_a_client_gone_before_its_body_runs_nothing() -> None:
    ran: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ran.append(scope)

    await run(app, Client({"type": "http.disconnect"}))
    assert ran == []


async def test_a_refused_body_reaches_the_application_as_the_error() -> None:
    class TooLarge(Exception):
        pass

    seen: list[BaseException] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await receive()
        except TooLarge as error:
            seen.append(error)
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    client = Client(TooLarge())
    await run(app, client)
    assert len(seen) == 1
    assert client.sent[0]["status"] == 413
