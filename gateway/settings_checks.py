"""The checks of single settings that a type cannot express, each returning its problems.

pydantic checks each variable's type and range as `Settings` (settings.py) declares it. These
are the rest: a bearer token must be one a client could present, a CORS origin exactly what a
browser sends, an upstream URL http(s) and encrypted off loopback, a Redis URL one the client
can use. Each returns one-line messages naming the variable, never raising, so one load reports
every problem at once (`Settings` joins them into its `ConfigError`); no message quotes a token
or the Redis URL (it may carry a password). Which checks apply is decided in `Settings`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from pydantic import SecretStr

# What a bearer token can be (RFC 6750 section 2.1); any other token could never be presented.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def token_problems(value: SecretStr | None) -> list[str]:
    """A set GATEWAY_API_TOKENS without a usable token must not quietly leave /graphql open."""
    if value is None:
        return []
    tokens = [token.strip() for token in value.get_secret_value().split(",")]
    if not any(tokens):
        return [
            "GATEWAY_API_TOKENS is set but holds no token (comma-separated); "
            "unset it to run without access control"
        ]
    if not all(_TOKEN.fullmatch(token) for token in tokens if token):
        return [
            "GATEWAY_API_TOKENS: a token may hold only letters, digits and -._~+/ "
            "(trailing =), as in an `Authorization: Bearer` header"
        ]
    return []


def cors_problems(origins: tuple[str, ...]) -> list[str]:
    if "*" in origins:
        return (
            [] if origins == ("*",) else ["GATEWAY_CORS_ORIGINS: `*` cannot be listed with origins"]
        )
    wrong = [origin for origin in origins if not _is_origin(origin)]
    if wrong:
        return [
            f"GATEWAY_CORS_ORIGINS: {wrong[0]!r} is not an origin; write scheme://host[:port] "
            "exactly as the browser sends it (no path, no trailing slash)"
        ]
    return []


def _is_origin(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and f"{parts.scheme}://{parts.netloc}" == value
        and "@" not in parts.netloc
        and value == value.lower()
    )


def url_problems(name: str, url: str, allow_insecure: bool) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"{name} must be an http(s) URL, got {url!r}"]
    insecure = parts.scheme == "http" and not _is_loopback(parts.hostname)
    if insecure and not allow_insecure:
        return [
            f"{name} uses plain http to a non-loopback host (credentials would travel "
            "unencrypted); use https or set GATEWAY_ALLOW_INSECURE_UPSTREAMS=true"
        ]
    return []


def redis_url_problems(url: str) -> list[str]:
    """The URL itself is never quoted: it may carry a password."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ["GATEWAY_REDIS_URL is not a valid URL"]
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        return []
    if parts.scheme == "unix" and parts.path:
        return []
    return ["GATEWAY_REDIS_URL must be redis://host[:port][/db], rediss://... or unix:///path"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
