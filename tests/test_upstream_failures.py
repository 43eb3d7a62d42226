"""One upstream failing never fails the other's fields; every failure has its code."""

from __future__ import annotations

import pytest

from gateway.sandbox import FaultKind, Sandbox
from tests.conftest import Gateway

FAULTS_AND_CODES = [
    (FaultKind.DOWN, "UPSTREAM_UNAVAILABLE"),
    (FaultKind.ERROR, "UPSTREAM_UNAVAILABLE"),
    (FaultKind.MALFORMED, "UPSTREAM_UNAVAILABLE"),
    (FaultKind.RATE_LIMITED, "UPSTREAM_RATE_LIMITED"),
]

MIXED = """{
  bookings(perPage: 5) { itemCount items { id startDate } }
  bedfulBookings(limit: 5) { id name }
}"""


async def test_calls_to_the_two_systems_run_concurrently(
    gateway: Gateway, sandbox: Sandbox
) -> None:
    """Each upstream takes 200 ms to answer: each call arrived before the other was answered
    (the sandbox's own record), so neither waited for the other."""
    bedful_id = min(sandbox.bedful.store.bookings)
    document = (
        "query($b: ID!) { bookings(perPage: 5) { items { id } } bedfulBooking(id: $b) { id } }"
    )
    sandbox.carehq.latency_ms = sandbox.bedful.latency_ms = 200
    data = await gateway.data(document, {"b": str(bedful_id)})
    assert data["bedfulBooking"] == {"id": str(bedful_id)}
    assert len(data["bookings"]["items"]) == 5
    (carehq,) = sandbox.carehq.calls("GET", "/v1/bookings")
    (bedful,) = sandbox.bedful.calls("GET", f"/bookings/{bedful_id}")
    assert carehq.answered_at is not None
    assert bedful.answered_at is not None
    assert bedful.at < carehq.answered_at, "Bedful was called only after CareHQ answered"
    assert carehq.at < bedful.answered_at, "CareHQ was called only after Bedful answered"


@pytest.mark.parametrize(("kind", "code"), FAULTS_AND_CODES)
async def test_bedful_failing_leaves_carehq_data(
    gateway: Gateway, sandbox: Sandbox, kind: FaultKind, code: str
) -> None:
    sandbox.bedful.inject(kind, retry_after=30)
    body = await gateway.execute(MIXED)
    assert body["data"]["bookings"]["itemCount"] == len(sandbox.carehq.store.bookings)
    assert body["data"]["bedfulBookings"] is None
    (error,) = body["errors"]
    assert error["path"] == ["bedfulBookings"]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["upstream"] == "BEDFUL"


@pytest.mark.parametrize(("kind", "code"), FAULTS_AND_CODES)
async def test_carehq_failing_leaves_bedful_data(
    gateway: Gateway, sandbox: Sandbox, kind: FaultKind, code: str
) -> None:
    sandbox.carehq.inject(kind, retry_after=30)
    body = await gateway.execute(MIXED)
    assert len(body["data"]["bedfulBookings"]) == 5
    assert body["data"]["bookings"] is None
    (error,) = body["errors"]
    assert error["path"] == ["bookings"]
    assert error["extensions"] == {"code": code, "upstream": "CAREHQ"}


async def test_a_failing_link_nulls_only_that_field(gateway: Gateway, sandbox: Sandbox) -> None:
    booking = min(sandbox.carehq.store.bookings)
    sandbox.carehq.inject(FaultKind.ERROR, times=3)  # the first GET and its two retries
    body = await gateway.execute(
        "query($id: ID!) { booking(id: $id) { id } bedfulBookings(limit: 1) { id } }",
        {"id": booking},
    )
    assert body["data"] == {"booking": None, "bedfulBookings": body["data"]["bedfulBookings"]}
    assert len(body["data"]["bedfulBookings"]) == 1
    assert body["errors"][0]["extensions"]["upstream"] == "CAREHQ"


async def test_a_transient_5xx_on_a_read_is_retried(gateway: Gateway, sandbox: Sandbox) -> None:
    sandbox.carehq.inject(FaultKind.ERROR, times=1)
    data = await gateway.data("{ rooms(perPage: 1) { itemCount } }")
    assert data["rooms"]["itemCount"] > 0
    assert len(sandbox.carehq.calls("GET", "/v1/rooms")) == 2
