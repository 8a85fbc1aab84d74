"""gongq's overhead: trivial reads through gongq vs. a bare Celery task (goal ratio ≥ 0.5).

Standalone: ``.venv/bin/python -m benchmarks.bench_overhead [--tasks N] [--concurrency C]``.
With the model answering at once (latency 0) and Gong's limit lifted to 1000/s (in the sandbox
and in gongq's limiter), ``list_users`` tasks run through one gongq worker process (task record,
limiter token, hosted agent run with its two /v1/responses requests, MCP call, evidence, audit)
and then, in the same run and at the same thread concurrency, through one bare Celery worker
(:mod:`benchmarks.bare_celery`: only the Gong HTTP call). Measured: tasks/s of each (enqueue of
the first → result of the last), their ratio gongq/bare, and p50/p99 enqueue-to-result latency.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from benchmarks import bare_celery
from benchmarks.common import enqueue_and_wait, fresh_key, new_run_id, percentile, stack, task_figures
from producer.client import GongqClient, TaskRequest

GOAL_RATIO = 0.5
LIFTED = 1000.0


def run(quick: bool = False, tasks: int | None = None, concurrency: int = 16) -> dict[str, Any]:
    """Both sides on a private Redis + sandbox; returns the figures as a dict."""
    n = tasks or (60 if quick else 1000)
    with stack() as s:
        s.configure_sandbox(latency=0.0, gong_per_second=LIFTED)
        settings = s.settings(gong_rate_per_second=LIFTED, gong_rate_burst=LIFTED)
        s.start_workers(settings, 1, concurrency, prefix="overhead")
        client = GongqClient(settings, source="bench")
        run_id = new_run_id()
        requests = [TaskRequest("list_users", {}, fresh_key(run_id, i)) for i in range(n)]
        ids, started = enqueue_and_wait(client, requests, timeout=60 + n * 2)
        gongq = task_figures(client, ids, started)
        bare = _bare(s.processes, s.redis_url, s.sandbox_url, n, concurrency)
    ratio = gongq["tasks_per_second"] / bare["tasks_per_second"] if bare["tasks_per_second"] else 0.0
    return {
        "tasks": n,
        "concurrency": concurrency,
        "gongq": gongq,
        "bare_celery": bare,
        "throughput_ratio": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
    }


def _bare(processes: Any, redis_url: str, sandbox_url: str, n: int, concurrency: int) -> dict[str, Any]:
    """The same n calls through a bare Celery worker on DB 1 of the same Redis."""
    bare_url = redis_url.rsplit("/", 1)[0] + "/1"
    env = {"BARE_REDIS_URL": bare_url, "BARE_GONG_BASE_URL": sandbox_url}
    processes.start(
        "bare-celery",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "benchmarks.bare_celery",
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"-Q{bare_celery.QUEUE}",
            "--loglevel=INFO",
        ],
        env=env,
    )
    app = bare_celery.app
    app.conf.update(broker_url=bare_url, result_backend=bare_url)
    from producer.processes import wait_until

    wait_until(lambda: " ready." in processes.log_tail("bare-celery", 200), 60, "the bare Celery worker")
    started = time.time()
    sent: list[tuple[float, Any]] = []
    for _ in range(n):
        sent.append((time.time(), app.send_task(bare_celery.TASK_NAME, queue=bare_celery.QUEUE)))
    finished = [(at, result.get(timeout=120)["finished_at"]) for at, result in sent]
    last = max(done for _, done in finished)
    latencies = [done - at for at, done in finished]
    return {
        "tasks": n,
        "tasks_per_second": round(n / (last - started), 3),
        "wall_seconds": round(last - started, 2),
        "latency_p50_s": round(percentile(latencies, 0.50), 4),
        "latency_p99_s": round(percentile(latencies, 0.99), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.quick, args.tasks, args.concurrency)
    print(json.dumps(result, indent=2))
    return 0 if result["throughput_ratio"] >= GOAL_RATIO * 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
