"""Flower tells the truth: what gongq decided about a task is the state Flower shows.

A dead-lettered task is FAILURE with its reason (personal data as tokens), a retried one RETRY
while it waits for its countdown, a parked, deferred or needs-review one PARKED, DEFERRED or
NEEDS_REVIEW — never a green SUCCESS. Each test runs the real Flower (``python -m
producer.flower``) against a real worker and reads Flower's ``/api/tasks``; it also reads
Celery's result backend (what ``AsyncResult`` sees) and checks the message was acked: it is
neither in kombu's ``unacked`` hash nor on a queue, so it can never be delivered again.

Dead, retrying and needs-review tasks run on the session's worker. Parked and deferred ones
need a worker of their own: a task that meets no Gong connection makes its worker park every
task for a while, and a daily budget is a worker setting.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from celery.result import AsyncResult

from producer.cli_reliability import retry_task
from producer.client import GongqClient
from producer.processes import Processes, wait_until
from tests.integration.flower_helpers import AUTH, start_flower, wait_for_flower_events, wait_for_flower_task
from worker.app import create_celery
from worker.errors import DeadLettered
from worker.keys import Keys
from worker.operations.examples import EXAMPLES
from worker.ratelimit import GongRateLimiter
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


@pytest.fixture()
def flower(worker: Processes, settings: Settings, tmp_path: Path) -> str:
    """Flower on the session's worker, its event receiver up."""
    _, url = start_flower(worker, settings, tmp_path / "flower.db")
    wait_for_flower_events(url)
    return url


def flower_pages(url: str, task: dict[str, Any]) -> str:
    """What an operator reads about ``task`` in Flower: the task list and the task's details."""
    pages = [httpx.get(f"{url}/api/tasks", auth=AUTH, timeout=5).text]
    pages.append(httpx.get(f"{url}/api/task/info/{task['uuid']}", auth=AUTH, timeout=5).text)
    return "\n".join(pages)


def flower_states(url: str, task_id: str) -> list[str]:
    """The states of every Celery message of ``task_id`` Flower knows (a retry by an operator,
    a release from the parked or deferred set sends a new message)."""
    tasks = httpx.get(f"{url}/api/tasks", auth=AUTH, timeout=5).raise_for_status().json()
    return sorted(str(t["state"]) for t in tasks.values() if task_id in str(t.get("args")))


def backend_result(settings: Settings, message_id: str) -> AsyncResult:
    """The message's result as Celery's result backend holds it (state, result or exception)."""
    return AsyncResult(message_id, app=create_celery(settings))


def held_by_broker(settings: Settings, message_id: str) -> list[str]:
    """Where the broker still holds the message: kombu's ``unacked`` hash (put back on its
    queue after the visibility timeout) and any list (a queue). Empty once it was acked."""
    r: redis.Redis[str] = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    places = [f"unacked {tag}" for tag, raw in r.hgetall("unacked").items() if message_id in raw]
    for key in r.scan_iter(_type="list"):
        places += [f"list {key}" for raw in r.lrange(key, 0, -1) if message_id in raw]
    return places


def wait_acked(settings: Settings, message_id: str) -> None:
    wait_until(lambda: not held_by_broker(settings, message_id), 10, f"message {message_id} to be acked")


