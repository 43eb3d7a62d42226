"""The httpx client of an upstream, and one HTTP exchange through its auth flow and transport.

`httpx.AsyncClient.send` does, for every answer, work our upstream calls never use. Above all it
hands the answer to the cookie jar (`Cookies.extract_cookies`), which builds urllib's request
and response objects from it even when the jar keeps nothing (ours keeps nothing: see
`gateway.upstreams.cookies`): 7% of the gateway's CPU at one connection on the bookings page,
more than a third of what the client adds over its transport (encode/httpx#2992 asks for a way
to turn cookies off; httpx 0.28 has none). It also wraps the answer's stream to time it
(`Response.elapsed`, never read here) and walks the redirect loop, which for our clients
(`follow_redirects=False`) only ever notes `Response.next_request`, never read here either.

`exchange` keeps what the calls do need, through httpx's public API: the request built by
`build_request` (URL, headers, per-request timeouts in `request.extensions`), the client's
`httpx.Auth` flow (`async_auth_flow`: request and response bodies as the flow asks,
multi-step flows), its event hooks, and the client's own transport instance (so the
OpenTelemetry instrumentation, which wraps that instance, still sees every attempt). Exceptions
are the transport's, as through `send`: which of them mean "never sent" is unchanged.

It takes that path only for an `UpstreamHTTPClient` that knows its transport. When the
environment names a proxy (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, as httpx reads them) and
no transport is given, httpx picks the transport per URL itself, so such a client sends through
`send` exactly as before.
"""

from __future__ import annotations

from urllib.request import getproxies

import httpx

from gateway.upstreams.cookies import refusing_jar

__all__ = ["UpstreamHTTPClient", "exchange"]


class UpstreamHTTPClient(httpx.AsyncClient):
    """An upstream's `httpx.AsyncClient`: base URL, auth, timeouts, JSON, no redirects followed,
    no cookies kept. `direct` is the transport it sends through (`transport`, or httpx's default
    transport made here), or None when httpx chooses per URL (a proxy in the environment).
    The caller owns the client (close it on shutdown; that closes its transport)."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: httpx.Timeout,
    ) -> None:
        if transport is None and not _proxy_in_environment():
            # The transport `httpx.AsyncClient()` would make: same defaults (TLS verification,
            # SSL_CERT_FILE / SSL_CERT_DIR, HTTP/1.1, pool limits).
            transport = httpx.AsyncHTTPTransport()
        super().__init__(
            base_url=base_url.rstrip("/"),
            auth=auth,
            transport=transport,
            timeout=timeouts,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            cookies=refusing_jar(),  # shared by every caller: see gateway.upstreams.cookies
        )
        self.direct = transport


def _proxy_in_environment() -> bool:
    """Whether httpx would route some URL through a proxy the environment names."""
    proxies = getproxies()  # what httpx reads (environment; the OS settings on macOS, Windows)
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


async def exchange(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """`http.send(request, stream=True)`, minus the per-answer work described above: the
    answer's head, its body left to read (`aread`) and close (`aclose`), `response.request` set.
    Any other client, one with no auth object, or one httpx routes itself goes through `send`."""
    transport = http.direct if isinstance(http, UpstreamHTTPClient) else None
    auth = http.auth
    if transport is None or auth is None:
        return await http.send(request, stream=True)
    if http.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    flow = auth.async_auth_flow(request)
    try:
        request = await flow.__anext__()
        while True:
            response = await _send(http, transport, request)
            try:
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
                await response.aread()  # as httpx does: a step's answer is read before the next
            except BaseException:
                await response.aclose()
                raise
    finally:
        await flow.aclose()


async def _send(
    http: httpx.AsyncClient, transport: httpx.AsyncBaseTransport, request: httpx.Request
) -> httpx.Response:
    hooks = http.event_hooks
    for hook in hooks["request"]:
        await hook(request)
    response = await transport.handle_async_request(request)
    response.request = request
    try:
        for hook in hooks["response"]:
            await hook(response)
    except BaseException:
        await response.aclose()
        raise
    return response
