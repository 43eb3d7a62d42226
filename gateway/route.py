"""`/graphql` as a plain Starlette route in front of the gateway's Strawberry view.

Strawberry's FastAPI router serves each request through FastAPI's routing and dependency
injection: the context getter, the root value and a sub-response are solved as dependencies on
every request, about a twelfth of the gateway's CPU on a page of ten rooms. This route does the
same three things directly, then hands the request to the same view (`GatewayRouter.run`), so
authentication, parsing, limits, execution and the answer are exactly the router's: only the
plumbing in front of it is gone. Methods other than GET and POST get FastAPI's 405.

`GraphQLFirst`, the innermost middleware, hands GET and POST at exactly that path to the route's
endpoint directly: FastAPI's innermost layers do nothing for them (the router would pick the same
route first; the exception middleware answers Starlette's `HTTPException`, which the endpoint never
lets out; the exit stack closes uploaded files, and uploads are off), yet cost a coroutine each,
an exit stack and a wrapper around every message sent. Everything else takes FastAPI's way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cross_web import HTTPException
from fastapi import BackgroundTasks
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.context import GatewayContext
from gateway.endpoint import GatewayRouter

ContextFactory = Callable[[Request], Awaitable[GatewayContext]]


def graphql_route(path: str, view: GatewayRouter, context: ContextFactory) -> Route:
    """A route serving `view` at `path` (GET and POST), with `context(request)` per request."""
    route = Route(path, _Endpoint(view, context), methods=["GET", "POST"])
    route.methods = {"GET", "POST"}  # Starlette adds HEAD to GET; the view would refuse it anyway
    return route


class GraphQLFirst:
    """ASGI middleware, to be added before (inside) every other: `route`'s own requests go
    straight to it (with no `root_path`, the path is exactly the route's)."""

    def __init__(self, app: ASGIApp, *, route: Route) -> None:
        self.app, self.route = app, route
        self.path, self.methods = route.path, route.methods or set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self.path
            and scope["method"] in self.methods
            and not scope.get("root_path")
        ):
            scope["path_params"] = {}  # what Starlette's router would have set
            await self.route.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class _Endpoint:
    """The route's ASGI app (a plain function would be wrapped once more by Starlette)."""

    def __init__(self, view: GatewayRouter, context: ContextFactory) -> None:
        self.view, self.context = view, context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        # What FastAPI hands Strawberry as the `response` dependency: resolvers may set a
        # status or headers on it, and the view copies them onto the answer.
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]  # as FastAPI does: unset
        tasks = BackgroundTasks()
        context = await self.context(request)
        context.request, context.response, context.background_tasks = request, sub_response, tasks
        # What Strawberry's `get_sub_response` returns (it is read before `run` first awaits).
        self.view.temporal_response = sub_response  # type: ignore[attr-defined]  # Strawberry's, unannotated
        try:
            response = await self.view.run(request, context, None)
        except HTTPException as error:  # as Strawberry's own handler answers it
            response = PlainTextResponse(error.reason, status_code=error.status_code)
        if tasks.tasks:
            response.background = tasks
        await response(scope, receive, send)
