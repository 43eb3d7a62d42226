"""CareHQ "signature 2.0" checked the way CareHQ's server checks it (README "Authentication").

Written from the documented algorithm, never imported from the gateway's own client: this is the
oracle the gateway's signing client is tested against.

    params         = query parameters (GET, DELETE) or form fields (PUT, PATCH, POST)
    canonical      = "\\n".join(f"{k}={v}" for k in sorted(keys) for v in sorted(values of k))
    string_to_sign = "\\n".join([timestamp, nonce, METHOD, "/v1/" + path.strip("/"), canonical])
    signature      = hex HMAC-SHA256(api_secret, string_to_sign)

`path` is the SDK's resource path ("bookings"); the server sees it as the request path relative
to the API's root, "/v1/bookings". A request is refused (SignatureError -> 401) when a header is
missing, the account or key is unknown, the version is not "2.0", the timestamp is more than
`MAX_SKEW_SECONDS` away from the server's clock, the nonce was already used by that key within
the replay window, or the signature does not match.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

MAX_SKEW_SECONDS: Final = 300
SIGNATURE_VERSION: Final = "2.0"
ACCOUNT_HEADER: Final = "X-CareHQ-AccountId"
API_KEY_HEADER: Final = "X-CareHQ-APIKey"
NONCE_HEADER: Final = "X-CareHQ-Nonce"
SIGNATURE_HEADER: Final = "X-CareHQ-Signature"
VERSION_HEADER: Final = "X-CareHQ-Signature-Version"
TIMESTAMP_HEADER: Final = "X-CareHQ-Timestamp"
REQUIRED_HEADERS: Final = (
    ACCOUNT_HEADER,
    API_KEY_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    VERSION_HEADER,
    TIMESTAMP_HEADER,
)


class SignatureError(Exception):
    """The request is not authenticated; `hint` says why (it is safe to show the caller)."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


@dataclass(frozen=True)
class ApiKey:
    """One API key the sandbox accepts: the account it belongs to and its secret."""

    account_id: str
    secret: str


def string_to_sign(
    timestamp: str, nonce: str, method: str, path: str, params: Sequence[tuple[str, str]]
) -> str:
    """The documented string to sign; `path` is relative to the API root, e.g. "/v1/bookings"."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    canonical = "\n".join(f"{k}={v}" for k in sorted(values) for v in sorted(values[k]))
    resource = path.removeprefix("/v1/").strip("/")
    return "\n".join([timestamp, nonce, method.upper(), "/v1/" + resource, canonical])


def signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


class SignatureVerifier:
    """Checks signed requests and remembers nonces for the replay window.

    A nonce is remembered (per API key) until no request carrying it could pass the timestamp
    check any more, then forgotten: memory stays bounded by the request rate times 10 minutes.
    What is remembered is a 64-bit digest of key and nonce, in buckets by the whole second it
    may be forgotten after: about 70 bytes a nonce rather than the ~250 of the strings in a
    heap of tuples (hundreds of calls a second fill the window with hundreds of thousands).
    Two different nonces share a digest with odds of about 2**-64 a pair: negligible.
    """

    def __init__(self, keys: Mapping[str, ApiKey], clock: Callable[[], float]) -> None:
        self._keys = dict(keys)
        self._clock = clock
        self._seen: set[int] = set()  # digests of (API key, nonce) within their window
        self._forget_after: dict[int, list[int]] = {}  # whole second -> digests
        self._seconds: list[int] = []  # heap of the seconds in `_forget_after`

    def verify(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]],
    ) -> str:
        """Returns the API key when the request is authentic; raises SignatureError otherwise."""
        missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
        if missing:
            raise SignatureError(f"Missing authentication header(s): {', '.join(missing)}.")
        api_key = headers[API_KEY_HEADER]
        key = self._keys.get(api_key)
        if key is None or not hmac.compare_digest(
            key.account_id.encode(), headers[ACCOUNT_HEADER].encode()
        ):
            raise SignatureError("Unknown account id or API key.")
        if headers[VERSION_HEADER] != SIGNATURE_VERSION:
            raise SignatureError(f"Unsupported signature version (use {SIGNATURE_VERSION}).")
        timestamp, nonce = headers[TIMESTAMP_HEADER], headers[NONCE_HEADER]
        now = self._clock()
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise SignatureError("The timestamp must be whole Unix seconds.")
        if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
            raise SignatureError(
                f"The timestamp is more than {MAX_SKEW_SECONDS} seconds from the server's clock."
            )
        expected = signature(key.secret, string_to_sign(timestamp, nonce, method, path, params))
        given = headers[SIGNATURE_HEADER]
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise SignatureError("The signature does not match the request.")
        self._forget_expired(now)
        seen = hash((api_key, nonce))
        if seen in self._seen:
            raise SignatureError("The nonce has already been used; sign each request afresh.")
        self._seen.add(seen)
        # Forgetting up to a second late never lets a replay through.
        second = math.ceil(max(now, int(timestamp)) + MAX_SKEW_SECONDS)
        bucket = self._forget_after.get(second)
        if bucket is None:
            bucket = self._forget_after[second] = []
            heapq.heappush(self._seconds, second)
        bucket.append(seen)
        return api_key

    def _forget_expired(self, now: float) -> None:
        while self._seconds and self._seconds[0] < now:
            for seen in self._forget_after.pop(heapq.heappop(self._seconds)):
                self._seen.discard(seen)
