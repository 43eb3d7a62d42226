"""Running the `gateway` command line as an operator does: real processes on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def clean_env() -> dict[str, str]:
    """This environment without the gateway's own settings (a developer's shell must not leak
    in: a real upstream, Redis, tracing)."""
    own = ("CAREHQ_", "BEDFUL_", "GATEWAY_", "OTEL_", "PROMETHEUS_MULTIPROC_DIR")
    return {k: v for k, v in os.environ.items() if not k.startswith(own)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_gateway(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`gateway ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean_env(), **(env or {})},
        check=False,
    )


def start_gateway_process(
    *args: str, ready_path: str, env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[str]]:
    """`gateway ARGS --port <free>` in the background, once `ready_path` answers; (base URL,
    process). The caller terminates it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**clean_env(), **(env or {})},
        start_new_session=True,  # its own process group: a failed start is killed whole
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + ready_path, timeout=1).status_code == 200:
                return base, process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            # The group, workers included: a worker left holding stdout would block the read
            # below for good (the suite then stalls until its stuck-test timeout).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"gateway {' '.join(args)} did not start:\n{output}")
        time.sleep(0.1)
