"""Gong's daily budget spent: tasks are deferred to the reset, then released and run.

A worker with GONGQ_GONG_DAILY_BUDGET=3 gets five tasks: three run, two wait in the
``deferred`` sorted set with ``next_attempt_at`` at the next UTC midnight. Standing in for
midnight, the test forgets today's count and makes the deferred tasks due; the worker's own
release loop puts them back on the queue and they run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.keys import Keys
from worker.ratelimit import GongRateLimiter
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


def test_spent_budget_defers_until_reset_then_runs(
    own_processes: Processes, own_redis_settings: Settings, sandbox: httpx.Client
) -> None:
    budgeted = own_redis_settings.model_copy(
        update={"key_prefix": f"budget-{uuid.uuid4().hex[:8]}", "gong_daily_budget": 3}
    )
    own_processes.start_worker(budgeted, name="budget-worker", concurrency=1)
    client = GongqClient(budgeted, source="test")
    ids = [client.enqueue("list_users", {}).task_id for _ in range(5)]

    def settled() -> bool:
        statuses = [client.status(t).status for t in ids]
        return statuses.count(TaskStatus.SUCCEEDED) == 3 and statuses.count(TaskStatus.DEFERRED) == 2

    try:
        wait_until(settled, 60, "3 tasks to succeed and 2 to be deferred")
    except Exception:
        print(own_processes.log_tail("budget-worker"))
        raise
    r: redis.Redis[str] = redis.Redis.from_url(budgeted.redis_url, decode_responses=True)
    keys = Keys(budgeted.key_prefix)
    seconds, _ = r.time()
    midnight = datetime.combine(
        datetime.fromtimestamp(seconds, UTC).date() + timedelta(days=1), datetime.min.time(), UTC
    ).timestamp()
    deferred = [client.status(t) for t in ids if client.status(t).status is TaskStatus.DEFERRED]
    assert [d.next_attempt_at for d in deferred] == [midnight, midnight]
    assert [d.attempts for d in deferred] == [0, 0]  # the spent budget cost them no attempt
    assert dict(r.zrange(keys.deferred, 0, -1, withscores=True)) == {d.id: midnight for d in deferred}
    events = [e.fields["event"] for e in client.audit.events(deferred[0].id)]
    assert events[-1] == "deferred"

    # Midnight, simulated: today's count is forgotten and the parked tasks are due now.
    GongRateLimiter(r, keys, budgeted).reset_day()
    r.zadd(keys.deferred, {d.id: 0 for d in deferred})
    wait_until(
        lambda: all(client.status(d.id).status is TaskStatus.SUCCEEDED for d in deferred),
        30,
        "the deferred tasks to be released and run",
    )
    assert r.zcard(keys.deferred) == 0
    events = [e.fields["event"] for e in client.audit.events(deferred[0].id)]
    assert events[-4:] == ["deferred", "released", "running", "succeeded"]
