"""A request whose client has gone away stops: its pending upstream calls are never sent.

ASGI servers do not cancel an application when its client disconnects; they only report
`http.disconnect` to whoever reads the request's `receive`. A GraphQL request never reads it
again after its body, so a document whose client gave up (a timeout, a closed tab, an attacker
hanging up on purpose) would go on sending the upstream calls of its fan-out, waiting for rate-
limit slots every user shares. `CancelOnDisconnect` reads `receive` alongside the application
and cancels it the moment the client is gone; the cancellation reaches every call still waiting
or running (`gateway.upstreams.fanout`).

One helper task per request reads ahead; the application runs in the request's own task, which
the helper cancels (and this middleware then un-cancels, as `asyncio.timeout` does), so a request
costs one extra task, not three, and no `asyncio.wait`. The first message (a GraphQL request's
whole body, as a rule) is read in the request's own task before the application starts, so the
application has it at once rather than two loop turns later, after the helper has started and
handed it over: turns during which a busy process runs other requests' work first.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CancelOnDisconnect"]


class CancelOnDisconnect:
    """ASGI middleware; install it inside `BodyLimit`, which bounds what it reads ahead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        if scope["type"] != "http" or task is None:
            await self.app(scope, receive, send)
            return
        inbox: asyncio.Queue[Message | Exception] = asyncio.Queue()
        answered = False  # the last byte of the answer is handed over: nothing left to stop
        cancelled = False  # we cancelled `task`, and have not un-cancelled it yet

        async def read_ahead() -> None:
            nonlocal cancelled
            while True:
                try:
                    message = await receive()
                except Exception as error:  # e.g. BodyLimit's refusal: the app's to see
                    inbox.put_nowait(error)
                    return
                inbox.put_nowait(message)
                if message["type"] == "http.disconnect":
                    if not answered:  # the client went away first: stop everything it started
                        cancelled = True
                        task.cancel()
                    return

        async def app_receive() -> Message:
            item = await inbox.get()
            if isinstance(item, Exception):
                raise item
            return item

        async def app_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        try:
            first: Message | Exception = await receive()
        except Exception as error:  # e.g. BodyLimit's refusal: the app's to see
            first = error
        inbox.put_nowait(first)
        if not isinstance(first, Exception) and first["type"] == "http.disconnect":
            return  # gone before anything started: nothing to run, nobody to answer
        # Nothing more to read after a refusal; otherwise the rest of the body, then whether
        # the client goes away.
        reader = None if isinstance(first, Exception) else asyncio.ensure_future(read_ahead())
        try:
            await self.app(scope, app_receive, app_send)
        except asyncio.CancelledError:
            if not cancelled:
                raise
            cancelled = False
            if task.uncancel() > 0:  # cancelled from outside as well: that one goes on
                raise
        finally:
            if reader is not None:
                reader.cancel()
            if cancelled:  # the app swallowed our cancellation: take it back all the same
                task.uncancel()
