"""`/graphql`: Strawberry's router with the gateway's rules at the HTTP edge.

Every decision here is taken on the request as Strawberry itself parses it, in the router, so it
cannot disagree with what then executes:

* authentication (`gateway.auth`): a request that will not render the GraphiQL page can run an
  operation, so it needs a valid token when tokens are configured; decided with Strawberry's own
  `should_render_graphql_ide` on the same request object, whatever the method, path spelling or
  encoding of the parameters;
* the request is read by one parser (`parse_http_body`): a JSON object body, or GET parameters,
  each named at most once; anything else is a coded 4xx JSON error, never a 500;
* no WebSocket: the schema has no subscriptions, and a WebSocket could otherwise carry queries.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast, overload

import orjson
from cross_web import HTTPException
from fastapi.routing import APIWebSocketRoute as WebSocketRoute
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.unset import UNSET

from gateway.auth import ANONYMOUS, Authenticator, Unauthenticated
from gateway.context import GatewayContext
from gateway.graphiql import SelfHostedGraphQLRouter
from gateway.media import GRAPHQL_RESPONSE, JSON, response_media_type
from gateway.persisted import PersistedDocumentError, PersistedDocuments
from gateway.schema.errors import ErrorCode, error_body
from gateway.schema.limits import document_problem, variables_problem

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from starlette.requests import Request
    from starlette.websockets import WebSocket
    from strawberry.http.base import BaseRequestProtocol
    from strawberry.types import ExecutionResult, SubscriptionExecutionResult

_media_type: ContextVar[str] = ContextVar("gateway_response_media_type", default=JSON)

# The parameters of a GraphQL request (GraphQL over HTTP, section "Request Parameters").
_PARAMETERS = ("query", "operationName", "variables", "extensions", "documentId")


@lru_cache(maxsize=64)
def _media_type_of(content_type: str) -> str:
    """Strawberry's own parse of `Content-Type` (the standard library's MIME parser, slow),
    remembered for the few header values clients send."""
    media_type, _ = parse_content_type(content_type)
    return media_type


class RequestError(Exception):
    """A request that is not a GraphQL request we serve: answered with `status` and one error
    carrying `code`, before anything executes."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class GatewayRouter(SelfHostedGraphQLRouter[GatewayContext, None]):
    """The gateway's `/graphql`. Takes `SelfHostedGraphQLRouter`'s arguments plus
    `authenticator`; WebSocket subscriptions are always off (the schema has none)."""

    def __init__(
        self,
        *args: Any,
        authenticator: Authenticator,
        persisted: PersistedDocuments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, subscription_protocols=(), **kwargs)
        self.authenticator = authenticator
        self.persisted = persisted or PersistedDocuments({})
        # Strawberry always adds a WebSocket route; without it a handshake meets no route and is
        # closed before it is accepted (HTTP 403).
        self.routes[:] = [route for route in self.routes if not isinstance(route, WebSocketRoute)]

    @overload
    async def run(
        self,
        request: Request,
        context: GatewayContext = UNSET,
        root_value: None = UNSET,
    ) -> Response: ...

    @overload
    async def run(
        self,
        request: WebSocket,
        context: GatewayContext = UNSET,
        root_value: None = UNSET,
    ) -> WebSocket: ...

    async def run(
        self,
        request: Request | WebSocket,
        context: GatewayContext = UNSET,
        root_value: None = UNSET,
    ) -> Response | WebSocket:
        if self.is_websocket_request(request):
            return await self.reject_websocket(request)
        http_request = cast("Request", request)
        media_type = _media_type.set(response_media_type(http_request.headers.get("accept")))
        try:
            adapter = self.request_adapter_class(http_request)
            # Exactly Strawberry's own test, on the same request: anything else executes.
            renders_ide = self.graphql_ide is not None and self.should_render_graphql_ide(adapter)
            if not renders_ide:
                context.caller = self._caller(http_request)
            return await super().run(http_request, context, root_value)
        except RequestError as error:
            return self.error_response(error)
        except HTTPException as error:  # Strawberry's own refusals (method, operation type)
            status, reason = error.status_code, error.reason
            # 405: a mutation over GET, or another method (GraphQL over HTTP asks for `Allow`).
            allow = {"Allow": "POST" if http_request.method == "GET" else "GET, POST"}
            headers = allow if status == 405 else {}
            return self.error_response(RequestError(status, ErrorCode.BAD_REQUEST, reason, headers))
        finally:
            _media_type.reset(media_type)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Strawberry's test (a browser's GET without `query`), and no other GraphQL parameter
        either: a GET naming a persisted document executes it."""
        if not super().should_render_graphql_ide(request):  # a POST: no query parameters read
            return False
        params = request.query_params
        return not any(params.get(name) is not None for name in _PARAMETERS)

    def _caller(self, request: Request) -> str:
        try:
            return self.authenticator.caller(request.headers.getlist("authorization"))
        except Unauthenticated as error:
            raise RequestError(
                401,
                error.code,
                error.message,
                headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
            ) from None

    async def execute_operation(  # noqa: PLR0917 (Strawberry's signature)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: GatewayContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        # The one road to execution: refuse it to a caller `run` did not authenticate, should
        # Strawberry ever take a request `run` judged to be the IDE page to execution instead.
        if self.authenticator.required and context.caller == ANONYMOUS:
            raise RequestError(401, ErrorCode.UNAUTHENTICATED, "Authentication required.")
        try:
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):  # a mutation over GET
                raise RequestError(
                    405, ErrorCode.BAD_REQUEST, error.reason, headers={"Allow": "POST"}
                ) from None
            raise

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            data = self._query_parameters(request)
        else:
            if _media_type_of(request.content_type or "") != "application/json":
                raise RequestError(
                    415,
                    ErrorCode.BAD_REQUEST,
                    "Send the GraphQL request as `Content-Type: application/json`.",
                )
            data = self._json(await request.get_body(), "The request body")
            if not isinstance(data, dict):
                raise RequestError(
                    400,
                    ErrorCode.BAD_REQUEST,
                    "The request body must be a JSON object "
                    '(`{"query": ..., "variables": ...}`); batches are not supported.',
                )
        return self._request_data(data)

    def _query_parameters(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        params = request.query_params
        data: dict[str, Any] = {}
        for name in _PARAMETERS:
            values = params.getlist(name)  # type: ignore[attr-defined]  # a Starlette multi-dict
            if len(values) > 1:
                raise RequestError(
                    400, ErrorCode.BAD_REQUEST, f"The parameter `{name}` is given more than once."
                )
            if values:
                value = values[0]
                is_json = name in ("variables", "extensions")
                data[name] = self._json(value, f"`{name}`") if is_json and value else value
        return data

    def encode_json(self, data: object) -> bytes:
        """Answers are encoded with orjson: ~10x faster than `json.dumps` on a page of 100
        bookings (0.1 ms against 1.1 ms). Non-ASCII text is sent as UTF-8, not `\\u` escapes."""
        return orjson.dumps(data)

    def _json(self, text: str | bytes, what: str) -> Any:
        try:
            return self.decode_json(text)
        except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, nested too deep
            raise RequestError(400, ErrorCode.BAD_REQUEST, f"{what} is not valid JSON.") from None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # A request error (the document does not parse or validate, variables do not coerce):
        # nothing executed. In application/graphql-response+json that is a 400 with no `data`
        # entry; application/json keeps its 200 and `"data": null`.
        not_executed = result.data is None and all(e.path is None for e in result.errors or ())
        if _media_type.get() == GRAPHQL_RESPONSE and result.errors and not_executed:
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = _media_type.get()
        response.headers["content-type"] = media_type
        if media_type == GRAPHQL_RESPONSE and "data" not in response_data:
            response.status_code = 400
        return response

    def _request_data(self, data: dict[str, Any]) -> GraphQLRequestData:
        for name, kind, types in (
            ("query", "a string", (str,)),
            ("operationName", "a string", (str,)),
            ("variables", "an object", (dict,)),
            ("extensions", "an object", (dict,)),
            ("documentId", "a string", (str,)),
        ):
            if data.get(name) is not None and not isinstance(data[name], types):
                raise RequestError(400, ErrorCode.BAD_REQUEST, f"`{name}` must be {kind} or null.")
        problem = document_problem(data.get("query")) or variables_problem(data.get("variables"))
        if problem:
            raise RequestError(400, ErrorCode.BAD_USER_INPUT, problem)
        try:
            query = self.persisted.document(
                data.get("query"), data.get("documentId"), data.get("extensions")
            )
        except PersistedDocumentError as error:
            raise RequestError(400, error.code, error.message) from None
        return GraphQLRequestData(
            query=query,
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
        )

    def error_response(self, error: RequestError) -> Response:
        return Response(
            json.dumps(error_body(error.code, error.message)),
            status_code=error.status,
            media_type=_media_type.get(),
            headers=error.headers,
        )
