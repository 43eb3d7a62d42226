"""Faithful emulators of the CareHQ and Bedful APIs, written from the vendors' docs.

`Sandbox` holds one emulator of each upstream. It is the embedded default of `gateway serve`
(no upstream configured: the gateway talks to it in-process through `Sandbox.transport`), the
standalone server of `gateway sandbox` (`Sandbox.app`: CareHQ under `/carehq`, Bedful under
`/bedful`, fault injection under `/_sandbox`), and what the tests run against.
"""

from __future__ import annotations

from typing import Literal

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from gateway.sandbox.admin import admin_routes
from gateway.sandbox.bedful import BedfulSandbox
from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.common import Emulator
from gateway.sandbox.faults import FaultKind
from gateway.sandbox.recording import RecordedRequest

__all__ = ["BedfulSandbox", "CareHQSandbox", "FaultKind", "RecordedRequest", "Sandbox"]

System = Literal["carehq", "bedful"]


class Sandbox:
    """Both emulated upstreams, seeded deterministically (same seed, same data).

    Faithful by default. For benchmarks only: `rate_limits=False` lifts every rate limit (CareHQ's
    and Bedful's), `bedful_rate_limits=False` only Bedful's, and `signature_check=False` lets
    unsigned CareHQ requests in (for a peer such as GraphQL Mesh, which cannot sign).
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        latency_ms: int = 0,
        rate_limits: bool = True,
        bedful_rate_limits: bool = True,
        signature_check: bool = True,
    ) -> None:
        self.carehq = CareHQSandbox(
            seed=seed,
            latency_ms=latency_ms,
            rate_limits=rate_limits,
            signature_check=signature_check,
        )
        self.bedful = BedfulSandbox(
            seed=seed, latency_ms=latency_ms, rate_limits=rate_limits and bedful_rate_limits
        )
        self.emulators: dict[System, Emulator] = {"carehq": self.carehq, "bedful": self.bedful}
        """Every emulator by its name: its mount point (`/carehq`) and its `/_sandbox/<name>`."""

    def stats(self) -> dict[str, int]:
        """Requests each emulated upstream has seen since it started."""
        return {name: emulator.seen for name, emulator in self.emulators.items()}

    def emulator(self, system: System) -> Emulator:
        return self.emulators[system]

    def transport(self, system: System) -> httpx.AsyncBaseTransport:
        """In-process transport to one emulator (refused connections emulated as ConnectError)."""
        return self.emulator(system).transport()

    def app(self) -> Starlette:
        """The standalone HTTP server of `gateway sandbox`."""
        return Starlette(
            routes=[
                *(Mount(f"/{name}", app=emulator) for name, emulator in self.emulators.items()),
                Mount("/_sandbox", routes=admin_routes(self)),
            ]
        )
