"""The shared send loop: deadline, retries, and the status -> error table."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime as http_date
from typing import Any

import httpx
import pytest

from gateway.upstreams.errors import (
    Upstream,
    UpstreamAuthError,
    UpstreamError,
    UpstreamInvalidRequest,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    WriteOutcomeUnknown,
)
from gateway.upstreams.exchange import UpstreamHTTPClient
from gateway.upstreams.http import Sender
from gateway.upstreams.statuses import parse_hint_and_arg_errors, retry_after_seconds

from .builders import Reply, Script

SenderFactory = Callable[..., Sender]


class Sleeps:
    """Records backoff sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def upstream_client(transport: httpx.MockTransport) -> httpx.AsyncClient:
    """What the upstreams use: attempts go to the transport through `exchange`."""
    return UpstreamHTTPClient(
        "https://up.test", httpx.Auth(), transport=transport, timeouts=httpx.Timeout(5.0)
    )


def plain_client(transport: httpx.MockTransport) -> httpx.AsyncClient:
    """Any other client: attempts go through `AsyncClient.send`."""
    return httpx.AsyncClient(base_url="https://up.test", transport=transport)


@pytest.fixture(params=[upstream_client, plain_client], ids=["upstream-client", "plain-client"])
async def sender(
    request: pytest.FixtureRequest,
) -> AsyncIterator[SenderFactory]:
    """Every case runs on both ways of sending: they must behave alike."""
    opened: list[httpx.AsyncClient] = []
    client: Callable[[httpx.MockTransport], httpx.AsyncClient] = request.param

    def make(script: Script, **kwargs: Any) -> Sender:
        http = client(httpx.MockTransport(script))
        opened.append(http)
        kwargs.setdefault("upstream", Upstream.CAREHQ)
        kwargs.setdefault("timeout", 2.0)
        kwargs.setdefault("parse_error_body", parse_hint_and_arg_errors)
        kwargs.setdefault("sleep", Sleeps())
        return Sender(http, **kwargs)

    yield make
    for http in opened:
        await http.aclose()


def raw(payload: object) -> object:
    return payload


# -- retries -------------------------------------------------------------------------------


async def test_get_is_retried_on_503_then_succeeds(sender: SenderFactory) -> None:
    script = Script(Reply(503), Reply(json={"ok": True}))
    sleeps = Sleeps()
    assert await sender(script, sleep=sleeps).call("GET", "/x", raw) == {"ok": True}
    assert script.count == 2
    assert len(sleeps.seconds) == 1
    assert 0 <= sleeps.seconds[0] <= 0.1  # full jitter over the first backoff step


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
async def test_get_is_retried_when_no_answer_came(
    sender: SenderFactory, failure: Exception
) -> None:
    script = Script(failure, Reply(json=[]))
    assert await sender(script).call("GET", "/x", raw) == []
    assert script.count == 2


async def test_get_retries_are_bounded(sender: SenderFactory) -> None:
    script = Script(Reply(502))
    with pytest.raises(UpstreamUnavailable) as caught:
        await sender(script, max_get_retries=2).call("GET", "/x", raw)
    assert script.count == 3
    assert caught.value.status == 502
    assert type(caught.value) is UpstreamUnavailable


async def test_backoff_never_sleeps_past_the_deadline(sender: SenderFactory) -> None:
    script = Script(Reply(503))
    sleeps = Sleeps()
    client = sender(script, timeout=0.5, backoff_base=10.0, jitter=lambda: 1.0, sleep=sleeps)
    with pytest.raises(UpstreamUnavailable):
        await client.call("GET", "/x", raw)
    assert script.count == 1
    assert sleeps.seconds == []


