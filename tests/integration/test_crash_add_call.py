"""A worker SIGKILLed mid-run loses no task and creates no call twice.

Fifty add_call tasks (media by URL, 0.3 s of model latency so several are in flight) run on a
worker that is killed with its whole process group: nothing acks, nothing restores. The broker
hands the unacknowledged messages out again once their visibility timeout has passed; the test
stands in for that wait (``requeue_unacked``, kombu's own restore) and starts a new worker.
Every task ends succeeded and Gong never accepted two calls with one clientUniqueId.

The second test pins down the narrow window between Gong creating the call and the worker
recording success: the redelivered attempt meets Gong's 409 for its own clientUniqueId, and that
must count as done, not as a dead letter.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.media_server import serving, tone_wav
from producer.processes import Processes, free_port, requeue_unacked, wait_until
from tests.integration.broker_helpers import lost_by_the_broker
from worker.operations.examples import CONTACT, USER
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

TASKS = 50


@pytest.fixture()
def crash_settings(own_processes: Processes, settings: Settings) -> Settings:
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    return settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"crash-{uuid.uuid4().hex[:8]}",
            "gong_rate_per_second": 1000.0,
        }
    )


def _add_call(media_url: str, n: int) -> dict[str, Any]:
    return {
        "title": f"Crash test call {n}",
        "actualStart": "2026-10-20T15:00:00Z",
        "primaryUser": USER,
        "downloadMediaUrl": media_url,
        "parties": [{"emailAddress": CONTACT, "name": "Jamie Rivera"}],
    }


def _calls_posted(sandbox: httpx.Client) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = sandbox.get("/_sandbox/gong/requests").json()["requests"]
    return [e for e in log if e["method"] == "POST" and e["path"] == "/v2/calls"]


def test_sigkilled_worker_loses_no_task_and_duplicates_no_call(
    own_processes: Processes, crash_settings: Settings, sandbox: httpx.Client
) -> None:
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 1000, "per_day": 100000}).raise_for_status()
    sandbox.post("/_sandbox/model", json={"latency_seconds": 0.3}).raise_for_status()
    client = GongqClient(crash_settings, source="test")
    with serving(tone_wav(0.2)) as media:
        ids = [client.enqueue("add_call", _add_call(media.url, n)).task_id for n in range(TASKS)]
        own_processes.start_worker(crash_settings, name="crash-worker-1", concurrency=8)

        def count(status: TaskStatus) -> int:
            return sum(client.status(t).status is status for t in ids)

        wait_until(
            lambda: count(TaskStatus.SUCCEEDED) >= 10 and count(TaskStatus.RUNNING) >= 4,
            60,
            "10 tasks done and several in flight",
            interval=0.01,
        )
        own_processes.kill("crash-worker-1")
        at_kill = Counter(client.status(t).status for t in ids)
        assert at_kill[TaskStatus.RUNNING] >= 1, at_kill  # the kill really caught tasks mid-run
        redelivered = requeue_unacked(crash_settings)
        assert redelivered >= at_kill[TaskStatus.RUNNING]

        own_processes.start_worker(crash_settings, name="crash-worker-2", concurrency=8)
        broker: redis.Redis[str] = redis.Redis.from_url(crash_settings.redis_url, decode_responses=True)

        idle_polls = [0]

        def settled() -> bool:
            """Every task done, or (for a few polls in a row) nothing left that could move one."""
            if all(client.status(t).status.is_terminal for t in ids):
                return True
            in_broker = broker.llen("default") + broker.llen("privacy") + broker.hlen("unacked")
            idle = in_broker == 0 and not any(client.status(t).status is TaskStatus.RUNNING for t in ids)
            idle_polls[0] = idle_polls[0] + 1 if idle else 0
            return idle_polls[0] >= 5

        try:
            wait_until(settled, 90, "all 50 tasks to finish", interval=0.2)
        except Exception:
            print(own_processes.log_tail("crash-worker-2"))
            raise
    lost = [t for t in ids if client.status(t).status is TaskStatus.QUEUED and client.status(t).attempts == 0]
    if 0 < len(lost) < 3 and lost_by_the_broker(broker, lost):
        # Known Celery/kombu Redis-transport gap (celery/celery#4354, kombu#305): a message popped
        # by BRPOP but not yet recorded as unacked when the worker dies is gone for good.
        pytest.xfail(f"{len(lost)} broker message(s) lost with the killed worker (kombu BRPOP gap)")
    records = [client.status(t) for t in ids]
    assert Counter(r.status for r in records) == {TaskStatus.SUCCEEDED: TASKS}, [
        (r.id, r.status, r.error) for r in records if r.status is not TaskStatus.SUCCEEDED
    ]
    posted = _calls_posted(sandbox)
    created = Counter(e["client_unique_id"] for e in posted if e["status"] == 200)
    assert set(created) == {f"gongq-{t}" for t in ids}
    assert max(created.values()) == 1, [k for k, v in created.items() if v > 1]
    # Every task's result names the one call Gong created for it.
    assert sorted(str(r.result["client_unique_id"]) for r in records if r.result) == sorted(created)
    print(
        f"\nat kill: {dict(at_kill)}; {redelivered} unacked message(s) redelivered; "
        f"{len(posted)} POST /v2/calls, statuses {dict(Counter(e['status'] for e in posted))}"
    )


def test_redelivery_after_gong_created_the_call_is_not_dead_lettered(
    own_processes: Processes, crash_settings: Settings, sandbox: httpx.Client, sandbox_url: str
) -> None:
    """Gong created the call, then the worker died before recording it: the retry gets a 409."""
    sandbox.post("/_sandbox/model", json={"latency_seconds": 0}).raise_for_status()
    client = GongqClient(crash_settings, source="test")
    with serving(tone_wav(0.2)) as media:
        payload = _add_call(media.url, 0)
        task_id = client.enqueue("add_call", payload).task_id
        # The first attempt's request, as Gong received it (no worker is running yet).
        first = httpx.post(
            f"{sandbox_url}/v2/calls",
            json={
                **payload,
                "clientUniqueId": f"gongq-{task_id}",
                "direction": "Outbound",
                "parties": [{"userId": USER}, *payload["parties"]],
            },
            auth=("sandbox-gong-access-key", "sandbox-gong-secret"),
        )
        assert first.status_code == 200, first.text
        call_id = first.json()["callId"]
        own_processes.start_worker(crash_settings, name="redelivery-worker", concurrency=1)
        record = client.wait(task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, (record.status, record.error)
    assert record.result is not None and record.result["call_id"] == call_id
    created = [e for e in _calls_posted(sandbox) if e["status"] == 200]
    assert len(created) == 1
