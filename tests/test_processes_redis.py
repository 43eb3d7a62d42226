"""Several gateway processes, one set of guarantees: two `gateway serve` processes (one of them
with two workers) sharing one real Redis and one `gateway sandbox` with Bedful's limits on, all
over real HTTP on free loopback ports. What the sandbox recorded is the evidence."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.sandbox import credentials
from tests.processes import start_gateway_process
from tests.redis_server import RedisServer, require_redis_server
from tests.test_mutations_bedful import CREATE, booking_input

READ = "query Read($id: ID!) { bedfulBooking(id: $id) { id status } }"
CANCEL = "mutation Cancel($id: ID!) { cancelBedfulBooking(id: $id) { id status } }"


@dataclass
class Deployment:
    sandbox: str
    gateways: list[str]
    redis: RedisServer

    def bedful_requests(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.sandbox}/_sandbox/bedful/requests", timeout=10)
        requests: list[dict[str, Any]] = answer.json()
        return requests


def post(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, timeout=90
    )
    body: dict[str, Any] = answer.json()
    return body


def data(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = post(base, query, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


def spread(deployment: Deployment, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Sends every (query, variables) at once, alternating between the gateways."""
    targets = itertools.cycle(deployment.gateways)
    jobs = [(next(targets), query, variables) for query, variables in calls]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(lambda job: post(*job), jobs))


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    require_redis_server()
    redis = RedisServer()
    redis.start()
    processes = []
    try:
        sandbox, process = start_gateway_process("sandbox", ready_path="/_sandbox/stats")
        processes.append(process)
        env = {
            "CAREHQ_BASE_URL": f"{sandbox}/carehq",
            "CAREHQ_ACCOUNT_ID": credentials.CAREHQ_ACCOUNT_ID,
            "CAREHQ_API_KEY": credentials.CAREHQ_API_KEY,
            "CAREHQ_API_SECRET": credentials.CAREHQ_API_SECRET,
            "BEDFUL_BASE_URL": f"{sandbox}/bedful",
            "BEDFUL_API_KEY": credentials.BEDFUL_API_KEY,
            "BEDFUL_TIMEOUT_SECONDS": "60",  # 20 reads at 5/s take 4 s: none may give up
            "GATEWAY_REDIS_URL": redis.url,
            "GATEWAY_PROCESSES": "3",  # 2 workers + 1: each one's share while Redis is down
        }
        gateways = []
        for args in (("serve", "--workers", "2"), ("serve",)):
            base, process = start_gateway_process(*args, ready_path="/healthz", env=env)
            processes.append(process)
            gateways.append(base)
        yield Deployment(sandbox, gateways, redis)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.communicate(timeout=30)
        redis.close()


def creates(deployment: Deployment) -> int:
    return sum(
        r["method"] == "POST" and r["path"] == "/bookings/create"
        for r in deployment.bedful_requests()
    )


def test_ten_creates_with_one_key_over_two_processes_book_once(deployment: Deployment) -> None:
    before = creates(deployment)
    variables = {"input": booking_input(idempotencyKey="one-key-two-processes")}
    bodies = spread(deployment, [(CREATE, variables)] * 10)
    ids = {body["data"]["createBedfulBooking"]["id"] for body in bodies if body.get("data")}
    assert len(ids) == 1, bodies
    assert all("errors" not in body for body in bodies), bodies
    assert creates(deployment) == before + 1


def test_a_cancel_through_one_process_is_seen_by_a_read_through_the_other(
    deployment: Deployment,
) -> None:
    first, second = deployment.gateways
    variables = {"input": booking_input(startsAt="2031-06-01", endsAt="2031-06-03")}
    booking_id = data(first, CREATE, variables)["createBedfulBooking"]["id"]
    # the second process reads (and may keep) the booking as it was
    assert data(second, READ, {"id": booking_id})["bedfulBooking"]["status"] != "CANCELLED"
    cancelled = data(first, CANCEL, {"id": booking_id})["cancelBedfulBooking"]
    assert cancelled["status"] == "CANCELLED"
    assert data(second, READ, {"id": booking_id})["bedfulBooking"]["status"] == "CANCELLED"


def test_redis_stopped_mid_run_then_restarted(deployment: Deployment) -> None:
    first, second = deployment.gateways
    before = creates(deployment)
    listing = data(first, "{ bedfulBookings(limit: 12) { id } }")["bedfulBookings"]
    ids = [booking["id"] for booking in listing]
    deployment.redis.stop()
    try:
        seen_before = len(deployment.bedful_requests())
        bodies = spread(deployment, [(READ, {"id": booking_id}) for booking_id in ids])
        assert [body["data"]["bedfulBooking"]["id"] for body in bodies] == ids  # reads go on
        calls = deployment.bedful_requests()[seen_before:]
        assert [r["status"] for r in calls].count(429) == 0  # each process kept to its share
        arrivals = sorted(r["at"] for r in calls)
        assert max(sum(a <= t < a + 1.0 for t in arrivals) for a in arrivals) <= 5

        keyed = {
            "input": booking_input(
                startsAt="2031-07-01", endsAt="2031-07-03", idempotencyKey="during-the-outage"
            )
        }
        for body in spread(deployment, [(CREATE, keyed)] * 4):  # refused cleanly
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "IDEMPOTENCY_UNAVAILABLE", body
        assert creates(deployment) == before  # nothing was written
        for base in (first, second):
            ready = httpx.get(f"{base}/readyz", timeout=10)
            assert ready.status_code == 200
            assert ready.json()["redis"].startswith("unavailable")
    finally:
        deployment.redis.start()

    # Back, without restarting either gateway: the same key books exactly once. (After a
    # failure each process leaves Redis alone for a second, then tries it again by itself.)
    deadline = time.monotonic() + 10
    while (body := post(second, CREATE, keyed)).get("errors") and time.monotonic() < deadline:
        assert body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_UNAVAILABLE", body
        time.sleep(0.2)
    bodies = [body, *spread(deployment, [(CREATE, keyed)] * 4)]
    ids = {body["data"]["createBedfulBooking"]["id"] for body in bodies if body.get("data")}
    assert len(ids) == 1, bodies
    assert creates(deployment) == before + 1
    for base in (first, second):
        assert httpx.get(f"{base}/readyz", timeout=10).json()["redis"] == "ok"


def test_twenty_reads_over_two_processes_keep_to_bedfuls_limits(deployment: Deployment) -> None:
    """Each of the three processes on its own would send 4 reads a second (one slot of 5 is
    kept for writes): 12 at once. Sharing the budget through Redis, Bedful sees at most 5."""
    first = deployment.gateways[0]
    listing = data(first, "{ bedfulBookings(limit: 20) { id } }")["bedfulBookings"]
    ids = [booking["id"] for booking in listing]
    assert len(ids) == 20
    seen_before = len(deployment.bedful_requests())

    bodies = spread(deployment, [(READ, {"id": booking_id}) for booking_id in ids])

    assert [body["data"]["bedfulBooking"]["id"] for body in bodies] == ids, bodies
    calls = deployment.bedful_requests()[seen_before:]
    reads = [r for r in calls if r["path"].startswith("/bookings")]
    assert len(reads) >= 20
    assert [r["status"] for r in calls].count(429) == 0
    arrivals = sorted(r["at"] for r in calls)
    assert max(sum(a <= t < a + 1.0 for t in arrivals) for a in arrivals) <= 5
    assert max(sum(a <= t < a + 60.0 for t in arrivals) for a in arrivals) <= 100
