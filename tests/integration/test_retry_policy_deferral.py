"""The retry policy never asks Celery for a countdown past the broker's visibility timeout.

An unacked countdown message longer than the visibility timeout is redelivered early (by any
worker), so such delays go through the ``deferred`` sorted set instead; a spent daily budget
always does, with the attempt refunded. The policy is called directly on a real Redis: the
Celery task object it gets is only asked for its app (and, for short delays, to retry).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, cast

import pytest
import redis
from celery import Task

from worker.app import celery_app
from worker.deferred import release_due, visibility_timeout
from worker.errors import BudgetExhausted, Retryable
from worker.runner import Runtime
from worker.settings import Settings
from worker.store import TaskStatus
from worker.tasks import _handle_failure, max_countdown

pytestmark = pytest.mark.integration


class Retried(Exception):
    """What the stand-in task raises instead of Celery's Retry."""


class StandInTask:
    """Only what the policy uses of a bound Celery task: its app, and retry(countdown=...)."""

    app = celery_app

    def __init__(self) -> None:
        self.countdowns: list[float] = []
        self.reasons: list[BaseException | None] = []

    def retry(self, countdown: float, max_retries: Any = None, exc: BaseException | None = None) -> Exception:
        self.countdowns.append(countdown)
        self.reasons.append(exc)
        return Retried()


@pytest.fixture()
def rt(own_redis_settings: Settings) -> Runtime:
    return Runtime(own_redis_settings.model_copy(update={"key_prefix": f"policy-{uuid.uuid4().hex[:8]}"}))


def running_task(rt: Runtime) -> str:
    task_id = rt.store.create("list_users", {}, source="test").task_id
    rt.store.mark_running(task_id)
    return task_id


def test_long_retry_after_is_deferred_not_counted_down(rt: Runtime) -> None:
    task = StandInTask()
    task_id = running_task(rt)
    too_long = visibility_timeout(celery_app) * 2
    before = time.time()
    outcome = _handle_failure(cast(Task, task), rt, task_id, Retryable("Gong 429", retry_after=too_long))
    assert outcome["status"] == "deferred"
    assert task.countdowns == []
    record = rt.store.get(task_id)
    assert record.status is TaskStatus.DEFERRED
    assert record.attempts == 1  # a real failed attempt: it counts
    assert record.next_attempt_at is not None and record.next_attempt_at >= before + too_long
    assert rt.redis.zscore(rt.keys.deferred, task_id) == record.next_attempt_at


def test_short_retry_after_uses_a_countdown_below_the_limit(rt: Runtime) -> None:
    task = StandInTask()
    task_id = running_task(rt)
    with pytest.raises(Retried):
        _handle_failure(cast(Task, task), rt, task_id, Retryable("Gong 429", retry_after=5))
    assert len(task.countdowns) == 1 and 5 <= task.countdowns[0] < max_countdown(cast(Task, task))
    assert [str(reason) for reason in task.reasons] == ["Gong 429"]  # what Flower's RETRY shows
    assert rt.store.get(task_id).status is TaskStatus.RETRYING


def test_budget_exhausted_defers_to_reset_and_refunds_the_attempt(rt: Runtime) -> None:
    task = StandInTask()
    task_id = running_task(rt)
    reset_at = time.time() + 3600
    outcome = _handle_failure(cast(Task, task), rt, task_id, BudgetExhausted(reset_at))
    assert outcome["status"] == "deferred"
    record = rt.store.get(task_id)
    assert (record.status, record.attempts, record.next_attempt_at) == (TaskStatus.DEFERRED, 0, reset_at)
    assert task.countdowns == []


def test_release_due_pops_only_due_tasks_once(rt: Runtime) -> None:
    due, later = running_task(rt), running_task(rt)
    rt.store.mark_deferred(due, "test", time.time() - 1, refund_attempt=True)
    rt.store.mark_deferred(later, "test", time.time() + 3600, refund_attempt=True)
    broker: redis.Redis[str] = redis.Redis.from_url(rt.settings.redis_url, decode_responses=True)
    assert release_due(rt) == 1
    assert release_due(rt) == 0
    assert rt.store.get(due).status is TaskStatus.QUEUED
    assert rt.store.get(later).status is TaskStatus.DEFERRED
    assert rt.redis.zrange(rt.keys.deferred, 0, -1) == [later]
    assert [e.fields["event"] for e in rt.audit.events(due)][-1] == "released"
    # Exactly one message names the released task on its lane queue; take it back out, since no
    # worker of this test runs it.
    messages = [m for m in broker.lrange("default", 0, -1) if due in m]
    assert len(messages) == 1
    broker.lrem("default", 1, messages[0])
