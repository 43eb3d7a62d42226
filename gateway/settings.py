"""Configuration from the environment (pydantic-settings).

Names follow `../shared/design/contract.md`: `CAREHQ_*` and `BEDFUL_*` for an upstream, `GATEWAY_*`
for the gateway itself. An upstream whose `*_BASE_URL` is unset is served by the built-in sandbox.
A real upstream configured without its credentials, or reached over plain HTTP on a non-loopback
host, is refused at start-up (`Settings.load` raises `ConfigError` with a one-line message naming
the variables), never discovered at the first query. Secrets are `SecretStr`: they print masked.
How a single value is checked (a token, an origin, an upstream or Redis URL) is in
`settings_checks.py`; which checks apply, and the credentials each real upstream needs, are here.
"""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.settings_checks import cors_problems, redis_url_problems, token_problems, url_problems

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["text", "json"]


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the settings at fault."""


class Settings(BaseSettings):
    """Every setting, read from environment variables of the same name in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    carehq_base_url: str | None = Field(None, description="CareHQ base URL without /v1")
    carehq_account_id: str | None = None
    carehq_api_key: SecretStr | None = None
    carehq_api_secret: SecretStr | None = None
    carehq_timeout_seconds: float = Field(10.0, gt=0, le=120)
    carehq_connect_timeout_seconds: float = Field(3.0, gt=0, le=60)

    bedful_base_url: str | None = Field(None, description="Bedful base URL")
    bedful_api_key: SecretStr | None = None
    bedful_timeout_seconds: float = Field(10.0, gt=0, le=120)
    bedful_connect_timeout_seconds: float = Field(3.0, gt=0, le=60)
    bedful_requests_per_second: int = Field(5, ge=1, le=1000)
    bedful_requests_per_minute: int = Field(100, ge=1, le=60000)

    gateway_bedful_max_staleness_seconds: float = Field(10.0, ge=0, le=3600)
    """How old a Bedful answer served from the cache may be; 0 turns the cache off."""
    gateway_bedful_cache_max_bookings: int = Field(20_000, ge=1, le=10_000_000)
    """The most Bedful bookings the cache holds (least recently used go first)."""
    gateway_result_cache_max_mb: float = Field(32.0, ge=0, le=4096)
    """MB of JSON the reused Bedful-only GraphQL results take at most; 0 turns reuse off."""

    gateway_api_tokens: SecretStr | None = None
    """Comma-separated bearer tokens accepted on /graphql; unset: /graphql is open."""
    gateway_graphiql: bool = True
    gateway_introspection: bool = True
    """`__schema`/`__type` queries (codegen, GraphiQL's docs); off: also no "Did you mean"."""
    gateway_log_level: LogLevel = "INFO"
    gateway_log_format: LogFormat = "text"
    gateway_metrics: bool = True
    gateway_metrics_token: SecretStr | None = None
    """Bearer token `/metrics` requires; unset: `/metrics` is open (it holds no personal data)."""
    gateway_metrics_max_operations: int = Field(100, ge=1, le=10000)
    gateway_trace_fields: bool = False
    gateway_max_query_depth: int = Field(10, ge=2, le=50)
    gateway_max_aliases: int = Field(30, ge=1, le=1000)
    gateway_persisted_documents: str | None = None
    """Path of a persisted-documents manifest (sha256 -> document), e.g. graphql-codegen's."""
    gateway_persisted_only: bool = False
    """Run only the manifest's documents."""
    gateway_cors_origins: str = ""
    """Comma-separated exact origins (`https://app.example.com`) whose pages may call /graphql,
    or `*` for any; empty: no cross-origin access."""
    gateway_max_body_bytes: int = Field(262_144, ge=1024, le=100 * 1024 * 1024)
    """The largest request body accepted (413 above it): 256 KiB, 2.5 times the longest
    document accepted (100,000 characters) plus room for variables."""
    gateway_readiness_interval_seconds: float = Field(30.0, ge=1, le=3600)
    """/readyz probes an upstream at most once per interval, and only when no real call told
    how it is doing within the interval."""
    gateway_allow_insecure_upstreams: bool = False
    gateway_sandbox_seed: int = 1
    gateway_sandbox_latency_ms: int = Field(0, ge=0, le=60000)
    gateway_sandbox_rate_limits: bool = True
    """False lifts the built-in sandboxes' rate limits (load tests only; real APIs have them)."""
    gateway_redis_url: SecretStr | None = None
    """Shared state for several processes/replicas; unset: in-memory state of one process. A
    secret: it may carry a password."""
    gateway_processes: int | None = Field(None, ge=1, le=10000)
    """Gateway processes sharing Bedful's budget (replicas x workers); while Redis is unreachable
    each keeps to 1/N of it. Unset: `gateway serve --workers` (1 for one process)."""

    @property
    def carehq_is_sandbox(self) -> bool:
        return not self.carehq_base_url

    @property
    def bedful_is_sandbox(self) -> bool:
        return not self.bedful_base_url

    def carehq_credentials(self) -> tuple[str, str, str]:
        """(account id, API key, API secret) of the configured CareHQ (validated at load)."""
        return (
            self.carehq_account_id or "",
            _secret(self.carehq_api_key),
            _secret(self.carehq_api_secret),
        )

    def api_tokens(self) -> tuple[str, ...]:
        """The accepted bearer tokens (empty: no access control)."""
        raw = _secret(self.gateway_api_tokens)
        return tuple(token.strip() for token in raw.split(",") if token.strip())

    def cors_origins(self) -> tuple[str, ...]:
        """The origins allowed cross-origin access (validated at load)."""
        return tuple(o.strip() for o in self.gateway_cors_origins.split(",") if o.strip())

    def warnings(self, address: str) -> list[str]:
        """Unsafe combinations next to a real upstream, one line each, for `gateway serve`."""
        if self.carehq_is_sandbox and self.bedful_is_sandbox:
            return []
        if self.api_tokens():
            if self.gateway_metrics and self.metrics_token() is None:
                return [
                    "GATEWAY_API_TOKENS is set but /metrics is open (it names operations and "
                    "upstream routes, no personal data); set GATEWAY_METRICS_TOKEN or block "
                    "/metrics at the ingress"
                ]
            return []
        warnings = [
            f"GATEWAY_API_TOKENS is not set: anyone who can reach {address} can read and change "
            "bookings in the configured upstreams"
        ]
        if self.gateway_introspection:
            warnings.append(
                "GATEWAY_INTROSPECTION is on without GATEWAY_API_TOKENS: anyone can read the "
                "whole schema; set GATEWAY_INTROSPECTION=false or set tokens"
            )
        if self.gateway_graphiql:
            warnings.append(
                "GATEWAY_GRAPHIQL is on without GATEWAY_API_TOKENS: anyone can browse and query "
                "the configured upstreams from a page; set GATEWAY_GRAPHIQL=false or set tokens"
            )
        return warnings

    def redis_url(self) -> str | None:
        """The configured Redis URL, password included (for the client only; never log it)."""
        return _secret(self.gateway_redis_url) or None

    def redis_display(self) -> str | None:
        """The Redis URL for logs: any password replaced by `***`."""
        url = self.redis_url()
        return _without_password(url) if url else None

    def metrics_token(self) -> str | None:
        """The bearer token `/metrics` requires, if one is set."""
        return _secret(self.gateway_metrics_token).strip() or None

    def bedful_key(self) -> str:
        """The configured Bedful channel key (validated at load)."""
        return _secret(self.bedful_api_key)

    @model_validator(mode="after")
    def _refuse_incomplete_upstreams(self) -> Self:
        problems = token_problems(self.gateway_api_tokens) + cors_problems(self.cors_origins())
        if self.gateway_persisted_only and not self.gateway_persisted_documents:
            problems.append(
                "GATEWAY_PERSISTED_ONLY is set but GATEWAY_PERSISTED_DOCUMENTS (a manifest) is not"
            )
        if self.carehq_base_url:
            missing = [
                name
                for name, value in (
                    ("CAREHQ_ACCOUNT_ID", self.carehq_account_id),
                    ("CAREHQ_API_KEY", self.carehq_api_key),
                    ("CAREHQ_API_SECRET", self.carehq_api_secret),
                )
                if not _present(value)
            ]
            if missing:
                verb = "is" if len(missing) == 1 else "are"
                problems.append(f"CAREHQ_BASE_URL is set but {', '.join(missing)} {verb} not set")
            problems += url_problems(
                "CAREHQ_BASE_URL", self.carehq_base_url, self.gateway_allow_insecure_upstreams
            )
        if self.bedful_base_url:
            if not _present(self.bedful_api_key):
                problems.append("BEDFUL_BASE_URL is set but BEDFUL_API_KEY is not set")
            problems += url_problems(
                "BEDFUL_BASE_URL", self.bedful_base_url, self.gateway_allow_insecure_upstreams
            )
        if self.gateway_redis_url is not None:
            problems += redis_url_problems(_secret(self.gateway_redis_url))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def load(cls) -> Settings:
        """Reads the environment; raises `ConfigError` with a one-line, secret-free message."""
        try:
            return cls()
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _present(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host += f":{parts.port}"
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _one_line(exc: ValidationError) -> str:
    messages = []
    for error in exc.errors(include_url=False, include_input=False):
        location = "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        messages.append(f"{location}: {message}" if location else message)
    return "; ".join(messages)
