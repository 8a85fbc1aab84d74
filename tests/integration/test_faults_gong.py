"""Gong answers 20% of requests with 503 and 10% with 429 + Retry-After: every task still succeeds.

And no task asks Gong again before the Retry-After it was given: from the sandbox's request log,
each task's requests are told apart by their query (one fromDateTime second per task), so for
every 429 at time t the same task's next request comes at t + Retry-After or later.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from itertools import pairwise
from typing import Any

import httpx
import pytest

from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

TASKS = 20
RETRY_AFTER = 1


def _from(i: int) -> str:
    return f"2026-10-01T00:00:{i:02d}Z"


def test_reads_survive_5xx_and_429_and_honour_retry_after(
    own_processes: Processes, settings: Settings, sandbox: httpx.Client
) -> None:
    # A redis of its own: the session's worker would otherwise take these tasks.
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    faulty = settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"faults-{uuid.uuid4().hex[:8]}",
            "gong_rate_per_second": 1000.0,
            "max_attempts": 12,  # 30% of requests fail: 12 failures in a row are ~5e-7 per task
            "retry_base_seconds": 0.1,
            "retry_max_seconds": 0.5,
        }
    )
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 1000, "per_day": 100000}).raise_for_status()
    # Retry-After can be honoured only when Composio passes it on; here it does (in the error
    # text). Without it the policy's backoff applies (test_composio_shapes.py).
    sandbox.post("/_sandbox/composio/shapes", json={"retry_after_in_text": True}).raise_for_status()
    sandbox.post(
        "/_sandbox/gong/faults",
        json={
            "faults": [
                {"status": 503, "rate": 0.2},
                {"status": 429, "rate": 0.1, "retry_after": RETRY_AFTER},
            ]
        },
    ).raise_for_status()
    sandbox.post("/_sandbox/model", json={"latency_seconds": 0}).raise_for_status()
    own_processes.start_worker(faulty, name="faults-worker", concurrency=8)
    client = GongqClient(faulty, source="test")
    ids = {
        client.enqueue(
            "list_calls", {"fromDateTime": _from(i), "toDateTime": "2026-11-01T00:00:00Z"}
        ).task_id: i
        for i in range(TASKS)
    }

    def all_terminal() -> bool:
        return all(client.status(t).status.is_terminal for t in ids)

    try:
        wait_until(all_terminal, 90, f"{TASKS} tasks under faults to finish")
    except Exception:
        print(own_processes.log_tail("faults-worker"))
        raise
    records = {t: client.status(t) for t in ids}
    assert {t: r.status for t, r in records.items()} == dict.fromkeys(ids, TaskStatus.SUCCEEDED)

    log: list[dict[str, Any]] = sandbox.get("/_sandbox/gong/requests").json()["requests"]
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in log:
        if entry["path"] == "/v2/calls" and entry["method"] == "GET":
            by_task[entry["query"]["fromDateTime"]].append(entry)
    statuses = [e["status"] for entries in by_task.values() for e in entries]
    # The faults really fired, and were really retried.
    assert statuses.count(429) >= 1 and statuses.count(503) >= 1, statuses
    assert statuses.count(200) == TASKS
    assert len(by_task) == TASKS

    gaps_after_429: list[float] = []
    for i in range(TASKS):
        entries = sorted(by_task[_from(i)], key=lambda e: e["time"])
        assert entries[-1]["status"] == 200
        assert [e["status"] for e in entries].count(200) == 1  # no read after success
        for earlier, later in pairwise(entries):
            if earlier["status"] == 429:
                gaps_after_429.append(later["time"] - earlier["time"])
    assert gaps_after_429, "no task met a 429"
    assert min(gaps_after_429) >= RETRY_AFTER, gaps_after_429
    # Attempts stayed within the policy and every retry was audited with its next attempt.
    for task_id, record in records.items():
        retries = [e for e in client.audit.events(task_id) if e.fields["event"] == "retrying"]
        assert record.attempts == len(retries) + 1
        assert all(float(e.fields["next_attempt_at"]) > 0 for e in retries)
    print(
        f"\n{TASKS} tasks, {len(statuses)} Gong requests: {statuses.count(503)} x 503, "
        f"{statuses.count(429)} x 429; shortest gap after a 429: {min(gaps_after_429):.3f} s"
    )
