"""How long a 100,000-address erasure list takes from bytes to queued (budget: 20 s on 2 cores).

Standalone: ``.venv/bin/python benchmarks/bench_bulk_erasure.py [--rows N] [--redis-url URL]``.
The list is generated in memory (a CSV with a BOM, mixed-case header and an extra column), run
through the same path as ``gongq erase`` (parse + validate + pipelined enqueue with audit events
and broker messages) and the figure and peak RSS are printed. It writes no file; it needs an
empty Redis database (default DB 14, which it refuses to use if not empty) and empties it after.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import redis

from producer.client import GongqClient
from producer.erase import submit_erasure_list
from worker.settings import Settings

BUDGET_SECONDS = 20.0


def erasure_csv(rows: int) -> bytes:
    lines = ["\ufeffName,E-Mail Address,Notes"]
    lines += [f"Person {i},Person.{i}@Customer-{i % 97}.example,ticket {i}" for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    store = redis.Redis.from_url(args.redis_url)
    if store.dbsize():
        print(f"refusing to run: {args.redis_url} is not empty", file=sys.stderr)
        return 2
    settings = Settings(redis_url=args.redis_url, sandbox=True, _env_file=None)
    client = GongqClient(settings, source="bench")
    data = erasure_csv(args.rows)
    try:
        start = time.perf_counter()
        report = submit_erasure_list(client, data)
        elapsed = time.perf_counter() - start
        queued = sum(int(store.llen(lane)) for lane in ("privacy", "default"))
    finally:
        store.flushdb()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(
        f"{args.rows:,} rows → {len(report.accepted):,} queued ({queued:,} broker messages), "
        f"{len(report.rejected)} rejected in {elapsed:.2f} s "
        f"({args.rows / elapsed:,.0f} rows/s; budget {BUDGET_SECONDS:.0f} s); peak RSS {peak_mb:.0f} MB"
    )
    return 0 if elapsed <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
