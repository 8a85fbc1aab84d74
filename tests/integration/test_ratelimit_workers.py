"""Four real worker processes share one Gong rate limiter: Gong never answers 429.

Gong's simulated limit is 3/s with zero model latency, so without the shared limiter eight
concurrent tasks would burst past it. Each test uses its own key prefix and its own worker
processes (stopped when the test ends), so no other test's worker takes these tasks.
"""

from __future__ import annotations

import httpx
import pytest

from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.operations.examples import USER
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


def test_four_workers_stay_under_gongs_limit(
    own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 3, "per_day": 100000}).raise_for_status()
    for n in range(4):
        own_processes.start_worker(prefixed, name=f"rl-worker-{n}", concurrency=2)
    client = GongqClient(prefixed, source="test")
    ids = [
        client.enqueue(*(("list_users", {}) if i % 2 else ("get_user", {"id": USER}))).task_id
        for i in range(30)
    ]

    def all_terminal() -> bool:
        return all(client.status(task_id).status.is_terminal for task_id in ids)

    try:
        wait_until(all_terminal, 90, "30 rate-limited tasks to finish")
    except Exception:
        print(own_processes.log_tail("rl-worker-0"))
        raise
    statuses = [client.status(task_id).status for task_id in ids]
    assert statuses == [TaskStatus.SUCCEEDED] * 30
    log = sandbox.get("/_sandbox/gong/requests").json()["requests"]
    assert len(log) >= 30
    assert [e for e in log if e["status"] == 429] == []
    # The limiter spaced them: no more than burst + rate * elapsed requests in any window.
    times = sorted(e["time"] for e in log)
    elapsed = times[-1] - times[0]
    assert len(times) <= 3 + 3.0 * elapsed + 1
