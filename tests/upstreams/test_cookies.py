"""The shared upstream clients keep no cookie an upstream (or a proxy in front of it) sets, so
nothing of one caller's call is ever sent with another's (`gateway.upstreams.cookies`)."""

from __future__ import annotations

import httpx
import pytest

from gateway.upstreams.bedful import bedful_http_client
from gateway.upstreams.carehq.auth import CareHQSignature, carehq_http_client

TIMEOUTS = httpx.Timeout(5.0)


def clients(transport: httpx.MockTransport) -> list[httpx.AsyncClient]:
    signature = CareHQSignature("account", "key", "secret")
    return [
        carehq_http_client(
            "https://api.carehq.test", signature, transport=transport, timeouts=TIMEOUTS
        ),
        bedful_http_client(
            "https://api.bedful.test", "key", transport=transport, timeouts=TIMEOUTS
        ),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["carehq", "bedful"])
async def test_a_cookie_an_upstream_sets_is_never_sent_back(which: int) -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(
            200,
            json={},
            headers=[
                ("set-cookie", "session=caller-a; Path=/"),
                ("set-cookie", f"lb=node-1; Domain={request.url.host}; Path=/; Secure"),
            ],
        )

    client = clients(httpx.MockTransport(answer))[which]
    async with client:
        for _ in range(3):
            response = await client.get("/v1/bookings")
            assert response.headers.get_list("set-cookie")  # the upstream did set them
        assert len(client.cookies.jar) == 0
    assert seen == [None, None, None]