def test_a_dead_lettered_task_is_failure_in_flower_with_its_reason_and_no_raw_address(
    worker: Processes, flower: str, client: GongqClient, settings: Settings
) -> None:
    organizer = f"organizer-{uuid.uuid4().hex[:8]}@customer.example"  # not a Gong user: 404, final
    task_id = client.enqueue(
        "create_meeting", {**EXAMPLES["create_meeting"], "organizerEmail": organizer}
    ).task_id
    record = client.wait(task_id, timeout=60)
    assert record.status is TaskStatus.DEAD, record.error
    assert record.error is not None and "is not a Gong user" in record.error
    assert organizer not in record.error and "pii:" in record.error  # Gong quoted it; kept as a token

    task = wait_for_flower_task(flower, task_id, state="FAILURE")
    assert task["exception"] == f"DeadLettered({record.error!r})"
    assert organizer not in flower_pages(flower, task)  # nor in the traceback, the args, anything
    worker_log = (worker.log_dir / "worker.log").read_text(errors="replace")
    assert organizer not in worker_log
    # An expected failure: Celery logs it in one line at INFO, without a traceback.
    lines = [json.loads(line) for line in worker_log.splitlines() if task["uuid"] in line]
    failed = [line for line in lines if "raised expected" in line["message"]]
    assert len(failed) == 1, lines
    assert failed[0]["level"] == "INFO" and "stack" not in failed[0]

    backend = backend_result(settings, task["uuid"])
    assert backend.state == "FAILURE"
    assert isinstance(backend.result, DeadLettered)  # rebuilt from the JSON result backend
    assert str(backend.result) == record.error
    wait_acked(settings, task["uuid"])

    # `gongq retry` reads gongq's records, not Celery's: the task runs again and dies again.
    assert retry_task(settings, task_id).status is TaskStatus.QUEUED
    wait_until(
        lambda: flower_states(flower, task_id) == ["FAILURE", "FAILURE"], 60, "the retried task to die"
    )
    again = client.status(task_id)
    assert again.status is TaskStatus.DEAD and again.message_id != task["uuid"]


def test_a_retrying_task_is_retry_in_flower_until_its_next_attempt_then_failure_when_retries_run_out(
    flower: str, client: GongqClient, settings: Settings, sandbox: httpx.Client
) -> None:
    sandbox.post(
        "/_sandbox/gong/faults", json={"faults": [{"status": 503, "rate": 1.0, "path_prefix": "/v2/users"}]}
    ).raise_for_status()
    try:
        task_id = client.enqueue("list_users", {}).task_id
        retrying = wait_for_flower_task(flower, task_id, state="RETRY", timeout=30)
        assert retrying["exception"].startswith("Retry(")  # Celery's Retry, carrying the reason:
        assert "Retryable('Gong API error 503" in retrying["exception"]
        dead = wait_for_flower_task(flower, task_id, state="FAILURE", timeout=60)
    finally:
        sandbox.delete("/_sandbox/gong/faults").raise_for_status()
    record = client.status(task_id)
    assert record.status is TaskStatus.DEAD and record.attempts == settings.max_attempts
    assert dead["uuid"] == retrying["uuid"]  # Celery retries under the same message id
    assert dead["retries"] == settings.max_attempts - 1
    assert dead["exception"] == f"DeadLettered({record.error!r})"
    assert f"gave up after {settings.max_attempts} attempts" in dead["exception"]
    wait_acked(settings, dead["uuid"])


def test_a_write_that_needs_review_is_needs_review_in_flower_not_success(
    flower: str, client: GongqClient, settings: Settings, sandbox: httpx.Client
) -> None:
    # Composio offloads every answer over 100 bytes to a remote file: the write ran, unjudged.
    sandbox.post("/_sandbox/composio/shapes", json={"offload_over_bytes": 100}).raise_for_status()
    try:
        task_id = client.enqueue("create_meeting", EXAMPLES["create_meeting"]).task_id
        record = client.wait(task_id, timeout=60)
    finally:
        sandbox.post("/_sandbox/reset").raise_for_status()
    assert record.status is TaskStatus.NEEDS_REVIEW, record.error
    task = wait_for_flower_task(flower, task_id, state="NEEDS_REVIEW")
    assert "'status': 'needs_review'" in task["result"] and "remote file" in task["result"]
    assert task["exception"] is None
    backend = backend_result(settings, task["uuid"])
    assert backend.state == "NEEDS_REVIEW"
    assert backend.result["reason"] == record.error
    wait_acked(settings, task["uuid"])
    assert flower_states(flower, task_id) == ["NEEDS_REVIEW"]  # no SUCCESS came after it


# --- a worker of the test's own ----------------------------------------------------------------


