"""An independent CareHQ "signature 2.0" signer for the tests: the oracle the sandbox must accept.

It deliberately re-implements the documented algorithm (README "Authentication") instead of
importing the sandbox's verifier or the gateway's client: a bug in either must show up as a
failing test, not be mirrored here. The knobs (`timestamp_offset`, `nonce`, `secret`, ...) make
requests that the sandbox must refuse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator
from urllib.parse import parse_qsl

import httpx

from gateway.sandbox.credentials import CAREHQ_ACCOUNT_ID, CAREHQ_API_KEY, CAREHQ_API_SECRET


class CareHQSigner(httpx.Auth):
    """Signs each request afresh; `mount` is the path prefix before `/v1` (e.g. "/carehq")."""

    requires_request_body = True

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        account_id: str = CAREHQ_ACCOUNT_ID,
        api_key: str = CAREHQ_API_KEY,
        secret: str = CAREHQ_API_SECRET,
        version: str = "2.0",
        mount: str = "",
        timestamp_offset: float = 0,
        nonce: str | None = None,
        signed_params: list[tuple[str, str]] | None = None,
    ) -> None:
        self.clock = clock
        self.account_id = account_id
        self.api_key = api_key
        self.secret = secret
        self.version = version
        self.mount = mount
        self.timestamp_offset = timestamp_offset
        self.nonce = nonce
        self.signed_params = signed_params  # sign these instead of what is sent (tampering)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(self.clock() + self.timestamp_offset))
        nonce = (
            self.nonce or base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        )
        path = request.url.path.removeprefix(self.mount).removeprefix("/v1/")
        if self.signed_params is not None:
            params = list(self.signed_params)
        elif request.method in ("GET", "DELETE"):
            params = list(request.url.params.multi_items())
        else:
            params = parse_qsl(request.content.decode(), keep_blank_values=True)
        canonical = "\n".join(f"{key}={value}" for key, value in sorted(params))
        message = "\n".join([timestamp, nonce, request.method, "/v1/" + path.strip("/"), canonical])
        digest = hmac.new(self.secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        request.headers.update(
            {
                "Accept": "application/json",
                "X-CareHQ-AccountId": self.account_id,
                "X-CareHQ-APIKey": self.api_key,
                "X-CareHQ-Nonce": nonce,
                "X-CareHQ-Signature": digest,
                "X-CareHQ-Signature-Version": self.version,
                "X-CareHQ-Timestamp": timestamp,
            }
        )
        yield request
