"""What every mutation shares: idempotent creates, and the errors of writes as a frontend needs
them.

* An upstream's 400/422 becomes `BAD_USER_INPUT` whose `extensions.fields` uses OUR input field
  names: each upstream argument name is camelCased (`service_user` -> `serviceUser`) when that
  names one of the mutation's input fields, and kept as it came otherwise. No upstream name is
  written down here.
* A write whose outcome is unknown (`WriteOutcomeUnknown`: a timeout or a dropped connection
  after the request left) stays `UPSTREAM_UNAVAILABLE`, with a message that says what is safe to
  do next: retry with the same `idempotencyKey` (creates), or simply retry (cancel, update: the
  gateway reads before it writes, or the change is absolute).
* `create_once` runs a create through `gateway.idempotency.run_once` when the caller sent a key.
  If the shared store of keys (Redis) is unreachable, a keyed create is refused with
  `IDEMPOTENCY_UNAVAILABLE` before anything is sent: booking without the key check could book
  twice. Creates without a key go on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import strawberry
from strawberry.types.base import get_object_definition

from gateway.idempotency import (
    WAIT_FOR_IN_FLIGHT_SECONDS,
    IdempotencyKeyBusy,
    IdempotencyKeyReused,
    IdempotencyStoreUnavailable,
    run_once,
)
from gateway.locks import LockBusy
from gateway.schema.errors import (
    BadUserInput,
    BookingChangeInProgress,
    IdempotencyKeyInUse,
    IdempotencyUnavailable,
)
from gateway.schema.validation import Problems
from gateway.upstreams.errors import (
    Upstream,
    UpstreamInvalidRequest,
    WriteOutcomeUnknown,
)

R = TypeVar("R")

MAX_IDEMPOTENCY_KEY_LENGTH = 255

IDEMPOTENCY_KEY_DESCRIPTION = (
    "Optional, up to 255 characters; use a fresh random value (a UUID) per booking the user "
    "means to make. Sending the same key again with the same input returns the booking the "
    "first call made (its current state) instead of creating another one, also while the first "
    "call is still running (should it still run after "
    f"{WAIT_FOR_IN_FLIGHT_SECONDS:g} s, the error is "
    "`IDEMPOTENCY_KEY_IN_USE`: retry with the same key once it has finished); the same key "
    "with different input is a `BAD_USER_INPUT` error "
    "naming `idempotencyKey`. Keys are remembered for 24 hours, per caller (API token). "
    "When a create fails with `UPSTREAM_UNAVAILABLE` because its outcome is unknown, "
    "retrying with the same key is safe: the gateway first looks for the booking the failed "
    "call may have made."
)

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def camel_case(name: str) -> str:
    """`service_user` -> `serviceUser`; anything that is not snake_case comes back unchanged."""
    if not _SNAKE.fullmatch(name):
        return name
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def input_field_names(*input_types: type) -> frozenset[str]:
    """The GraphQL names of the fields of these `@strawberry.input` classes."""
    names: set[str] = set()
    for input_type in input_types:
        definition = get_object_definition(input_type, strict=True)
        names.update(f.graphql_name or camel_case(f.python_name) for f in definition.fields)
    return frozenset(names)


def field_errors(arg_errors: dict[str, list[str]], known: Iterable[str]) -> dict[str, list[str]]:
    """Upstream argument errors keyed by our field names (see the module docstring)."""
    known = frozenset(known)
    fields: dict[str, list[str]] = {}
    for name, messages in arg_errors.items():
        ours = camel_case(name)
        fields.setdefault(ours if ours in known else name, []).extend(messages)
    return fields


def rejected(error: UpstreamInvalidRequest, known: Iterable[str]) -> BadUserInput:
    """The `BAD_USER_INPUT` error for an upstream's 400/422, with `extensions.upstream`."""
    fields = field_errors(error.arg_errors, known)
    message = f"{error.upstream.label} rejected the input"
    if fields:
        message += ": " + "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
    elif error.hint:
        message += f": {error.hint}"
    else:
        message += f" ({error.upstream.label} does not say which field)"
    bad = BadUserInput(fields, message=message)
    bad.extensions["upstream"] = error.upstream.value
    return bad


def outcome_unknown(upstream: Upstream, what: str, advice: str) -> WriteOutcomeUnknown:
    return WriteOutcomeUnknown(
        upstream,
        f"{upstream.label} did not confirm {what}: the outcome is unknown. {advice}",
    )


@asynccontextmanager
async def one_at_a_time(
    info: strawberry.Info[Any, Any], upstream: Upstream, record: str
) -> AsyncIterator[None]:
    """Holds `record`'s write lock (every process, with Redis): a cancel reads and writes under
    it, so of two cancels arriving together only the first writes."""
    try:
        async with info.context.upstreams.locks.hold(f"{upstream.value.lower()}:{record}"):
            yield
    except LockBusy as error:
        raise BookingChangeInProgress(
            f"Another change of this {upstream.label} booking is still running; this one "
            "changed nothing. Retry once it has finished.",
            upstream=upstream.value,
        ) from error


def check_idempotency_key(problems: Problems, key: str | None) -> str | None:
    """The key to use (None: the caller sent none)."""
    if key is None or key is strawberry.UNSET:
        return None
    problems.not_blank("idempotencyKey", key)
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        problems.add("idempotencyKey", f"must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    return key


async def create_once(
    info: strawberry.Info[Any, Any],
    *,
    upstream: Upstream,
    scope: str,
    key: str | None,
    payload: Any,
    create: Callable[[], Awaitable[R]],
    fetch: Callable[[str], Awaitable[R]],
    reconcile: Callable[[float], Awaitable[R | None]],
    record_id: Callable[[R], str],
    known_fields: Iterable[str],
) -> R:
    """Runs `create` (at most once per key when `key` is given) and translates its failures.

    `payload` is what makes two requests "the same input": the upstream create without the key.
    """
    try:
        if key is None:
            return await create()
        return await run_once(
            info.context.idempotency,
            scope=f"{scope}/{info.context.caller}",  # one caller's keys never meet another's
            key=key,
            payload=payload,
            create=create,
            fetch=fetch,
            reconcile=reconcile,
            record_id=record_id,
            unknown=WriteOutcomeUnknown,
        )
    except UpstreamInvalidRequest as error:
        raise rejected(error, known_fields) from error
    except IdempotencyKeyReused as error:
        raise BadUserInput(
            {"idempotencyKey": ["was already used with different input; use a new key"]}
        ) from error
    except IdempotencyStoreUnavailable as error:
        raise IdempotencyUnavailable(
            "The gateway cannot check idempotencyKey just now (its shared store is "
            "unreachable), so nothing was created. Retry with the same key in a few seconds."
        ) from error
    except IdempotencyKeyBusy as error:
        raise IdempotencyKeyInUse(
            f"Another request with this idempotencyKey is still running (waiting for "
            f"{upstream.label}), so this one created nothing. Retry with the same key once it "
            "has finished: the same key then returns the booking it made."
        ) from error
    except WriteOutcomeUnknown as error:
        advice = (
            "Retrying with the same idempotencyKey is safe: the gateway looks for the booking "
            "before creating it again."
            if key is not None
            else "Retrying may create a second booking: look for it first (no idempotencyKey "
            "was sent)."
        )
        raise outcome_unknown(upstream, "the new booking", advice) from error
