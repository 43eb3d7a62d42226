"""No cookies on upstream calls.

The gateway's httpx clients are shared by every request of every caller, and httpx keeps the
cookies an answer sets and sends them with every later request. A `Set-Cookie` from an
upstream, or from a load balancer in front of it, would then tie every caller's calls to one
session, and could carry state set during one caller's call into everybody else's. Neither
CareHQ nor Bedful documents a cookie: each request authenticates on its own (a signature, Basic
auth). So the clients' jar refuses every cookie, through the standard library's own policy.
Their calls (`exchange`) do not even hand answers to the jar; it guards whatever else is sent
through the clients' `send` (a proxy from the environment, a benchmark's `get`).
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

__all__ = ["refusing_jar"]


def refusing_jar() -> CookieJar:
    """A cookie jar that keeps no cookie (no domain is allowed) and so never sends one."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
