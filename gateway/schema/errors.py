"""Every GraphQL error the gateway returns carries `extensions.code`; this is the one place that
decides which.

    code                    raised for
    UNAUTHENTICATED         `Unauthenticated`: the request has no valid bearer token and tokens
                            are configured (HTTP 401, before anything executes: `gateway.auth`
                            raises it, `gateway.endpoint` answers it)
    BAD_REQUEST             the HTTP request is not a GraphQL request the gateway serves: a body
                            that is not a JSON object, a parameter given twice, another method
                            or content type, no query (HTTP 4xx, before anything executes)
    PERSISTED_QUERY_NOT_FOUND
                            the request names a persisted document the manifest does not hold
    PERSISTED_QUERY_NOT_SUPPORTED
                            the request names a persisted document and none are configured
    PERSISTED_QUERY_REQUIRED
                            GATEWAY_PERSISTED_ONLY, and the request sends its own document
                            (all three HTTP 400, before anything parses: `gateway.persisted`)
    BAD_USER_INPUT          `BadUserInput` (our validation, before any upstream call), a document
                            that does not parse or validate, an upstream 400/422
                            (`UpstreamInvalidRequest`); `extensions.fields` names the input fields
    NOT_FOUND               `NotFound`: a mutation names a booking or room that does not exist
    UPSTREAM_UNAVAILABLE    `UpstreamUnavailable` and its subclasses (timeout, unknown outcome);
                            `UpstreamListIncomplete`: a list answer may have left records out
    UPSTREAM_RATE_LIMITED   `UpstreamRateLimited`
    UPSTREAM_AUTH           `UpstreamAuthError`: the gateway's credentials were refused
    IDEMPOTENCY_UNAVAILABLE `IdempotencyUnavailable`: a create with an `idempotencyKey` while
                            the shared store of keys (Redis) is unreachable; nothing was created
    IDEMPOTENCY_KEY_IN_USE  `IdempotencyKeyInUse`: another request with the same `idempotencyKey`
                            is still running after this one waited for it; this one created
                            nothing. Retry with the same key once that one has finished: the key
                            then returns the booking it made
    BOOKING_CHANGE_IN_PROGRESS
                            `BookingChangeInProgress`: another change or cancel of the same
                            booking is still running after this one waited for it; this one
                            changed nothing. Retry once that one has finished
    INTERNAL_SERVER_ERROR   anything else: a bug. The message is masked; the log has the details.

`extensions.upstream` (`CAREHQ` / `BEDFUL`) is set whenever an upstream is involved.
Resolvers raise; they never build `GraphQLError`s themselves. A resolver that still has data to
return after a partial failure (`stays`) reports the failure with `report_partial_failure`.
The HTTP layer (below which this module sits) raises the same exceptions or names an
`ErrorCode`, and answers with `error_body`; no module but this one writes a code
(`tests/test_error_codes.py` checks).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.upstreams.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)

logger = logging.getLogger("gateway.errors")


@strawberry.enum(description="The value of `extensions.code` on every error the gateway returns.")
class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    BAD_REQUEST = "BAD_REQUEST"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_RATE_LIMITED = "UPSTREAM_RATE_LIMITED"
    UPSTREAM_AUTH = "UPSTREAM_AUTH"
    IDEMPOTENCY_UNAVAILABLE = "IDEMPOTENCY_UNAVAILABLE"
    IDEMPOTENCY_KEY_IN_USE = "IDEMPOTENCY_KEY_IN_USE"
    BOOKING_CHANGE_IN_PROGRESS = "BOOKING_CHANGE_IN_PROGRESS"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class GatewayError(Exception):
    """An error the gateway itself raises for the client to see, message and all."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(GatewayError):
    """Invalid arguments. `fields` maps each offending input field (GraphQL names, dotted for
    nested inputs: `input.rate`) to what is wrong with it."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, fields: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        fields = {name: list(problems) for name, problems in fields.items()}
        if message is None:
            message = "Invalid input: " + "; ".join(
                f"{name}: {', '.join(problems)}" for name, problems in fields.items()
            )
        super().__init__(message, fields=fields)
        self.fields = fields


class NotFound(GatewayError):
    code = ErrorCode.NOT_FOUND


class IdempotencyUnavailable(GatewayError):
    """The key of a create cannot be checked just now (see `gateway.schema.writes`)."""

    code = ErrorCode.IDEMPOTENCY_UNAVAILABLE


class IdempotencyKeyInUse(GatewayError):
    """Another request with the key of a create is still running (see `gateway.schema.writes`)."""

    code = ErrorCode.IDEMPOTENCY_KEY_IN_USE


class BookingChangeInProgress(GatewayError):
    """Another write of the same booking holds its lock (see `gateway.schema.writes`)."""

    code = ErrorCode.BOOKING_CHANGE_IN_PROGRESS


class UpstreamListIncomplete(GatewayError):
    """An upstream's list answer held as many records as the gateway asked for: there may be
    more than it returned (`extensions.upstream` names the upstream)."""

    code = ErrorCode.UPSTREAM_UNAVAILABLE


class Unauthenticated(GatewayError):
    """The request needs a valid bearer token and does not carry one; the message says why
    (never echoing what was sent). Raised by `gateway.auth` before anything executes."""

    code = ErrorCode.UNAUTHENTICATED


def error_body(code: ErrorCode, message: str) -> dict[str, Any]:
    """The JSON body of an error the HTTP layer answers before anything executes."""
    return {"errors": [{"message": message, "extensions": {"code": code.value}}]}


_INTERNAL_MESSAGE = (
    "Internal error. It has been logged; please report it with the time it happened."
)


# How graphql-core words the document errors that concern one argument or input field.
_FIELD_IN_MESSAGE = (
    re.compile(r"Field '(?:\w+\.)?(\w+)' of required type '[^']+' was not provided"),
    re.compile(r"Argument '(\w+)' of required type '[^']+' was not provided"),
    re.compile(r"at '[$\w]+(?:\[\d+\])*\.(?:[\w\[\]]+\.)*(\w+)(?:\[\d+\])*'"),
    re.compile(r"Field '(\w+)' is not defined by type '\w+Input'"),
    re.compile(r"to include required field '(\w+)'"),
)


def document_error_fields(message: str) -> dict[str, list[str]]:
    """`extensions.fields` for a GraphQL validation or coercion error (e.g. a required input
    field left out), so clients can point at the field whatever caught the mistake."""
    for pattern in _FIELD_IN_MESSAGE:
        if match := pattern.search(message):
            return {match.group(1): [message]}
    return {}


def error_extensions(error: BaseException | None, message: str = "") -> dict[str, Any]:
    """`extensions` for an exception raised while resolving (None: a parse/validation error)."""
    match error:
        case None:
            fields = document_error_fields(message)
            return {"code": ErrorCode.BAD_USER_INPUT.value} | ({"fields": fields} if fields else {})
        case GatewayError():
            return {"code": error.code.value, **error.extensions}
        case UpstreamError():
            return {"code": _upstream_code(error).value, "upstream": error.upstream.value} | (
                {"hint": error.hint}
                if isinstance(error, UpstreamInvalidRequest) and error.hint
                else {}
            )
        case _:
            return {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}


def _upstream_code(error: UpstreamError) -> ErrorCode:
    match error:
        case UpstreamInvalidRequest():
            return ErrorCode.BAD_USER_INPUT
        case UpstreamNotFound():
            return ErrorCode.NOT_FOUND
        case UpstreamRateLimited():
            return ErrorCode.UPSTREAM_RATE_LIMITED
        case UpstreamAuthError():
            return ErrorCode.UPSTREAM_AUTH
        case UpstreamUnavailable() | _:
            return ErrorCode.UPSTREAM_UNAVAILABLE


def report_partial_failure(info: strawberry.Info[Any, Any], error: Exception) -> None:
    """Adds `error` to the response's errors at this field's path, while the field keeps the
    data it has (e.g. `stays` when one of the two systems failed)."""
    info.context.partial_errors.append(
        GraphQLError(str(error), path=info.path.as_list(), original_error=error)
    )


class ErrorCodes(SchemaExtension):
    """Gives every error its `extensions.code`, adds reported partial failures, and masks the
    message of unexpected exceptions (which are logged with their traceback instead)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        partial: list[GraphQLError] = list(getattr(context, "partial_errors", ()))
        if result is None or not (getattr(result, "errors", None) or partial):
            return
        hide = self.execution_context.schema.config.disable_field_suggestions
        errors = [*(result.errors or []), *partial]
        result.errors = [_with_code(error, hide_suggestions=hide) for error in errors]


# graphql-core's suggestions: " Did you mean 'booking' or 'bookings'?" (names hold no "?").
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _with_code(error: GraphQLError, *, hide_suggestions: bool = False) -> GraphQLError:
    original = error.original_error
    if isinstance(original, GatewayError | UpstreamError):
        message, extensions = original.message, error_extensions(original)
    elif error.path is None or original is None or isinstance(original, GraphQLError):
        # The document or its variables (graphql-core wraps variable coercion problems, and a
        # scalar's own parse error, before anything executes): the client's mistake.
        message, extensions = error.message, error_extensions(None, error.message)
        if hide_suggestions:  # they spell out the schema that introspection would not show
            message = _SUGGESTION.sub("", message)
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        message, extensions = _INTERNAL_MESSAGE, error_extensions(original)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions={**(error.extensions or {}), **extensions},
    )
