"""`/_sandbox` of `gateway sandbox`: faults and recorded requests of each emulator, by its name."""

from __future__ import annotations

import httpx

from gateway.sandbox import Sandbox


async def test_faults_and_requests_are_per_emulator_and_unknown_names_are_404() -> None:
    sandbox = Sandbox(rate_limits=False, signature_check=False)
    transport = httpx.ASGITransport(app=sandbox.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        fault = {"kind": "error", "status": 503, "times": 1}
        assert (await http.post("/_sandbox/carehq/faults", json=fault)).status_code == 201
        assert (await http.get("/carehq/v1/rooms")).status_code == 503
        assert (await http.get("/carehq/v1/rooms")).status_code == 200
        assert (await http.get("/bedful/bookings/3100000")).status_code == 401  # no key

        carehq = (await http.get("/_sandbox/carehq/requests")).json()
        bedful = (await http.get("/_sandbox/bedful/requests")).json()
        assert [(r["path"], r["status"]) for r in carehq] == [
            ("/v1/rooms", 503),
            ("/v1/rooms", 200),
        ]
        assert [(r["path"], r["status"]) for r in bedful] == [("/bookings/3100000", 401)]

        for method, path in (("POST", "faults"), ("DELETE", "faults"), ("GET", "requests")):
            answer = await http.request(method, f"/_sandbox/acme/{path}", json=fault)
            assert answer.status_code == 404
            assert answer.json() == {"error": "unknown upstream; use carehq or bedful"}
