"""How long building a sandbox's seed data takes (every test builds a sandbox, so it matters for
the suite's time). Not run by the tests; speed lives here, not in timed assertions.

    .venv/bin/python bench/bench_seed.py
"""

from __future__ import annotations

import time

from gateway.sandbox.bedful.seed import seed_bookings
from gateway.sandbox.bedful.store import BedfulStore
from gateway.sandbox.carehq import CareHQSandbox
from gateway.sandbox.carehq.seed import build_seed


def cpu_ms(build: object) -> float:
    started = time.process_time()
    build()  # type: ignore[operator]
    return (time.process_time() - started) * 1000


def main() -> None:
    rows = []
    for name, clear, build in (
        ("Bedful seed", seed_bookings.cache_clear, lambda: BedfulStore.seeded(7)),
        ("CareHQ sandbox", build_seed.cache_clear, lambda: CareHQSandbox(seed=3)),
    ):
        cold = []
        for _ in range(5):
            clear()
            cold.append(cpu_ms(build))
        warm = min(cpu_ms(build) for _ in range(5))
        rows.append((name, min(cold), warm))
    print("| what | cold build, CPU ms (best of 5) | copy of a built seed, CPU ms |")
    print("|---|---:|---:|")
    for name, cold_ms, warm_ms in rows:
        print(f"| {name} | {cold_ms:.1f} | {warm_ms:.1f} |")


if __name__ == "__main__":
    main()
