"""Gong's daily budget at scale: N queued erasures, a budget of B a day, simulated day rollovers.

Standalone: ``OPENAI_AGENTS_DISABLE_TRACING=1 .venv/bin/python -m benchmarks.bench_daily_budget
[--queued 25000] [--budget 10000] [--workers 2] [--concurrency 16] [--days 1] [--day-timeout
1800]``. On a private redis-server and sandbox (zero model latency, Gong's per-second limit
lifted, its daily limit set to B so Gong itself would refuse a request past the budget), the
erasures are queued and run by real worker processes. Each simulated day: exactly min(B,
remaining) erasures reach Gong, the rest wait in ``deferred``; then midnight is simulated (the
limiter's day counter and Gong's are reset, the deferred tasks made due) and the workers' own
release loops put them back. None may be lost or run twice.
``tests/integration/test_daily_budget_scale.py`` runs the same scenario scaled down.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis

from producer.client import GongqClient, TaskRequest
from producer.processes import Processes, wait_until
from worker.keys import Keys
from worker.ratelimit import GongRateLimiter
from worker.settings import Settings
from worker.store import TaskStatus

ERASE_PATH = "/v2/data-privacy/erase-data-for-email-address"


@dataclass
class Day:
    ran: int
    deferred: int
    seconds: float


@dataclass
class Figures:
    queued: int
    budget: int
    enqueue_seconds: float
    days: list[Day] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.queued:,} erasures queued in {self.enqueue_seconds:.2f} s; daily budget {self.budget:,}"
        ]
        for n, day in enumerate(self.days, 1):
            out.append(
                f"day {n}: {day.ran:,} ran, {day.deferred:,} deferred, settled in {day.seconds:.1f} s "
                f"({day.ran / day.seconds:,.0f} tasks/s)"
            )
        return out


def email(run: str, n: int) -> str:
    return f"person.{n}@{run}.budget.example"


def _statuses(r: redis.Redis[str], keys: Keys, ids: list[str]) -> list[str]:
    pipe = r.pipeline(transaction=False)
    for task_id in ids:
        pipe.hget(keys.task(task_id), "status")
    return [str(s) for s in pipe.execute()]


def run_scenario(
    processes: Processes,
    base: Settings,
    sandbox: httpx.Client,
    *,
    queued: int,
    budget: int,
    days: int,
    workers: int = 1,
    concurrency: int = 16,
    day_timeout: float = 600,
) -> Figures:
    """Queue, run ``days`` simulated days and check each one; raises AssertionError on a violation."""
    run = uuid.uuid4().hex[:8]
    settings = base.model_copy(
        update={
            "key_prefix": f"budget-{run}",
            "gong_daily_budget": budget,
            "gong_rate_per_second": 1_000_000.0,
            "gong_rate_burst": 1_000_000.0,
            "deferred_release_interval_seconds": 0.2,
            # The erasures' follow-up lookups (worker.ledger) also spend budget when due: keep
            # them parked for the run, so each day's budget is the erasures' alone.
            "erasure_verify_delay_seconds": 7 * 24 * 3600.0,
        }
    )
    keys = Keys(settings.key_prefix)
    r: redis.Redis[str] = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    limiter = GongRateLimiter(r, keys, settings)
    limiter.reset_day()
    sandbox.post("/_sandbox/reset").raise_for_status()
    sandbox.post("/_sandbox/model", json={"latency_seconds": 0}).raise_for_status()
    sandbox.post(
        "/_sandbox/gong/limits", json={"per_second": 1_000_000, "per_day": budget}
    ).raise_for_status()

    client = GongqClient(settings, source="bench")
    started = time.perf_counter()
    requests = [TaskRequest("erase_email", {"emailAddress": email(run, n)}) for n in range(queued)]
    ids = [e.task_id for e in client.enqueue_many(requests, chunk_size=2000)]
    figures = Figures(queued, budget, time.perf_counter() - started)
    address_of = {task_id: email(run, n) for n, task_id in enumerate(ids)}

    for n in range(workers):
        processes.start_worker(settings, name=f"budget-{run}-{n}", concurrency=concurrency)

    succeeded_before: set[str] = set()
    seen_requests = 0
    for _ in range(days):
        remaining = queued - len(succeeded_before)
        expect_ran = min(budget, remaining)
        day_started = time.perf_counter()

        def settled(
            expect_ran: int = expect_ran, remaining: int = remaining, before: int = len(succeeded_before)
        ) -> bool:
            statuses = _statuses(r, keys, ids)
            done = statuses.count(TaskStatus.SUCCEEDED.value) - before
            waiting = statuses.count(TaskStatus.DEFERRED.value)
            return done == expect_ran and waiting == remaining - expect_ran

        try:
            # Reading every record is one pipelined HGET per task: poll a large run less often so
            # the check does not compete with the workers for Redis.
            poll = max(0.2, queued / 10_000)
            wait_until(settled, day_timeout, f"a day's {expect_ran} erasures to run", interval=poll)
        except Exception:
            counts = Counter(_statuses(r, keys, ids))
            print(f"day {len(figures.days) + 1}: {counts}, tokens used {limiter.used_today()}")
            raise
        seconds = time.perf_counter() - day_started
        statuses = dict(zip(ids, _statuses(r, keys, ids), strict=True))
        succeeded = {t for t, s in statuses.items() if s == TaskStatus.SUCCEEDED.value}
        deferred = {t for t, s in statuses.items() if s == TaskStatus.DEFERRED.value}
        assert succeeded_before <= succeeded
        assert len(succeeded) + len(deferred) == queued, "a task is neither done nor deferred"
        # Other deferred members are follow-ups the erasures queued themselves (their checks
        # that Gong carried the erasure out, due later), not tasks of this list.
        parked = set(r.zrange(keys.deferred, 0, -1)) & set(ids)
        assert parked == deferred, (
            f"deferred set and records disagree: {len(parked)} parked, {len(deferred)} deferred records; "
            f"{[(t, statuses.get(t)) for t in list(parked - deferred)[:3]]} "
            f"{[(t, r.zscore(keys.deferred, t)) for t in list(deferred - parked)[:3]]}"
        )
        log: list[dict[str, Any]] = [
            e
            for e in sandbox.get("/_sandbox/gong/requests", params={"since": seen_requests}).json()[
                "requests"
            ]
        ]
        seen_requests = max([seen_requests, *(e["seq"] for e in log)])
        erasures = [e for e in log if e["path"] == ERASE_PATH]
        assert limiter.used_today() == expect_ran, (
            f"day {len(figures.days) + 1}: {limiter.used_today()} tokens granted for {expect_ran} erasures; "
            f"Gong saw {Counter(e['path'] for e in log)}"
        )
        assert [e for e in log if e["status"] != 200] == [], "Gong refused a request"
        erased = [e["query"]["emailAddress"] for e in erasures]
        assert len(erased) == expect_ran == len(set(erased)), "an erasure reached Gong twice"
        assert set(erased) == {address_of[t] for t in succeeded - succeeded_before}
        figures.days.append(Day(expect_ran, len(deferred), seconds))
        succeeded_before = succeeded
        if not deferred:
            break
        # Midnight, simulated: both day counters reset, and the parked erasures are due now.
        sandbox.post("/_sandbox/gong/day").raise_for_status()
        limiter.reset_day()
        r.zadd(keys.deferred, dict.fromkeys(deferred, 0), xx=True)
    return figures


def main() -> int:
    from benchmarks.common import stack

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, default=25_000)
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=1, help="simulated days to run (3 runs all 25,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--day-timeout", type=float, default=1800, help="seconds one simulated day may take")
    args = parser.parse_args()
    with stack() as s:
        figures = run_scenario(
            s.processes,
            s.settings(task_timeout_seconds=120),
            s.sandbox,
            queued=args.queued,
            budget=args.budget,
            days=args.days,
            workers=args.workers,
            concurrency=args.concurrency,
            day_timeout=args.day_timeout,
        )
    print("\n".join(figures.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
