"""The Celery task, thin over ``run_operation``, and the one retry policy.

Retryable failures are retried with exponential backoff and jitter, never earlier than the
Retry-After they carry, until ``max_attempts``; Permanent failures and exhausted retries are
dead-lettered with their reason. This is the only place retries are decided.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

from celery import Task

from worker.app import RUN_TASK, celery_app
from worker.errors import Retryable, TaskFailure, UnknownTask
from worker.runner import Runtime, run_operation
from worker.settings import Settings, get_settings
from worker.store import TaskStatus

log = logging.getLogger("gongq.worker")

_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The worker process's Runtime, built once."""
    global _runtime
    if _runtime is None:
        settings = get_settings()
        settings.require_live_secrets()
        _runtime = Runtime(settings)
    return _runtime


def retry_delay(
    attempt: int, failure: Retryable, settings: Settings, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter on top of the base, never below Retry-After."""
    rng = rng or random.Random()
    backoff = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (attempt - 1))
    jittered = backoff / 2 + rng.uniform(0, backoff / 2)
    return float(max(jittered, failure.retry_after or 0.0))


def _handle_failure(task: Task, rt: Runtime, task_id: str, failure: TaskFailure) -> dict[str, Any]:
    """Apply the retry policy to one failed attempt."""
    if isinstance(failure, Retryable):
        attempts = rt.store.get(task_id).attempts
        if attempts < rt.settings.max_attempts:
            delay = retry_delay(attempts, failure, rt.settings)
            rt.store.mark_retrying(task_id, failure.reason, time.time() + delay)
            log.warning(
                "attempt %d failed, retrying in %.1f s: %s",
                attempts,
                delay,
                failure.reason,
                extra={"task_id": task_id},
            )
            raise task.retry(countdown=delay, max_retries=None)
        rt.store.mark_dead(task_id, f"gave up after {attempts} attempts: {failure.reason}")
    else:
        rt.store.mark_dead(task_id, failure.reason)
    log.error("task dead-lettered: %s", failure.reason, extra={"task_id": task_id})
    return {"task_id": task_id, "status": TaskStatus.DEAD.value}


@celery_app.task(name=RUN_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def run(self: Task, task_id: str) -> dict[str, Any]:
    """Run one attempt of a gongq task; Celery sees only the task id and a status."""
    rt = runtime()
    try:
        record = asyncio.run(run_operation(task_id, rt))
    except UnknownTask:
        log.error("no record for task; nothing to run", extra={"task_id": task_id})
        return {"task_id": task_id, "status": "unknown"}
    except TaskFailure as failure:
        return _handle_failure(self, rt, task_id, failure)
    except Exception as exc:
        # A bug or an infrastructure hiccup: keep the task (retry, then dead letter), never drop it.
        log.exception("unexpected error in task", extra={"task_id": task_id})
        return _handle_failure(self, rt, task_id, Retryable(f"unexpected {type(exc).__name__}"))
    return {"task_id": task_id, "status": record.status.value}
