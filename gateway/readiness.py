"""`GET /readyz`: whether this process can serve, for a load balancer or an orchestrator.

What recent upstream calls taught the clients (`gateway.upstreams.health`), with a probe only when
they are older than `GATEWAY_READINESS_INTERVAL_SECONDS`, and one at a time: `/readyz` is open to
anyone, and Bedful's budget is shared by every user. With `GATEWAY_REDIS_URL`, Redis is pinged
too; it only degrades the gateway, so it never makes `/readyz` fail. Reasons are short and
secret-free: an exception's class and our own message.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from gateway.context import Upstreams
from gateway.shared.connection import SharedStateUnavailable
from gateway.upstreams.errors import UpstreamError

__all__ = ["READINESS_TIMEOUT_SECONDS", "readyz"]

READINESS_TIMEOUT_SECONDS = 5.0


async def readyz(request: Request) -> JSONResponse:
    """200 when both upstreams are reachable, 503 otherwise; the body says why, per part."""
    upstreams: Upstreams = request.app.state.upstreams
    carehq, bedful = await asyncio.gather(
        upstreams.carehq.health.check(), upstreams.bedful.health.check()
    )
    body: dict[str, Any] = {"carehq": carehq.reason, "bedful": bedful.reason}
    if upstreams.shared is not None:  # our own Redis: no shared budget to spend
        (redis,) = await asyncio.gather(
            asyncio.wait_for(upstreams.shared.ping(), READINESS_TIMEOUT_SECONDS),
            return_exceptions=True,
        )
        body["redis"] = _readiness(redis)
    # Redis down degrades the gateway (no cache, keyed creates refused, a smaller Bedful share)
    # but it still serves: taking every replica out of the load balancer at once over it would
    # turn a degradation into an outage. The body says so.
    ready = carehq.ok and bedful.ok
    return JSONResponse(body, status_code=200 if ready else 503)


def _readiness(result: object) -> str:
    """A short, secret-free reason: the exception class and our own message only."""
    match result:
        case None:
            return "ok"
        case UpstreamError():
            return f"unavailable: {type(result).__name__}: {result.message}"
        case SharedStateUnavailable():
            return "unavailable: reads go on without it; creates with an idempotencyKey are refused"
        case TimeoutError():
            return f"unavailable: no answer within {READINESS_TIMEOUT_SECONDS:g} s"
        case _:
            return f"unavailable: {type(result).__name__}"
