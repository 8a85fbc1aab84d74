"""Gong's daily budget at scale, scaled down: 250 queued erasures, a budget of 100 a day.

The issue's figure is 25,000 queued with a budget of 10,000; a real worker runs ~8 erasures/s on
2 cores (each is a full agent run), so the full size is ``benchmarks/bench_daily_budget.py``
and this test keeps the proportions. Each simulated day exactly the budget's worth of erasures
reaches Gong (whose own daily limit is set to the budget, so one more would be refused), the
rest wait in ``deferred``, none is lost and none reaches Gong twice; after three rollovers all
250 are done.
"""

from __future__ import annotations

import httpx
import pytest

from benchmarks.bench_daily_budget import run_scenario
from producer.processes import Processes, free_port
from worker.settings import Settings

pytestmark = pytest.mark.integration

QUEUED = 250
BUDGET = 100


def test_budget_runs_exactly_its_share_each_day_and_loses_nothing(
    own_processes: Processes, settings: Settings, sandbox: httpx.Client
) -> None:
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    figures = run_scenario(
        own_processes,
        settings.model_copy(update={"redis_url": url}),
        sandbox,
        queued=QUEUED,
        budget=BUDGET,
        days=3,
        workers=2,
        concurrency=8,
        day_timeout=90,
    )
    assert [(d.ran, d.deferred) for d in figures.days] == [(100, 150), (100, 50), (50, 0)]
    print("\n" + "\n".join(figures.lines()))
