"""Scaling: Gong requests/s and tasks/s with 1, 2 and 4 worker processes (informational).

Standalone: ``.venv/bin/python -m benchmarks.bench_scaling [--tasks N] [--quick]``.
Model latency 3 s per /v1/responses request and Gong's limit lifted to 50/s (sandbox and
gongq's limiter), so the workers, not Gong, bound throughput. For each worker count, a fresh
Redis + sandbox, the same fixed number of mixed typed tasks (the saturation mix), and the same
per-process thread concurrency. Measured: Gong requests/s over the whole run (and over the
middle 80 % of the request span), tasks/s (enqueue → last result), 429s and outcomes. On 2
cores the curve flattens once the agent runs (CPU) rather than the model latency (waiting) dominate.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from benchmarks.bench_saturation import mixed_requests
from benchmarks.common import enqueue_and_wait, new_run_id, stack, steady_rate, task_figures
from producer.client import GongqClient

GONG_PER_SECOND = 50.0


def run(
    quick: bool = False,
    tasks: int | None = None,
    counts: tuple[int, ...] | None = None,
    concurrency: int = 16,
) -> dict[str, Any]:
    """One run per worker count; the figures as a dict."""
    n = tasks or (30 if quick else 192)
    latency = 1.0 if quick else 3.0
    runs = []
    for workers in counts or ((1, 2) if quick else (1, 2, 4)):
        with stack() as s:
            s.configure_sandbox(latency=latency, gong_per_second=GONG_PER_SECOND)
            settings = s.settings(gong_rate_per_second=GONG_PER_SECOND, gong_rate_burst=GONG_PER_SECOND)
            s.start_workers(settings, workers, concurrency, prefix=f"scaling{workers}-")
            client = GongqClient(settings, source="bench")
            ids, started = enqueue_and_wait(client, mixed_requests(n, new_run_id()), timeout=120 + n * 2)
            figures = task_figures(client, ids, started)
            log = s.gong_log()
        times = [e["time"] for e in log if e["time"] >= started]
        rate, window, _ = steady_rate(times)
        runs.append(
            {
                "workers": workers,
                # Whole run: with 3 s model turns Gong requests come in waves, so a middle window
                # of a short run says little; requests / (enqueue → last result) is stable.
                "gong_requests_per_second": round(len(times) / figures["wall_seconds"], 3),
                "gong_requests_per_second_middle_80": round(rate, 3),
                "steady_window_s": round(window, 1),
                "gong_429": sum(1 for e in log if e["status"] == 429),
                **figures,
            }
        )
    return {"tasks_per_run": n, "concurrency": concurrency, "model_latency_s": latency, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick, args.tasks, concurrency=args.concurrency), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
