"""JSON log lines (`GATEWAY_LOG_FORMAT=json`): one object per line, every line of a request with
its request id and trace id, and still nothing personal in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.logging import TextFormatter, configure_logging
from gateway.observability.request import request_id_from
from gateway.sandbox import Sandbox
from tests.conftest import Gateway

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
SECRET_EMAIL = "Guest.Person@example.com"
SECRET_NAME = "Ada Lovelace-Byron"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, set up as `gateway serve` does it."""
    stream = io.StringIO()
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    handlers, level, httpx_level = root.handlers[:], root.level, httpx_logger.level
    configure_logging("DEBUG", "json", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        httpx_logger.setLevel(httpx_level)


def parse(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_line_of_a_request_carries_its_id_and_trace_and_no_variable(
    gateway: Gateway, sandbox: Sandbox, json_lines: io.StringIO
) -> None:
    bedful_id = str(min(sandbox.bedful.store.bookings))
    response = await gateway.http.post(
        "/graphql",
        json={
            "query": "query FindGuest($q: String, $b: ID!) { bookings(filter: {q: $q}) { itemCount } bedfulBooking(id: $b) { id } }",
            "variables": {"q": SECRET_EMAIL, "b": bedful_id},
        },
        headers={"x-request-id": "frontend-7f3a:42", "traceparent": TRACEPARENT},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "frontend-7f3a:42"
    lines = parse(json_lines)
    request_lines = [line for line in lines if line.get("request_id") == "frontend-7f3a:42"]
    # The request line and the upstream clients' DEBUG lines: every one carries both ids.
    assert len(request_lines) >= 3, lines
    assert len(request_lines) == len(lines), [x for x in lines if x not in request_lines]
    assert {line["trace_id"] for line in request_lines} == {"0af7651916cd43dd8448eb211c80319c"}
    (summary,) = [line for line in lines if line["logger"] == "gateway.request"]
    assert summary["level"] == "INFO"
    assert summary["method"] == "POST"
    assert summary["path"] == "/graphql"
    assert summary["operations"] == ["FindGuest"]
    assert summary["status"] == 200
    assert isinstance(summary["duration_ms"], float)
    assert summary["message"].startswith("POST /graphql op=FindGuest status=200 duration_ms=")
    text = json_lines.getvalue()
    assert SECRET_EMAIL.lower() not in text.lower()
    assert "Guest.Person%40example.com".lower() not in text.lower()


async def test_a_mutations_personal_input_stays_out_of_every_line(
    gateway: Gateway, json_lines: io.StringIO
) -> None:
    body = await gateway.execute(
        "mutation New($input: CreateBedfulBookingInput!) { createBedfulBooking(input: $input) { id } }",
        {
            "input": {
                "name": SECRET_NAME,
                "siteId": "127",
                "startsAt": "2030-08-01",
                "endsAt": "2030-08-04",
                "units": ["13"],
                "email": SECRET_EMAIL,
                "adults": 2,
                "ages": [36, 34],
            }
        },
    )
    assert "errors" not in body, body
    text = json_lines.getvalue()
    assert parse(json_lines)  # every line is one JSON object
    for secret in (SECRET_NAME, SECRET_EMAIL, "36, 34"):
        assert secret.lower() not in text.lower()


async def test_a_generated_id_answers_a_request_without_a_sane_one(
    gateway: Gateway, json_lines: io.StringIO
) -> None:
    for sent in (None, b"has space", b"x" * 129, b"tab\there", b'quote"d', "é".encode()):
        headers = {} if sent is None else {"x-request-id": sent}
        response = await gateway.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers=headers
        )
        answered = response.headers["x-request-id"]
        assert len(answered) == 32
        assert set(answered) <= set("0123456789abcdef")
    ids = [line["request_id"] for line in parse(json_lines) if line["logger"] == "gateway.request"]
    assert len(set(ids)) == 6


def test_request_ids_are_taken_only_when_sane_and_sent_once() -> None:
    assert request_id_from([(b"x-request-id", b"abc-DEF_1.2:3")]) == "abc-DEF_1.2:3"
    twice = [(b"x-request-id", b"a"), (b"x-request-id", b"b")]
    assert request_id_from(twice) not in ("a", "b")
    assert request_id_from([(b"x-request-id", b"a\r\nb")]) != "a\r\nb"
    assert request_id_from([(b"x-request-id", b"")]) != ""


def test_text_lines_stay_as_they_were_with_the_request_id_appended() -> None:
    record = logging.LogRecord("gateway.request", logging.INFO, __file__, 1, "GET /x", None, None)
    record.request_id = "r1"
    formatter = TextFormatter("%(levelname)s %(name)s: %(message)s")
    assert formatter.format(record) == "INFO gateway.request: GET /x request_id=r1"
    record.request_id = None
    assert formatter.format(record) == "INFO gateway.request: GET /x"
