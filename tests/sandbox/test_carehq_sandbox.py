"""The CareHQ sandbox as an HTTP server: verbs and paths, the rate limit, and `Emulator`'s
latency, faults and recording working through this app.
"""

from __future__ import annotations

import httpx
import pytest

from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.faults import FaultKind
from tests.sandbox.carehq_support import (
    NOW,
    Clock,
    booking_form,
    connect,
)
from tests.sandbox.signing import CareHQSigner


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/v1/bookings/69b29b8985f06fda012b2ff5"),
        ("POST", "/v1/bookings"),
        ("PATCH", "/v1/bookings"),
        ("PUT", "/v1/bookings/69b29b8985f06fda012b2ff5"),
        ("PUT", "/v1/rooms"),
        ("PATCH", "/v1/rooms/6617e6e408a01173cf89319d"),
    ],
)
async def test_other_verbs_are_a_405_with_a_hint(
    carehq_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await carehq_client.request(method, path)
    assert response.status_code == 405
    assert method in response.json()["hint"]


@pytest.mark.parametrize("path", ["/v1/residents", "/v2/rooms", "/v1/rooms/a/b", "/", "/rooms"])
async def test_unknown_paths_are_a_404(carehq_client: httpx.AsyncClient, path: str) -> None:
    response = await carehq_client.get(path)
    assert response.status_code == 404
    assert response.json()["hint"]


async def test_rate_limit_headers_are_on_every_answer(carehq_clock: Clock) -> None:
    limited = CareHQSandbox(clock=carehq_clock, rate_limit_per_second=50)
    carehq_clock.now += 0.25
    async with connect(limited, CareHQSigner(clock=carehq_clock)) as http:
        answers = [
            await http.get("/v1/rooms"),  # 200
            await http.get("/v1/rooms/0123456789abcdef01234567"),  # 404
            await http.get("/v1/bookings", params={"page": "0"}),  # 400
            await http.get(
                "/v1/bookings", auth=CareHQSigner(clock=carehq_clock, secret="x")
            ),  # 401
        ]
    assert [a.status_code for a in answers] == [200, 404, 400, 401]
    for used, answer in enumerate(answers, start=1):
        assert answer.headers["X-CareHQ-RateLimit-Limit"] == "50"
        assert answer.headers["X-CareHQ-RateLimit-Remaining"] == str(50 - used)
        assert float(answer.headers["X-CareHQ-RateLimit-Reset"]) == NOW + 1


async def test_over_the_limit_is_a_429_until_the_next_second(carehq_clock: Clock) -> None:
    limited = CareHQSandbox(clock=carehq_clock, rate_limit_per_second=3)
    async with connect(limited, CareHQSigner(clock=carehq_clock)) as http:
        statuses = [(await http.get("/v1/rooms")).status_code for _ in range(3)]
        refused = await http.get("/v1/rooms")
        carehq_clock.now += 1
        again = await http.get("/v1/rooms")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["hint"]
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-CareHQ-RateLimit-Remaining"] == "0"
    assert float(refused.headers["X-CareHQ-RateLimit-Reset"]) == NOW + 1
    assert again.status_code == 200
    assert again.headers["X-CareHQ-RateLimit-Remaining"] == "2"


async def test_latency_delays_every_answer(carehq_clock: Clock) -> None:
    slow = CareHQSandbox(clock=carehq_clock, latency_ms=60)
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    slow.sleep = wait
    async with connect(slow, CareHQSigner(clock=carehq_clock)) as http:
        responses = [await http.get("/v1/rooms"), await http.get("/v1/rooms/missing")]
    assert [response.status_code for response in responses] == [200, 404]
    assert waits == [0.06, 0.06]  # before each answer


async def test_a_slow_fault_delays_then_answers(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    carehq.sleep = wait
    carehq.inject(FaultKind.SLOW, delay_ms=60, times=1)
    responses = [await carehq_client.get("/v1/rooms"), await carehq_client.get("/v1/rooms")]
    assert [response.status_code for response in responses] == [200, 200]
    assert waits == [0.06]  # once: the fault was for one request


async def test_an_error_fault_answers_a_non_json_5xx(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    carehq.inject(FaultKind.ERROR, status=502, methods=["PUT"])
    assert (await carehq_client.get("/v1/rooms")).status_code == 200
    response = await carehq_client.put("/v1/bookings", data=booking_form(carehq.store))
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"


async def test_a_malformed_fault_answers_200_with_broken_json(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    carehq.inject(FaultKind.MALFORMED, times=1)
    response = await carehq_client.get("/v1/bookings")
    assert response.status_code == 200
    with pytest.raises(ValueError, match="Expecting"):
        response.json()


async def test_a_down_fault_refuses_the_connection(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    carehq.inject(FaultKind.DOWN, times=1)
    with pytest.raises(httpx.ConnectError):
        await carehq_client.get("/v1/rooms")
    assert carehq.refused == 1
    assert (await carehq_client.get("/v1/rooms")).status_code == 200


async def test_requests_are_recorded_with_repeated_params(
    carehq_client: httpx.AsyncClient, carehq: CareHQSandbox
) -> None:
    await carehq_client.get(
        "/v1/bookings", params={"attributes": ["rate", "room"], "filters-q": "x"}
    )
    [call] = carehq.calls("GET", "/v1/bookings")
    assert call.params_of("attributes") == ["rate", "room"]
    assert call.header("X-CareHQ-Signature-Version") == "2.0"
