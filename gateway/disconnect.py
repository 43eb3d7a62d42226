"""A request whose client has gone away stops: its pending upstream calls are never sent.

ASGI servers do not cancel an application when its client disconnects; they only report
`http.disconnect` to whoever reads the request's `receive`. A GraphQL request never reads it
again after its body, so a document whose client gave up (a timeout, a closed tab, an attacker
hanging up on purpose) would go on sending the upstream calls of its fan-out, waiting for rate-
limit slots every user shares. `CancelOnDisconnect` reads `receive` alongside the application
and cancels it the moment the client is gone; the cancellation reaches every call still waiting
or running (`gateway.upstreams.fanout`).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CancelOnDisconnect"]


class CancelOnDisconnect:
    """ASGI middleware; install it inside `BodyLimit`, which bounds what it reads ahead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbox: asyncio.Queue[Message | Exception] = asyncio.Queue()
        gone = asyncio.Event()

        async def read_ahead() -> None:
            while True:
                try:
                    message = await receive()
                except Exception as error:  # e.g. BodyLimit's refusal: the app's to see
                    inbox.put_nowait(error)
                    return
                inbox.put_nowait(message)
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        async def app_receive() -> Message:
            item = await inbox.get()
            if isinstance(item, Exception):
                raise item
            return item

        app = asyncio.ensure_future(self.app(scope, app_receive, send))
        reader = asyncio.ensure_future(read_ahead())
        watcher = asyncio.ensure_future(gone.wait())
        try:
            await asyncio.wait({app, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if not app.done():  # the client went away first: stop everything it started
                app.cancel()
                with suppress(asyncio.CancelledError):
                    await app
                return
        finally:
            reader.cancel()
            watcher.cancel()
            if not app.done():
                app.cancel()
        await app
