"""A small typed Python API for other services to enqueue gongq tasks and follow them.

Producers validate the payload against the operation's model, write the task record (with its
idempotency key) to Redis and send only the task id to Celery, by task name: nothing here
imports the worker's task bodies or the agent stack.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import redis
from pydantic import ValidationError

from worker.audit import AuditLog
from worker.broker import Broker
from worker.connections import redis_client
from worker.errors import GongqError, Permanent
from worker.heartbeat import consumers_of
from worker.keys import Keys
from worker.settings import Settings, get_settings
from worker.store import NewTask, TaskRecord, TaskStatus, TaskStore
from worker.sweeper import Sweeper

#: Tasks written per Redis round trip by :meth:`GongqClient.enqueue_many`.
DEFAULT_CHUNK_SIZE = 1000


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
    """One enqueue outcome; ``duplicate`` means the idempotency key already named this task,
    ``published`` that this call sent it (a new task, or a duplicate that had never been sent)."""

    task_id: str
    operation: str
    duplicate: bool
    published: bool = True


@dataclass(frozen=True)
class TaskRequest:
    """One task for :meth:`GongqClient.enqueue_many`."""

    operation: str
    payload: Mapping[str, Any]
    idempotency_key: str | None = None


class WaitTimeout(TimeoutError):
    """``wait`` gave up before the task reached a terminal status."""


class UnknownBatch(GongqError):
    """No bulk submission was recorded under the given batch id."""


@dataclass(frozen=True)
class BatchStatus:
    """Live state of a bulk submission: how many of its tasks are in each status right now."""

    batch_id: str
    total: int
    counts: dict[str, int]
    created_at: float | None = None
    source: str | None = None
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    missing: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Every task of the batch is terminal (nothing left queued, running or retrying)."""
        known = {s.value for s in TaskStatus}
        # A status that is no TaskStatus (a corrupt record) is not done: a worker dead-letters it.
        return all(
            count == 0 or (status in known and TaskStatus(status).is_terminal)
            for status, count in self.counts.items()
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "total": self.total,
            "counts": self.counts,
            "done": self.done,
            "created_at": self.created_at,
            "source": self.source,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "missing": self.missing,
        }


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
        return AuditLog.from_settings(self._redis, self._keys, self.settings)

    @cached_property
    def store(self) -> TaskStore:
        return self.broker.store

    @cached_property
    def broker(self) -> Broker:
        """The one door onto the broker (records, audit events and messages together)."""
        return Broker(self._redis, self._keys, self.audit)

    def validate(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload in canonical form (pythonic names, normalized values) or InvalidPayload."""
        from worker.operations import get_operation  # the catalog: `gongq status` needs none

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
        """Validate, store and send one task; a known idempotency key returns its existing task
        (and sends it if it was never sent)."""
        canonical = self.validate(operation, payload)
        [outcome] = self.enqueue_validated([(operation, canonical, idempotency_key)], batch_id=batch_id)
        return outcome

    def enqueue_many(
        self,
        requests: Iterable[TaskRequest],
        *,
        batch_id: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[Enqueued]:
        """Enqueue several tasks, in order; every payload is validated before any is stored.

        Same records, idempotency keys, audit events and broker messages as :meth:`enqueue`, but
        written ``chunk_size`` tasks per Redis round trip, so a 100,000-row list is queued in
        seconds rather than minutes. ``on_progress(n)`` is called after each chunk with the
        number of requests it handled. With ``batch_id`` every resulting task id (new or
        duplicate) is also listed under the batch, for :meth:`batch_status`.
        """
        validated = [
            (r.operation, self.validate(r.operation, r.payload), r.idempotency_key) for r in requests
        ]
        return self.enqueue_validated(
            validated, batch_id=batch_id, chunk_size=chunk_size, on_progress=on_progress
        )

    def enqueue_validated(
        self,
        items: Sequence[tuple[str, dict[str, Any], str | None]],
        *,
        batch_id: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[Enqueued]:
        """Enqueue ``(operation, canonical payload, idempotency key)`` triples through the broker.

        For callers that already validated (the erasure-list parser does, row by row, to report
        each bad row); anyone else should call :meth:`enqueue_many`. With ``batch_id`` the batch
        lists each chunk's task ids once they are written. A submission killed half-way leaves
        whole records (some perhaps unsent, in the outbox); resubmitting the same list finds
        them by their keys and publishes the unsent ones (``Enqueued.published``).
        """
        outcomes: list[Enqueued] = []
        for start in range(0, len(items), chunk_size):
            chunk = items[start : start + chunk_size]
            submitted = self.broker.submit(
                [NewTask(op, payload, key, batch_id) for op, payload, key in chunk],
                source=self.source,
                idempotency_ttl=self.settings.idempotency_ttl_seconds,
            )
            if batch_id is not None:
                self._list_in_batch(batch_id, [s.task_id for s in submitted])
            outcomes.extend(
                Enqueued(s.task_id, s.operation, s.duplicate, published=s.published) for s in submitted
            )
            if on_progress is not None:
                on_progress(len(chunk))
        return self._send_lost_duplicates(outcomes)

    def _send_lost_duplicates(self, outcomes: list[Enqueued]) -> list[Enqueued]:
        """Duplicates whose task was sent once but whose message is now nowhere (its worker
        died with it, say) are sent again: the sender asked for the task to run, not only to
        exist. One look at the broker for the whole submission (``Sweeper.send_if_lost``)."""
        candidates = list(dict.fromkeys(o.task_id for o in outcomes if o.duplicate and not o.published))
        if not candidates:
            return outcomes
        sent = set(Sweeper(self.broker, self.settings).send_if_lost(candidates))
        return [
            Enqueued(o.task_id, o.operation, o.duplicate, published=True) if o.task_id in sent else o
            for o in outcomes
        ]

    def _list_in_batch(self, batch_id: str, task_ids: Sequence[str]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(self._keys.batch_tasks(batch_id), *task_ids)
        pipe.expire(self._keys.batch_tasks(batch_id), self.settings.idempotency_ttl_seconds)
        pipe.execute()

    def existing_idempotency_keys(self, keys: Sequence[str], chunk_size: int = 5000) -> dict[str, str]:
        """Which of ``keys`` already name a task (key → task id); reads only, for dry runs."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), chunk_size):
            part = keys[start : start + chunk_size]
            pipe = self._redis.pipeline(transaction=False)
            for key in part:
                pipe.get(self._keys.idempotency(self.audit.redact(key)))  # stored as tokens
            answers = pipe.execute()
            found.update({key: str(task_id) for key, task_id in zip(part, answers, strict=True) if task_id})
        return found

    def record_batch(self, batch_id: str, **meta: str | int | float) -> None:
        """Store (or update) a bulk submission's metadata next to its task list."""
        mapping: dict[str | bytes, bytes | float | int | str] = {
            "batch_id": batch_id,
            "source": self.source,
            **{k: v for k, v in meta.items()},
        }
        pipe = self._redis.pipeline(transaction=False)
        pipe.hsetnx(self._keys.batch(batch_id), "created_at", repr(time.time()))
        pipe.hset(self._keys.batch(batch_id), mapping=mapping)
        pipe.expire(self._keys.batch(batch_id), self.settings.idempotency_ttl_seconds)
        pipe.execute()

    def batch_status(self, batch_id: str, chunk_size: int = 5000) -> BatchStatus:
        """Live counts per status of a batch's tasks, read with pipelined HGETs (UnknownBatch if none)."""
        meta: dict[str, str] = self._redis.hgetall(self._keys.batch(batch_id))
        task_ids: list[str] = self._redis.lrange(self._keys.batch_tasks(batch_id), 0, -1)
        if not meta and not task_ids:
            raise UnknownBatch(f"no batch with id {batch_id!r}")
        unique = list(dict.fromkeys(task_ids))
        counts: Counter[str] = Counter({status.value: 0 for status in TaskStatus})
        missing = 0
        for start in range(0, len(unique), chunk_size):
            pipe = self._redis.pipeline(transaction=False)
            for task_id in unique[start : start + chunk_size]:
                pipe.hget(self._keys.task(task_id), "status")
            for status in pipe.execute():
                if status is None:
                    missing += 1
                else:
                    counts[str(status)] += 1
        return BatchStatus(
            batch_id=batch_id,
            total=len(unique),
            counts=dict(counts),
            created_at=float(meta["created_at"]) if meta.get("created_at") else None,
            source=meta.get("source"),
            accepted=int(meta.get("accepted", 0)),
            duplicates=int(meta.get("duplicates", 0)),
            rejected=int(meta.get("rejected", 0)),
            missing=missing,
            meta=meta,
        )

    def status(self, task_id: str) -> TaskRecord:
        """The current record of ``task_id`` (UnknownTask if none)."""
        return self.store.get(task_id)

    def idle_lane(self, operation: str) -> str | None:
        """The lane (Celery queue) ``operation`` runs on if no live worker consumes it, else None:
        a task enqueued there waits until a worker starts, which a producer should be told."""
        from worker.operations import get_operation

        lane = get_operation(operation).lane.value
        return None if consumers_of(self._redis, self._keys, lane) else lane

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
