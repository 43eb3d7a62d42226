"""`/_sandbox`: fault injection and call inspection for the standalone `gateway sandbox` server.

    POST   /_sandbox/{carehq|bedful}/faults    {"kind": "slow", "delay_ms": 2000, "times": 1}
    DELETE /_sandbox/{carehq|bedful}/faults    clears them
    GET    /_sandbox/{carehq|bedful}/requests  the recent requests (method, path, params, arrival
                                               `at` and answer start `answered_at` in seconds on
                                               the sandbox's monotonic clock, answer `status`;
                                               no bodies)
    GET    /_sandbox/stats                     {"carehq": <requests so far>, "bedful": <...>}

`{carehq|bedful}` is any name in `Sandbox.emulators`: an emulator added there is served here too.

In-process users (the tests, the embedded gateway) call `Emulator.inject` directly instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.sandbox.faults import FaultKind

if TYPE_CHECKING:
    from gateway.sandbox import Sandbox


def admin_routes(sandbox: Sandbox) -> list[BaseRoute]:
    unknown = {"error": f"unknown upstream; use {' or '.join(sandbox.emulators)}"}

    def emulator_of(request: Request) -> Any:
        return sandbox.emulators.get(request.path_params["system"])

    async def faults(request: Request) -> Response:
        emulator = emulator_of(request)
        if emulator is None:
            return JSONResponse(unknown, 404)
        if request.method == "DELETE":
            emulator.clear_faults()
            return Response(status_code=204)
        try:
            spec = await request.json()
            fault = emulator.inject(
                FaultKind(spec["kind"]),
                status=int(spec.get("status", 503)),
                delay_ms=int(spec.get("delay_ms", 0)),
                retry_after=float(spec.get("retry_after", 1.0)),
                methods=spec.get("methods"),
                times=spec.get("times"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            kinds = ", ".join(kind.value for kind in FaultKind)
            return JSONResponse({"error": f"bad fault ({exc!s}); kind is one of {kinds}"}, 400)
        return JSONResponse({"kind": fault.kind.value, "times": fault.times}, 201)

    async def requests(request: Request) -> Response:
        emulator = emulator_of(request)
        if emulator is None:
            return JSONResponse(unknown, 404)
        return JSONResponse(
            [
                # `at`: arrival on this process's monotonic clock (seconds), for rate checks
                {
                    "method": r.method,
                    "path": r.path,
                    "params": r.params,
                    "at": r.at,
                    "status": r.status,
                    "answered_at": r.answered_at,
                }
                for r in emulator.requests
            ]
        )

    async def stats(_: Request) -> Response:
        return JSONResponse(sandbox.stats())

    return [
        Route("/stats", stats, methods=["GET"]),
        Route("/{system}/faults", faults, methods=["POST", "DELETE"]),
        Route("/{system}/requests", requests, methods=["GET"]),
    ]
