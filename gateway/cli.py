"""`gateway serve | sandbox | schema`: the command line (the one module that prints).

A configuration error ends the command with one line on stderr naming the setting and exit
code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import uvicorn

from gateway.app import create_app
from gateway.logging import configure_logging
from gateway.observability.metrics import shared_by_workers
from gateway.sandbox import Sandbox, credentials
from gateway.schema import schema
from gateway.settings import ConfigError, Settings

logger = logging.getLogger("gateway")

WORKER_HEALTHCHECK_SECONDS = 30


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gateway", description="One GraphQL API over CareHQ and Bedful."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway (built-in sandboxes by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default 1); more than 1 needs GATEWAY_REDIS_URL",
    )

    sandbox = commands.add_parser("sandbox", help="serve only the emulated CareHQ and Bedful APIs")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8100)
    sandbox.add_argument("--latency-ms", type=int, default=0, help="added to every response")
    sandbox.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    sandbox.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="for benchmarks: lift every rate limit (CareHQ's 50/s, Bedful's 5/s and 100/min)",
    )
    sandbox.add_argument(
        "--no-signature-check",
        action="store_true",
        help="for benchmarking a peer that cannot sign: accept unsigned CareHQ requests",
    )

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args.host, args.port, args.workers)
        if args.command == "sandbox":
            return _sandbox(args)
        return _schema()
    except ConfigError as exc:
        print(f"gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 64, got {text!r}")
    return value


def _serve(host: str, port: int, workers: int) -> int:
    settings = Settings.load()
    if workers > 1 and settings.redis_url() is None:
        raise ConfigError(
            f"--workers {workers} needs GATEWAY_REDIS_URL: the workers must share idempotency "
            "keys and Bedful's budget through Redis (or run one worker)"
        )
    configure_logging(settings.gateway_log_level, settings.gateway_log_format)
    for name, is_sandbox, url in (
        ("CareHQ", settings.carehq_is_sandbox, settings.carehq_base_url),
        ("Bedful", settings.bedful_is_sandbox, settings.bedful_base_url),
    ):
        if is_sandbox:
            env = name.upper() + "_BASE_URL"
            logger.info("%s: built-in SANDBOX (generated demo data; set %s for real)", name, env)
        else:
            logger.info("%s: %s", name, url)
    for warning in settings.warnings(f"{host}:{port}"):
        logger.warning("%s", warning)
    with shared_by_workers(workers, enabled=settings.gateway_metrics):
        if workers == 1:
            app = create_app(settings)
            logger.info("GraphQL at http://%s:%d/graphql", host, port)
            uvicorn.run(app, host=host, port=port, access_log=False, log_config=None)
        else:
            _serve_workers(settings, host, port, workers)
    return 0


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    if settings.carehq_is_sandbox or settings.bedful_is_sandbox:
        logger.warning(
            "each of the %d workers has its own built-in sandbox (its own demo data, so a "
            "booking made through one worker is unknown to the others); run `gateway sandbox` "
            "and set CAREHQ_BASE_URL / BEDFUL_BASE_URL to share one",
            workers,
        )
    logger.info("GraphQL at http://%s:%d/graphql (%d workers)", host, port, workers)
    # Without Redis each worker keeps to its share of Bedful's budget: 1/N for N workers,
    # unless the operator counted the replicas too.
    os.environ.setdefault("GATEWAY_PROCESSES", str(settings.gateway_processes or workers))
    # Each worker is a process of its own: it builds its app from the same environment.
    uvicorn.run(
        "gateway.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        # A worker answers the supervisor's health check only once it has imported the
        # gateway (seconds on a busy machine); uvicorn's 5 s default kills slow starters.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _sandbox(args: argparse.Namespace) -> int:
    configure_logging("INFO")
    sandbox = Sandbox(
        seed=args.seed,
        latency_ms=args.latency_ms,
        rate_limits=not args.no_rate_limits,
        signature_check=not args.no_signature_check,
    )
    if args.no_rate_limits:
        logger.warning("sandbox: rate limits lifted (--no-rate-limits): not like the real APIs")
    if args.no_signature_check:
        logger.warning("sandbox: CareHQ accepts unsigned requests (--no-signature-check)")
    base = f"http://{args.host}:{args.port}"
    print(
        "Sandbox upstreams (generated demo data; these credentials are public):\n"
        f"  CAREHQ_BASE_URL={base}/carehq\n"
        f"  CAREHQ_ACCOUNT_ID={credentials.CAREHQ_ACCOUNT_ID}\n"
        f"  CAREHQ_API_KEY={credentials.CAREHQ_API_KEY}\n"
        f"  CAREHQ_API_SECRET={credentials.CAREHQ_API_SECRET}\n"
        f"  BEDFUL_BASE_URL={base}/bedful\n"
        f"  BEDFUL_API_KEY={credentials.BEDFUL_API_KEY}\n"
        f"Faults: POST {base}/_sandbox/{{carehq|bedful}}/faults, e.g. "
        '{"kind": "slow", "delay_ms": 2000}\n'
        f"Calls so far: GET {base}/_sandbox/stats",
        flush=True,
    )
    uvicorn.run(sandbox.app(), host=args.host, port=args.port, log_config=None)
    return 0


def _schema() -> int:
    sys.stdout.write(schema.as_str() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
