"""Saturation: does gongq keep Gong at its 3 requests/s with slow models and no 429s? (≥ 2.97/s)

Standalone: ``.venv/bin/python -m benchmarks.bench_saturation [--tasks N] [--quick]``.
300 mixed typed tasks (reads, writes and erasures from worker/operations/examples.py, each with a
fresh idempotency key) run through 2 worker processes of 32 threads each, with the sandbox model
taking 3 s per /v1/responses request and both Gong's simulated limit and gongq's global limiter
at 3/s. Measured from the sandbox's Gong log (what Gong would count): requests/s over the middle
80 % of the span of requests (ramp-up and ramp-down excluded) and 429 answers (goal 0); from the
task records: tasks/s and outcomes; from /proc: the summed peak RSS (VmHWM) of the worker
processes and their children (goal ≤ 1 GiB). ``executor`` picks the workers' executor
(``make bench`` runs both: the client executor's one model request per task must not cost Gong
utilization, since its limiter token is taken when the call leaves the worker).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from benchmarks.common import (
    enqueue_and_wait,
    fresh_key,
    new_run_id,
    stack,
    steady_rate,
    task_figures,
    worker_peak_rss_mib,
)
from producer.client import GongqClient, TaskRequest
from worker.operations.examples import example

GOAL_RATE = 2.97
GOAL_RSS_MIB = 1024.0
GONG_PER_SECOND = 3.0

#: The mix: mostly reads, a third writes, erasures among them. No file-bearing operation (they
#: would measure the media server) and none that can succeed only once (delete_meeting...).
MIX = [
    "list_users",
    "get_user",
    "list_calls",
    "get_call",
    "list_workspaces",
    "list_flows",
    "get_call_details",
    "list_scorecards",
    "set_call_access",
    "create_meeting",
    "report_content_viewed",
    "post_digital_interaction",
    "update_permission_profile",
    "erase_email",
    "erase_phone",
]


def payload(operation: str, i: int) -> dict[str, Any]:
    """The example payload; erasures get addresses of their own so they never erase the seed
    contact whose call the read operations of the mix fetch."""
    if operation == "erase_email":
        return {"emailAddress": f"bench.{i}@erasure.example"}
    if operation == "erase_phone":
        return {"phoneNumber": f"+1415555{i % 10000:04d}"}
    return example(operation)


def mixed_requests(n: int, run_id: str) -> list[TaskRequest]:
    """``n`` tasks cycling through :data:`MIX`, each with a new idempotency key."""
    return [
        TaskRequest(MIX[i % len(MIX)], payload(MIX[i % len(MIX)], i), fresh_key(run_id, i)) for i in range(n)
    ]


def run(
    quick: bool = False,
    tasks: int | None = None,
    workers: int = 2,
    concurrency: int = 32,
    latency: float | None = None,
    executor: str = "hosted",
) -> dict[str, Any]:
    """Run the saturation benchmark on a private Redis + sandbox; the figures as a dict."""
    n = tasks or (45 if quick else 300)
    model_latency = latency if latency is not None else (1.0 if quick else 3.0)
    with stack() as s:
        s.configure_sandbox(latency=model_latency, gong_per_second=GONG_PER_SECOND)
        settings = s.settings(gong_rate_per_second=GONG_PER_SECOND, executor=executor)
        s.start_workers(settings, workers, concurrency, prefix=f"saturation-{executor}")
        client = GongqClient(settings, source="bench")
        ids, started = enqueue_and_wait(client, mixed_requests(n, new_run_id()), timeout=120 + n * 2)
        rss_mib, rss_processes = worker_peak_rss_mib()
        figures = task_figures(client, ids, started)
        log = s.gong_log()
        model_requests = len(s.openai_log())
    times = [e["time"] for e in log if e["time"] >= started]
    rate, window, counted = steady_rate(times)
    return {
        "executor": executor,
        "tasks": n,
        "workers": workers,
        "concurrency": concurrency,
        "model_latency_s": model_latency,
        "gong_limit_per_s": GONG_PER_SECOND,
        "gong_requests_per_second": round(rate, 3),
        "steady_window_s": round(window, 1),
        "requests_in_window": counted,
        "gong_requests_total": len(times),
        "gong_429": sum(1 for e in log if e["status"] == 429),
        "model_requests_total": model_requests,
        "worker_peak_rss_mib": round(rss_mib, 1),
        "worker_processes_counted": rss_processes,
        **figures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--executor", choices=("hosted", "client"), default="hosted")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    r = run(args.quick, args.tasks, args.workers, args.concurrency, executor=args.executor)
    print(json.dumps(r, indent=2))
    ok = r["gong_requests_per_second"] >= GOAL_RATE * 0.95 and r["gong_429"] == 0
    return 0 if ok and r["worker_peak_rss_mib"] <= GOAL_RSS_MIB * 1.05 else 1


if __name__ == "__main__":
    sys.exit(main())


def run_client(quick: bool = False) -> dict[str, Any]:
    """The same saturation run with the client executor's workers."""
    return run(quick, executor="client")