async def test_exponential_backoff_with_full_jitter(sender: SenderFactory) -> None:
    sleeps = Sleeps()
    client = sender(Script(Reply(503)), max_get_retries=4, jitter=lambda: 1.0, sleep=sleeps)
    with pytest.raises(UpstreamUnavailable):
        await client.call("GET", "/x", raw)
    assert sleeps.seconds == [0.1, 0.2, 0.4, 0.8]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_writes_are_never_retried(sender: SenderFactory, method: str) -> None:
    script = Script(Reply(503), Reply(json={}))
    with pytest.raises(UpstreamUnavailable) as caught:
        await sender(script).call(method, "/x", raw, data={"a": "b"})
    assert script.count == 1
    assert not isinstance(caught.value, WriteOutcomeUnknown)  # a 503 applied nothing


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("no answer"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteTimeout("stalled"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_write_without_an_answer_has_an_unknown_outcome(
    sender: SenderFactory, method: str, failure: Exception
) -> None:
    script = Script(failure)
    with pytest.raises(WriteOutcomeUnknown, match="outcome is unknown"):
        await sender(script).call(method, "/x", raw, json={"a": 1})
    assert script.count == 1


async def test_write_that_could_not_connect_is_plainly_unavailable(sender: SenderFactory) -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(UpstreamUnavailable) as caught:
        await sender(script).call("POST", "/x", raw, json={})
    assert not isinstance(caught.value, WriteOutcomeUnknown)
    assert script.count == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_write_through_a_failed_gateway_has_an_unknown_outcome(
    sender: SenderFactory, status: int
) -> None:
    with pytest.raises(WriteOutcomeUnknown):
        await sender(Script(Reply(status))).call("PUT", "/x", raw, data={})


# -- 429 -----------------------------------------------------------------------------------


async def test_get_429_waits_retry_after_then_retries(sender: SenderFactory) -> None:
    script = Script(Reply(429, headers={"Retry-After": "1.5"}), Reply(json={"ok": 1}))
    sleeps = Sleeps()
    assert await sender(script, sleep=sleeps).call("GET", "/x", raw) == {"ok": 1}
    assert script.count == 2
    assert sleeps.seconds == [1.5]


async def test_429_that_does_not_fit_the_deadline_is_rate_limited(sender: SenderFactory) -> None:
    script = Script(Reply(429, headers={"Retry-After": "30"}))
    sleeps = Sleeps()
    with pytest.raises(UpstreamRateLimited) as caught:
        await sender(script, timeout=2.0, sleep=sleeps).call("GET", "/x", raw)
    assert caught.value.retry_after == 30
    assert script.count == 1
    assert sleeps.seconds == []


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    later = http_date(now + timedelta(seconds=120), usegmt=True)
    assert retry_after_seconds(later, now=now) == 120


# -- the deadline --------------------------------------------------------------------------


async def test_a_slow_upstream_times_out_at_the_deadline(sender: SenderFactory) -> None:
    script = Script(Reply(json={}, delay=5.0))
    with pytest.raises(UpstreamTimeout) as caught:
        await sender(script, timeout=0.2).call("GET", "/x", raw)
    assert script.cut_off == [0]  # given up on at the deadline, not after the 5 s answer
    assert "0.2 s" in caught.value.message


async def test_a_slow_write_times_out_with_an_unknown_outcome(sender: SenderFactory) -> None:
    script = Script(Reply(json={}, delay=5.0))
    with pytest.raises(WriteOutcomeUnknown):
        await sender(script, timeout=0.2).call("POST", "/x", raw, json={})
    assert script.cut_off == [0]


async def test_the_deadline_covers_all_attempts(sender: SenderFactory) -> None:
    """Each attempt takes 0.15 s and fails: the deadline, not the retry budget, ends it, by
    cutting off the attempt in flight."""
    script = Script(Reply(503, delay=0.15))
    client = sender(script, timeout=0.3, max_get_retries=10, jitter=lambda: 0.0)
    with pytest.raises(UpstreamTimeout):
        await client.call("GET", "/x", raw)
    assert script.count <= 3
    assert script.cut_off == [script.count - 1]


# -- answers -> errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, UpstreamInvalidRequest),
        (422, UpstreamInvalidRequest),
        (401, UpstreamAuthError),
        (403, UpstreamAuthError),
        (404, UpstreamNotFound),
        (405, UpstreamUnavailable),  # only CareHQ's client treats 405 as a permission error
        (409, UpstreamUnavailable),
        (429, UpstreamRateLimited),
        (500, UpstreamUnavailable),
        (503, UpstreamUnavailable),
        (302, UpstreamUnavailable),
    ],
)
async def test_status_maps_to_its_error(
    sender: SenderFactory, status: int, error: type[UpstreamError]
) -> None:
    with pytest.raises(error) as caught:
        await sender(Script(Reply(status)), max_get_retries=0).call("GET", "/x", raw)
    assert type(caught.value) is error
    assert caught.value.upstream is Upstream.CAREHQ
    assert caught.value.status == status


async def test_error_body_that_is_not_json_is_tolerated(sender: SenderFactory) -> None:
    script = Script(Reply(400, content=b"<html>Bad Request for Jane Doe</html>"))
    with pytest.raises(UpstreamInvalidRequest) as caught:
        await sender(script).call("GET", "/x", raw)
    assert caught.value.hint is None
    assert caught.value.arg_errors == {}
    assert "Jane" not in caught.value.message


async def test_404_hint_is_kept(sender: SenderFactory) -> None:
    with pytest.raises(UpstreamNotFound) as caught:
        await sender(Script(Reply(404, json={"hint": "No such booking"}))).call("GET", "/x", raw)
    assert caught.value.hint == "No such booking"


