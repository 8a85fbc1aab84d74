"""A small typed Python API for other services to enqueue gongq tasks and follow them.

Producers validate the payload against the operation's model, write the task record (with its
idempotency key) to Redis and send only the task id to Celery, by task name: nothing here
imports the worker's task bodies or the agent stack.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import redis
from pydantic import ValidationError

from worker.app import RUN_TASK, create_celery
from worker.audit import AuditLog
from worker.connections import redis_client
from worker.errors import Permanent
from worker.keys import Keys
from worker.operations import get_operation
from worker.settings import Settings, get_settings
from worker.store import TaskRecord, TaskStore


class InvalidPayload(Permanent):
    """The payload does not validate against its operation's model; nothing was enqueued."""

    def __init__(self, operation: str, error: ValidationError) -> None:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in error.errors()
        )
        super().__init__(f"invalid payload for {operation}: {details}")
        self.errors = error.errors(include_url=False)


@dataclass(frozen=True)
class Enqueued:
    """One enqueue outcome; ``duplicate`` means the idempotency key already named this task."""

    task_id: str
    operation: str
    duplicate: bool


@dataclass(frozen=True)
class TaskRequest:
    """One task for :meth:`GongqClient.enqueue_many`."""

    operation: str
    payload: Mapping[str, Any]
    idempotency_key: str | None = None


class WaitTimeout(TimeoutError):
    """``wait`` gave up before the task reached a terminal status."""


class GongqClient:
    """Enqueue, inspect and wait for gongq tasks."""

    def __init__(self, settings: Settings | None = None, *, source: str = "api") -> None:
        self.settings = settings or get_settings()
        self.source = source

    @cached_property
    def _redis(self) -> redis.Redis[str]:
        return redis_client(self.settings)

    @cached_property
    def _keys(self) -> Keys:
        return Keys(self.settings.key_prefix)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self._redis, self._keys)

    @cached_property
    def store(self) -> TaskStore:
        return TaskStore(self._redis, self._keys, self.audit)

    @cached_property
    def _celery(self) -> Any:
        return create_celery(self.settings)

    def validate(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload in canonical form (pythonic names, normalized values) or InvalidPayload."""
        op = get_operation(operation)
        try:
            model = op.payload_model.model_validate(dict(payload))
        except ValidationError as exc:
            raise InvalidPayload(operation, exc) from exc
        return model.model_dump(mode="json", exclude_none=True)

    def enqueue(
        self,
        operation: str,
        payload: Mapping[str, Any],
        idempotency_key: str | None = None,
        *,
        batch_id: str | None = None,
    ) -> Enqueued:
        """Validate, store and send one task; a known idempotency key returns its existing task."""
        canonical = self.validate(operation, payload)
        created = self.store.create(
            operation,
            canonical,
            source=self.source,
            idempotency_key=idempotency_key,
            idempotency_ttl=self.settings.idempotency_ttl_seconds,
            batch_id=batch_id,
        )
        if not created.duplicate:
            self._celery.send_task(
                RUN_TASK, args=[created.task_id], queue=get_operation(operation).lane.value
            )
        return Enqueued(task_id=created.task_id, operation=operation, duplicate=created.duplicate)

    def enqueue_many(self, requests: Iterable[TaskRequest], *, batch_id: str | None = None) -> list[Enqueued]:
        """Enqueue several tasks; every payload is validated before any is stored."""
        validated = [(r, self.validate(r.operation, r.payload)) for r in requests]
        return [
            self.enqueue(r.operation, payload, r.idempotency_key, batch_id=batch_id)
            for r, payload in validated
        ]

    def status(self, task_id: str) -> TaskRecord:
        """The current record of ``task_id`` (UnknownTask if none)."""
        return self.store.get(task_id)

    def wait(self, task_id: str, timeout: float = 300.0, poll_interval: float = 0.1) -> TaskRecord:
        """Block until the task is terminal (succeeded, failed or dead) or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.store.get(task_id)
            if record.status.is_terminal:
                return record
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"task {task_id} still {record.status.value} after {timeout:.0f} s")
            time.sleep(poll_interval)


def enqueue(operation: str, payload: Mapping[str, Any], idempotency_key: str | None = None) -> str:
    """Enqueue one task with the process settings and return its id (the existing one if duplicate)."""
    return GongqClient().enqueue(operation, payload, idempotency_key).task_id
