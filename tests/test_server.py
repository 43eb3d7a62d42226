"""`OneWriteProtocol`: uvicorn's own protocol, driven with raw HTTP/1.1 bytes, writes each response
in one write and otherwise behaves as uvicorn does (the same bytes, closes, errors).

The transport records what the protocol writes: the number of writes is the point. The real
servers (`gateway serve`, `gateway sandbox`) run on it in the process tests (test_cli,
test_real_http, test_disconnect).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.server import OneWriteProtocol

GET = b"GET /x HTTP/1.1\r\nhost: example\r\n\r\n"


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.closed_by_server = False
        self.written_before_close = -1

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        if not self.closed:
            self.written_before_close = len(self.writes)
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def plain(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"content-length", b"5"), (b"x-a", b"1")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"hello"})


async def streamed(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"one", "more_body": True})
    await send({"type": "http.response.body", "body": b"two", "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def fails_after_start(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("boom")


async def fails_before_start(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


async def serve(app: Any, request: bytes, protocol: type[HttpToolsProtocol]) -> Recording:
    config = Config(app=app, http=protocol, log_config=None, access_log=False, lifespan="off")
    config.load()
    server = protocol(config=config, server_state=ServerState(), app_state={})  # type: ignore[call-arg]
    transport = Recording()
    server.connection_made(transport)
    server.data_received(request)
    for _ in range(20):  # let the request tasks run to the end
        await asyncio.sleep(0)
    transport.closed_by_server = transport.closed
    server.connection_lost(None)  # the client hangs up (ends a request still reading its body)
    return transport


async def both(app: Any, request: bytes = GET) -> tuple[Recording, Recording]:
    """(uvicorn's own protocol, ours) on the same request."""
    return await serve(app, request, HttpToolsProtocol), await serve(app, request, OneWriteProtocol)


def without_date(data: bytes) -> bytes:
    return b"\r\n".join(line for line in data.split(b"\r\n") if not line.startswith(b"date:"))


async def test_a_response_is_one_write_of_the_same_bytes() -> None:
    theirs, ours = await both(plain)
    assert len(theirs.writes) == 2
    assert len(ours.writes) == 1
    assert ours.writes[0] == b"".join(theirs.writes)
    assert ours.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert ours.writes[0].endswith(b"\r\n\r\nhello")
    assert not ours.closed_by_server


async def test_a_streamed_response_joins_the_head_to_its_first_part_only() -> None:
    theirs, ours = await both(streamed)
    assert len(theirs.writes) == 4
    assert ours.writes == [theirs.writes[0] + theirs.writes[1], *theirs.writes[2:]]
    assert ours.writes[0].endswith(b"transfer-encoding: chunked\r\n\r\n3\r\none\r\n")


async def test_pipelined_requests_each_get_their_own_single_write_in_order() -> None:
    theirs, ours = await both(plain, GET + GET.replace(b"/x", b"/y"))
    assert len(ours.writes) == 2
    assert ours.writes == [theirs.writes[0] + theirs.writes[1], theirs.writes[2] + theirs.writes[3]]


async def test_connection_close_is_written_then_closed() -> None:
    request = b"GET /x HTTP/1.1\r\nhost: example\r\nconnection: close\r\n\r\n"
    theirs, ours = await both(plain, request)
    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.closed_by_server
    assert ours.written_before_close == 1
    assert theirs.closed_by_server


async def test_a_head_request_is_one_write_without_a_body() -> None:
    theirs, ours = await both(plain, GET.replace(b"GET", b"HEAD"))
    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.writes[0].endswith(b"\r\n\r\n")


async def test_an_app_failing_after_its_start_gets_the_connection_closed() -> None:
    """uvicorn closes the connection (after the head it wrote); ours closes it with nothing
    written: either way the client has no complete answer and no 500."""
    theirs, ours = await both(fails_after_start)
    assert theirs.closed_by_server
    assert ours.closed_by_server
    assert b"500" not in b"".join(theirs.writes)
    assert ours.writes == []


async def test_an_app_failing_before_its_start_gets_uvicorns_500_in_one_write() -> None:
    theirs, ours = await both(fails_before_start)
    assert len(ours.writes) == 1
    assert without_date(ours.writes[0]) == without_date(b"".join(theirs.writes))
    assert ours.writes[0].startswith(b"HTTP/1.1 500 Internal Server Error\r\n")


async def test_an_invalid_header_still_fails_as_uvicorn_makes_it() -> None:
    """uvicorn refuses it before writing and closes the connection; ours does the same when
    the body comes (the app's body `send` raises, not its start `send`)."""

    async def bad_header(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"a\nb")]})
        await send({"type": "http.response.body", "body": b"hello"})

    theirs, ours = await both(bad_header)
    assert theirs.writes == ours.writes == []
    assert theirs.closed_by_server
    assert ours.closed_by_server


async def test_no_100_continue_once_the_answer_has_begun() -> None:
    async def answers_then_reads(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()
        await send({"type": "http.response.body", "body": b"ok"})

    request = (
        b"POST /x HTTP/1.1\r\nhost: example\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n"
    )
    theirs, ours = await both(answers_then_reads, request)
    assert b"100 Continue" not in b"".join(theirs.writes)
    assert b"100 Continue" not in b"".join(ours.writes)