def test_arg_errors_are_normalised_to_lists_of_strings() -> None:
    details = parse_hint_and_arg_errors(b'{"arg_errors": {"rate": "Required.", "room": [1]}}')
    assert details.hint is None
    assert details.arg_errors == {"rate": ["Required."], "room": ["1"]}
    assert parse_hint_and_arg_errors(b'["not", "an", "object"]').arg_errors == {}


async def test_a_success_that_is_not_json_is_unavailable(sender: SenderFactory) -> None:
    with pytest.raises(UpstreamUnavailable, match="not JSON"):
        await sender(Script(Reply(200, content=b"<html>"))).call("GET", "/x", raw)
    with pytest.raises(WriteOutcomeUnknown):
        await sender(Script(Reply(200, content=b"<html>"))).call("PUT", "/x", raw, data={})


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": [1, 2',  # cut off
        b'{"rate": NaN}',  # not JSON, though Python's json module reads it
        b'{"rate": 1e400}',  # a number past a double's range
        '{"name": "caf\u00e9"}'.encode("utf-16"),  # JSON must be UTF-8
        b'{"name": "\xff"}',  # nor is this UTF-8
    ],
)
async def test_a_success_whose_body_is_not_utf8_json_is_unavailable(
    sender: SenderFactory, body: bytes
) -> None:
    with pytest.raises(UpstreamUnavailable, match="not JSON"):
        await sender(Script(Reply(200, content=body))).call("GET", "/x", raw)


async def test_a_json_success_is_decoded_as_sent(sender: SenderFactory) -> None:
    body = '  {"name": "Café \u00bd", "rate": -9223372036854775808, "ok": true, "x": null}\n'
    payload = await sender(Script(Reply(200, content=body.encode()))).call("GET", "/x", raw)
    assert payload == {"name": "Café ½", "rate": -(2**63), "ok": True, "x": None}


async def test_an_empty_success_parses_as_none(sender: SenderFactory) -> None:
    assert await sender(Script(Reply(204))).call("PATCH", "/x", raw, data={}) is None


async def test_parse_failure_is_unavailable(sender: SenderFactory) -> None:
    def strict(payload: object) -> int:
        assert isinstance(payload, dict)
        return int(payload["n"])

    with pytest.raises(UpstreamUnavailable, match="unexpected shape"):
        await sender(Script(Reply(json={"n": "x"}))).call("GET", "/x", strict)
    with pytest.raises(WriteOutcomeUnknown):
        await sender(Script(Reply(json={}))).call("POST", "/x", strict, json={})


# -- the request's URL ------------------------------------------------------------------------

URL_CASES = [
    ("https://up.test", "/v1/bookings", None),
    ("https://up.test/carehq", "/v1/bookings", ()),
    ("http://127.0.0.1:8100/carehq/", "/v1/rooms/abc_-1", (("page", "1"), ("per_page", "10"))),
    (
        "https://up.test/api",
        "/bookings",
        (("filters-ids", "a"), ("filters-ids", "b"), ("q", "tea & biscuits=½ 100%/?#")),
    ),
    ("https://up.test/a?key=1", "/bookings", (("page", "2"),)),  # base with a query: httpx merges
    ("https://up.test", "/bookings?page=1", (("per_page", "5"),)),  # a path with its own query
    ("https://up.test", "bookings", (("page", "1"),)),  # a relative path
]


@pytest.mark.parametrize(("base", "path", "params"), URL_CASES)
async def test_the_url_sent_is_the_one_httpx_builds_from_path_and_params(
    base: str, path: str, params: tuple[tuple[str, str], ...] | None
) -> None:
    script = Script(Reply(json={}))
    async with httpx.AsyncClient(base_url=base, transport=httpx.MockTransport(script)) as http:
        await Sender(http, upstream=Upstream.CAREHQ, timeout=2.0).call(
            "GET", path, raw, params=params
        )
        expected = http.build_request("GET", path, params=params).url
    assert [r.url for r in script.requests] == [expected]
    assert script.requests[0].url.raw_path == expected.raw_path


async def test_client_wide_params_are_still_merged_into_each_request() -> None:
    script = Script(Reply(json={}))
    transport = httpx.MockTransport(script)
    async with httpx.AsyncClient(
        base_url="https://up.test", params={"key": "k"}, transport=transport
    ) as http:
        sender = Sender(http, upstream=Upstream.CAREHQ, timeout=2.0)
        await sender.call("GET", "/bookings", raw, params=(("page", "1"),))
        http.base_url = httpx.URL("https://other.test/v2")  # a changed base URL is followed
        http.params = httpx.QueryParams()
        await sender.call("GET", "/bookings", raw, params=(("page", "2"),))
    assert [str(r.url) for r in script.requests] == [
        "https://up.test/bookings?key=k&page=1",
        "https://other.test/v2/bookings?page=2",
    ]
