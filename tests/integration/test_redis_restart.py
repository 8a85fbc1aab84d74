"""Redis restarts mid-run (append-only file on): no task, result or audit event is lost.

The test starts its own redis-server with ``--appendonly yes`` on a free port, queues reads,
lets some finish, stops Redis with SIGTERM (it writes the AOF out) and starts it again on the
same port and directory. The worker reconnects by itself; every task ends succeeded, the
records and the audit stream written before the restart are all still there, and the audit
hash chain still verifies.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from tests.integration.broker_helpers import lost_by_the_broker
from worker.keys import Keys
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

TASKS = 40


def test_tasks_results_and_audit_survive_a_redis_restart(
    own_processes: Processes, settings: Settings, sandbox: httpx.Client, tmp_path: Path
) -> None:
    port = free_port()
    data_dir = tmp_path / "redis"
    url = own_processes.start_persistent_redis("redis-aof", port, data_dir)
    persistent = settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"restart-{uuid.uuid4().hex[:8]}",
            "gong_rate_per_second": 1000.0,
        }
    )
    keys = Keys(persistent.key_prefix)
    r: redis.Redis[str] = redis.Redis.from_url(url, decode_responses=True)
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 1000, "per_day": 100000}).raise_for_status()
    sandbox.post("/_sandbox/model", json={"latency_seconds": 0.2}).raise_for_status()
    client = GongqClient(persistent, source="test")
    ids = [client.enqueue("list_users", {}).task_id for _ in range(TASKS)]
    own_processes.start_worker(persistent, name="restart-worker", concurrency=4)

    def statuses() -> Counter[TaskStatus]:
        return Counter(client.status(t).status for t in ids)

    wait_until(lambda: statuses()[TaskStatus.SUCCEEDED] >= 10, 60, "10 tasks to succeed before the restart")
    own_processes.terminate("redis-aof")
    stopped_at = time.monotonic()
    # Stay down until a task in flight has had a model answer and must go to Redis for its next
    # step (the pin guard's rate-limit token, or its result). Each in-flight task makes at most
    # one more model request before it needs Redis, and some may be at a Redis step already:
    # waiting for two (as this test once did) failed when only one was in that position.
    answered = sandbox.get("/_sandbox/openai/requests").json()["count"]
    wait_until(
        lambda: sandbox.get("/_sandbox/openai/requests").json()["count"] >= answered + 1,
        30,
        "in-flight tasks to need Redis while it is down",
    )
    # What was durable at the moment Redis stopped is exactly what comes back.
    own_processes.start_persistent_redis("redis-aof", port, data_dir)
    down_for = time.monotonic() - stopped_at
    before = statuses()
    audit_before = client.audit.events()
    succeeded_before = [t for t in ids if client.status(t).status is TaskStatus.SUCCEEDED]
    assert len(succeeded_before) >= 10
    assert all(client.status(t).result is not None for t in succeeded_before)
    assert len(audit_before) >= TASKS + 2 * len(succeeded_before)  # queued + running + succeeded

    try:
        wait_until(lambda: all(client.status(t).status.is_terminal for t in ids), 90, "all tasks to finish")
    except Exception:
        stuck = [t for t in ids if not client.status(t).status.is_terminal]
        never_started = all(
            client.status(t).status is TaskStatus.QUEUED and client.status(t).attempts == 0 for t in stuck
        )
        if len(stuck) < 3 and never_started and lost_by_the_broker(r, stuck):
            # Redis stopped between a consumer's BRPOP and its write to "unacked": kombu's gap.
            pytest.xfail(f"{len(stuck)} broker message(s) lost in kombu's BRPOP window at the restart")
        print(statuses())
        print(own_processes.log_tail("restart-worker", 80))
        raise
    assert statuses() == {TaskStatus.SUCCEEDED: TASKS}
    audit_after = client.audit.events()
    # The events from before the restart are still the stream's first ones, unchanged.
    assert [e.stream_id for e in audit_after[: len(audit_before)]] == [e.stream_id for e in audit_before]
    assert sum(e.fields["event"] == "succeeded" for e in audit_after) >= TASKS
    check = client.audit.verify()
    assert check.ok, check
    assert r.zcard(keys.tasks_by_time) == TASKS
    print(
        f"\nRedis down {down_for:.2f} s; at restart {dict(before)}; "
        f"audit {len(audit_before)} -> {len(audit_after)} events"
    )
