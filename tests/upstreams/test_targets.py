"""Request URLs built once per distinct path and params, and exactly as httpx builds them."""

from __future__ import annotations

import httpx
import pytest

from gateway.upstreams.targets import Targets


async def test_the_same_question_reuses_its_url_and_each_url_is_httpxs() -> None:
    async with httpx.AsyncClient(base_url="https://up.test/carehq") as http:
        targets = Targets(http, size=3)
        questions = [("/v1/bookings", (("page", str(n)),)) for n in range(5)]
        for path, params in [*questions, *questions]:
            url, rest = targets.resolve(path, params)
            assert rest is None
            assert url == http.build_request("GET", path, params=params).url
        assert len(targets) == 3  # bounded: the oldest went first
        first, _ = targets.resolve("/v1/bookings", (("page", "4"),))
        again, _ = targets.resolve("/v1/bookings", (("page", "4"),))
        assert first is again


async def test_a_changed_base_url_drops_the_urls_built_on_the_old_one() -> None:
    async with httpx.AsyncClient(base_url="https://up.test") as http:
        targets = Targets(http)
        before, _ = targets.resolve("/bookings", None)
        http.base_url = httpx.URL("https://other.test/v2/")
        after, _ = targets.resolve("/bookings", None)
        assert (str(before), str(after)) == (
            "https://up.test/bookings",
            "https://other.test/v2/bookings",
        )
        assert len(targets) == 1


@pytest.mark.parametrize(
    ("base", "path", "client_params"),
    [
        ("https://up.test/a?key=1", "/bookings", None),  # a base URL with a query
        ("https://up.test", "/bookings?page=1", None),  # a path with its own query
        ("https://up.test", "bookings", None),  # a relative path
        ("https://up.test", "/bookings", {"key": "k"}),  # client-wide params
        ("", "/bookings", None),  # no base URL
    ],
)
async def test_what_httpx_reads_differently_is_left_to_httpx(
    base: str, path: str, client_params: dict[str, str] | None
) -> None:
    async with httpx.AsyncClient(base_url=base, params=client_params) as http:
        targets = Targets(http)
        assert targets.resolve(path, (("page", "2"),)) == (path, (("page", "2"),))
        assert len(targets) == 0
