"""The URL of each upstream request, built once per distinct path and query parameters.

httpx's `build_request(path, params=...)` parses the relative path, the URL merged with the
client's base URL, and that URL again with its query: most of building a request. `Targets`
joins the base URL and the path itself, has `httpx.URL` encode the parameters (the URL httpx
would build, parsed once), and keeps the last `size` URLs it built: a gateway asks the same
questions again and again (the same page of bookings, the same room by id), and an `httpx.URL`
is immutable, so one can serve every request that needs it.

Whatever httpx would read differently from plain concatenation is left to httpx: a path that is
not `/...` or has its own query or fragment, a base URL with a query or fragment, client-wide
params. The base URL is read from the client at every call, so a changed one is followed.
"""

from __future__ import annotations

import httpx

__all__ = ["Params", "Targets"]

Params = tuple[tuple[str, str], ...]
"""Query parameters as (key, value) pairs: a key repeats once per value of a multi-value param."""


class Targets:
    """The URLs of `http`'s requests. `resolve(path, params)` is what to pass `build_request`:
    a whole URL with no params, or (when httpx must merge them itself) the path and params."""

    def __init__(self, http: httpx.AsyncClient, *, size: int = 256) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self._http = http
        self._size = size
        self._base: httpx.URL | None = None
        self._prefix = ""
        self._urls: dict[tuple[str, Params | None], httpx.URL] = {}

    def resolve(self, path: str, params: Params | None) -> tuple[httpx.URL | str, Params | None]:
        base = self._http.base_url
        if base is not self._base:
            self._base, self._prefix = base, _prefix(base)
            self._urls.clear()
        if not self._prefix or self._http.params or not _plain(path):
            return path, params
        key = (path, params)
        url = self._urls.get(key)
        if url is None:
            url = httpx.URL(self._prefix + path[1:], params=params)
            if len(self._urls) >= self._size:
                del self._urls[next(iter(self._urls))]  # the oldest
            self._urls[key] = url
        return url, None

    def __len__(self) -> int:
        return len(self._urls)


def _prefix(base: httpx.URL) -> str:
    """The base URL as text ending in `/`, or "" when httpx must merge paths into it itself."""
    if not base.is_absolute_url or base.query or base.fragment:
        return ""
    text = str(base)  # `https://host` for the path `/`
    return text if text.endswith("/") else text + "/"


def _plain(path: str) -> bool:
    return path[:1] == "/" and "?" not in path and "#" not in path