@pytest.fixture()
def disconnected(prefixed: Settings, sandbox: httpx.Client) -> Iterator[Settings]:
    """Settings for a fresh Composio user id whose Gong account is not connected (yet)."""
    user = f"user-{uuid.uuid4().hex[:8]}"
    sandbox.post(f"/_sandbox/composio/connections/{user}", json={"connected": False}).raise_for_status()
    yield prefixed.model_copy(update={"user_id": user, "connection_recheck_seconds": 1.0})


def test_a_parked_task_is_parked_in_flower_and_success_once_released(
    own_processes: Processes, disconnected: Settings, sandbox: httpx.Client, tmp_path: Path
) -> None:
    _, flower = start_flower(own_processes, disconnected, tmp_path / "flower.db")
    own_processes.start_worker(disconnected, name="flower-parked", concurrency=2)
    wait_for_flower_events(flower)
    client = GongqClient(disconnected, source="test")
    task_id = client.enqueue("list_users", EXAMPLES["list_users"]).task_id
    wait_until(lambda: client.status(task_id).status is TaskStatus.PARKED, 60, "the task to park")
    record = client.status(task_id)

    task = wait_for_flower_task(flower, task_id, state="PARKED")
    assert "'status': 'parked'" in task["result"] and "'cause': 'connection'" in task["result"]
    assert "gongq connect" in task["result"]
    backend = backend_result(disconnected, task["uuid"])
    assert backend.state == "PARKED"
    assert backend.result == {
        "task_id": task_id,
        "status": "parked",
        "reason": record.error,
        "cause": "connection",
    }
    wait_acked(disconnected, task["uuid"])

    # The connection watch still releases it: a new message, which succeeds.
    connection = f"/_sandbox/composio/connections/{disconnected.user_id}"
    sandbox.post(connection, json={"connected": True}).raise_for_status()
    assert client.wait(task_id, timeout=60).status is TaskStatus.SUCCEEDED
    wait_until(
        lambda: flower_states(flower, task_id) == ["PARKED", "SUCCESS"], 30, "the released run in Flower"
    )


def test_a_deferred_task_is_deferred_in_flower_and_success_once_released(
    own_processes: Processes, prefixed: Settings, sandbox: httpx.Client, tmp_path: Path
) -> None:
    budgeted = prefixed.model_copy(update={"gong_daily_budget": 1})
    _, flower = start_flower(own_processes, budgeted, tmp_path / "flower.db")
    own_processes.start_worker(budgeted, name="flower-deferred", concurrency=1)
    wait_for_flower_events(flower)
    client = GongqClient(budgeted, source="test")
    ids = [client.enqueue("list_users", {}).task_id for _ in range(2)]

    def statuses() -> list[TaskStatus]:
        return sorted(client.status(t).status for t in ids)

    settled = sorted([TaskStatus.SUCCEEDED, TaskStatus.DEFERRED])
    wait_until(lambda: statuses() == settled, 60, "one task to run and one to be deferred")
    second = next(t for t in ids if client.status(t).status is TaskStatus.DEFERRED)
    record = client.status(second)

    task = wait_for_flower_task(flower, second, state="DEFERRED")
    assert "'status': 'deferred'" in task["result"] and "daily request budget" in task["result"]
    backend = backend_result(budgeted, task["uuid"])
    assert backend.state == "DEFERRED"
    assert backend.result["next_attempt_at"] == record.next_attempt_at
    wait_acked(budgeted, task["uuid"])

    # Midnight, simulated: the worker's release loop sends it again and it runs.
    r: redis.Redis[str] = redis.Redis.from_url(budgeted.redis_url, decode_responses=True)
    keys = Keys(budgeted.key_prefix)
    GongRateLimiter(r, keys, budgeted).reset_day()
    r.zadd(keys.deferred, {second: 0})
    assert client.wait(second, timeout=60).status is TaskStatus.SUCCEEDED
    wait_until(
        lambda: flower_states(flower, second) == ["DEFERRED", "SUCCESS"], 30, "the released run in Flower"
    )
