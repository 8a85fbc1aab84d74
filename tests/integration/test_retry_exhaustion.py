"""Retries run out into the dead letter, not into limbo.

Gong answers every request with 503, so each of ``max_attempts`` attempts fails Retryable. The
task must end dead after exactly that many attempts. (Celery's own default of 3 retries once cut
the policy short: the 4th retry raised MaxRetriesExceededError and the task stayed "retrying".)
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


def test_five_transient_failures_dead_letter_the_task(
    processes: Processes, own_processes: Processes, settings: Settings, sandbox: httpx.Client
) -> None:
    own = settings.model_copy(
        update={
            # A redis-server of its own: the session worker must not take this test's tasks.
            "redis_url": processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0"),
            "key_prefix": f"exhaust-{uuid.uuid4().hex[:8]}",
            "max_attempts": 5,
        }
    )
    sandbox.post("/_sandbox/gong/faults", json={"faults": [{"status": 503, "rate": 1.0}]}).raise_for_status()
    own_processes.start_worker(own, name="exhaust-worker", concurrency=1)
    client = GongqClient(own, source="test")
    task_id = client.enqueue("list_users", {}).task_id
    try:
        wait_until(lambda: client.status(task_id).status is TaskStatus.DEAD, 90, "the task to die")
    except Exception:
        print(own_processes.log_tail("exhaust-worker"))
        raise
    record = client.status(task_id)
    assert record.attempts == 5
    assert record.error is not None and "gave up after 5 attempts" in record.error
    events = [e.fields["event"] for e in client.audit.events(task_id)]
    assert events.count("retrying") == 4 and events[-1] == "dead"
