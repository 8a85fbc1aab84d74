"""Benchmark: how close do 4 workers sharing the global limiter get to Gong's 3 requests/second?

Starts a private redis-server and sandbox (never a developer's), sets Gong's simulated limit to
3/s with zero model latency, starts 4 worker processes (concurrency 2), and keeps them saturated
with list_users tasks for ``--seconds``. The rate is measured from the sandbox's request log
over the steady part (the first and last ``--trim`` seconds dropped), because that is what Gong
would count. Exits 1 if it is under ``--min-rate`` or if Gong answered any request with 429.

    .venv/bin/python benchmarks/bench_gong_rate.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import httpx

from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings

GONG_PER_SECOND = 3.0


def steady_rate(times: list[float], start: float, end: float) -> tuple[float, int]:
    """Requests per second between ``start`` and ``end`` (epoch), and how many fell in it."""
    inside = [t for t in times if start <= t <= end]
    span = end - start
    return (len(inside) / span if span > 0 else 0.0), len(inside)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long to keep Gong busy.")
    parser.add_argument("--workers", type=int, default=4, help="Worker processes.")
    parser.add_argument("--concurrency", type=int, default=2, help="Tasks in flight per worker.")
    parser.add_argument("--trim", type=float, default=3.0, help="Seconds dropped at each end.")
    parser.add_argument("--min-rate", type=float, default=2.7, help="Fail below this many requests/s.")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args(argv)

    with Processes() as processes:
        redis_url = processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
        sandbox_url = processes.ensure_sandbox(f"http://127.0.0.1:{free_port()}")
        settings = Settings(
            redis_url=redis_url,
            sandbox=True,
            sandbox_url=sandbox_url,
            openai_api_key="sandbox-openai-key",
            composio_api_key="sandbox-composio-key",
            key_prefix="bench",
            task_timeout_seconds=120,
            gong_rate_per_second=GONG_PER_SECOND,
            _env_file=None,
        )
        with httpx.Client(base_url=sandbox_url, timeout=10) as sandbox:
            sandbox.post("/_sandbox/reset").raise_for_status()
            sandbox.post("/_sandbox/model", json={"latency_seconds": 0}).raise_for_status()
            sandbox.post(
                "/_sandbox/gong/limits", json={"per_second": GONG_PER_SECOND, "per_day": 1_000_000}
            ).raise_for_status()
            for n in range(args.workers):
                processes.start_worker(settings, name=f"bench-worker-{n}", concurrency=args.concurrency)

            client = GongqClient(settings, source="bench")
            # More than the limit lets through in the time given, so the workers never run dry.
            total = int(args.seconds * GONG_PER_SECOND * 1.2) + 20
            ids = [client.enqueue("list_users", {}).task_id for _ in range(total)]

            wait_until(
                lambda: bool(sandbox.get("/_sandbox/gong/requests").json()["requests"]),
                60,
                "the first Gong request",
            )
            log = sandbox.get("/_sandbox/gong/requests").json()["requests"]
            first = min(e["time"] for e in log)
            deadline = first + args.seconds
            while time.time() < deadline:
                time.sleep(min(1.0, max(0.0, deadline - time.time())))
            log = sandbox.get("/_sandbox/gong/requests").json()["requests"]

    times = sorted(e["time"] for e in log)
    throttled = sum(1 for e in log if e["status"] == 429)
    rate, counted = steady_rate(times, first + args.trim, deadline - args.trim)
    done = sum(1 for t in times if t <= deadline)
    result = {
        "requests_per_second": round(rate, 3),
        "requests_in_steady_window": counted,
        "steady_window_seconds": round(args.seconds - 2 * args.trim, 1),
        "gong_requests_total": done,
        "responses_429": throttled,
        "tasks_enqueued": len(ids),
        "min_rate": args.min_rate,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"Gong requests/s (steady): {rate:.2f}  (limit {GONG_PER_SECOND:.1f}, floor {args.min_rate})")
        print(f"429 responses: {throttled}; requests in window: {counted}; total: {done}")
    return 0 if rate >= args.min_rate and throttled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
