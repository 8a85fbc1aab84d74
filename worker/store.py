"""Task records in Redis: the only place a task's payload (and so any personal data) lives.

Only the task id crosses the broker; the worker loads the record from here. State changes go
through :class:`TaskStore` so each one also lands in the audit stream.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis

from worker.audit import AuditLog
from worker.errors import GongqError, UnknownTask
from worker.keys import Keys


class TaskStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    #: Waiting in the ``deferred`` sorted set until ``next_attempt_at`` (e.g. Gong's daily budget).
    DEFERRED = "deferred"
    #: Waiting in the ``parked`` set for its cause to clear (no Gong connection, a refused key);
    #: no attempt used; runs again by itself once the cause is gone.
    PARKED = "parked"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"
    #: A write reached Gong but its answer could not be judged; kept with the raw answer and
    #: re-run only on an operator's word (``gongq retry --force``), since it may repeat the write.
    NEEDS_REVIEW = "needs_review"

    @property
    def is_terminal(self) -> bool:
        """A task in a terminal state will not change again unless an operator retries it."""
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.DEAD, TaskStatus.NEEDS_REVIEW)


#: Statuses ``gongq retry`` re-enqueues; ``needs_review`` only when forced.
RETRYABLE_BY_OPERATOR = (TaskStatus.DEAD, TaskStatus.PARKED)


@dataclass(frozen=True)
class TaskRecord:
    """A task as stored, decoded."""

    id: str
    operation: str
    status: TaskStatus
    payload: dict[str, Any]
    attempts: int
    source: str
    created_at: float
    updated_at: float
    idempotency_key: str | None = None
    batch_id: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    summary: str | None = None
    next_attempt_at: float | None = None
    #: For an erasure-verification lookup: the ledger entry (identifier token) it checks.
    verifies: str | None = None
    #: Why a parked task waits (``connection``, ``configuration``).
    parked_cause: str | None = None
    #: A ``needs_review`` task's answer as Composio gave it (JSON), for the operator.
    raw_answer: Any = None

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (what ``gongq status --json`` prints)."""
        return {
            "id": self.id,
            "operation": self.operation,
            "status": self.status.value,
            "payload": self.payload,
            "attempts": self.attempts,
            "source": self.source,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "idempotency_key": self.idempotency_key,
            "batch_id": self.batch_id,
            "result": self.result,
            "error": self.error,
            "summary": self.summary,
            "next_attempt_at": self.next_attempt_at,
            "verifies": self.verifies,
            "parked_cause": self.parked_cause,
            "raw_answer": self.raw_answer,
        }


@dataclass(frozen=True)
class Created:
    """Outcome of :meth:`TaskStore.create`: the task id, and whether it already existed."""

    task_id: str
    duplicate: bool


class NotDead(GongqError):
    """``gongq retry`` was asked to re-enqueue a task that is not dead-lettered (or parked)."""

    def __init__(self, task_id: str, status: TaskStatus) -> None:
        if status is TaskStatus.NEEDS_REVIEW:
            message = (
                f"task {task_id} needs review: its write reached Gong and may have happened; "
                "check it in Gong, then retry with --force to run it again"
            )
        else:
            message = f"task {task_id} is {status.value}; only dead or parked tasks can be retried"
        super().__init__(message)
        self.task_id = task_id
        self.status = status


def _optional_json(raw: str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None


class TaskStore:
    """Reads and writes task records; every state change is also an audit event."""

    def __init__(self, client: redis.Redis[str], keys: Keys, audit: AuditLog) -> None:
        self._redis = client
        self._keys = keys
        self._audit = audit

    def create(
        self,
        operation: str,
        payload: dict[str, Any],
        *,
        source: str,
        idempotency_key: str | None = None,
        idempotency_ttl: int = 30 * 24 * 3600,
        batch_id: str | None = None,
        verifies: str | None = None,
    ) -> Created:
        """Store a new queued task, unless the idempotency key already names one.

        The key is claimed with SET NX before the record is written, so two producers racing
        with the same key get the same task id and only one record exists.
        """
        task_id = uuid.uuid4().hex
        if idempotency_key is not None:
            claimed = self._redis.set(
                self._keys.idempotency(idempotency_key), task_id, nx=True, ex=idempotency_ttl
            )
            if not claimed:
                existing = self._redis.get(self._keys.idempotency(idempotency_key))
                return Created(task_id=str(existing), duplicate=True)
        now = time.time()
        record: dict[str | bytes, bytes | float | int | str] = {
            "id": task_id,
            "operation": operation,
            "status": TaskStatus.QUEUED.value,
            "payload": json.dumps(payload, sort_keys=True),
            "attempts": "0",
            "source": source,
            "created_at": repr(now),
            "updated_at": repr(now),
        }
        if idempotency_key is not None:
            record["idempotency_key"] = idempotency_key
        if batch_id is not None:
            record["batch_id"] = batch_id
        if verifies is not None:
            record["verifies"] = verifies
        pipe = self._redis.pipeline()
        pipe.hset(self._keys.task(task_id), mapping=record)
        pipe.zadd(self._keys.tasks_by_time, {task_id: now})
        pipe.execute()
        self._audit.append(task_id, "queued", operation=operation, source=source)
        return Created(task_id=task_id, duplicate=False)

    def get(self, task_id: str) -> TaskRecord:
        """The decoded record; :class:`UnknownTask` when there is none."""
        raw: dict[str, str] = self._redis.hgetall(self._keys.task(task_id))
        if not raw:
            raise UnknownTask(f"no task with id {task_id!r}")
        return TaskRecord(
            id=raw["id"],
            operation=raw["operation"],
            status=TaskStatus(raw["status"]),
            payload=json.loads(raw["payload"]),
            attempts=int(raw.get("attempts", "0")),
            source=raw.get("source", "unknown"),
            created_at=float(raw["created_at"]),
            updated_at=float(raw["updated_at"]),
            idempotency_key=raw.get("idempotency_key"),
            batch_id=raw.get("batch_id"),
            result=_optional_json(raw.get("result")),
            error=raw.get("error"),
            summary=raw.get("summary"),
            next_attempt_at=float(raw["next_attempt_at"]) if raw.get("next_attempt_at") else None,
            verifies=raw.get("verifies"),
            parked_cause=raw.get("parked_cause") or None,
            raw_answer=json.loads(raw["raw_answer"]) if raw.get("raw_answer") else None,
        )

    def mark_running(self, task_id: str) -> int:
        """Record the start of an attempt; returns the attempt number (1-based)."""
        attempts = int(self._redis.hincrby(self._keys.task(task_id), "attempts", 1))
        self._set(task_id, TaskStatus.RUNNING, {"next_attempt_at": ""})
        self._audit.append(task_id, "running", attempt=str(attempts))
        return attempts

    def mark_succeeded(
        self, task_id: str, result: dict[str, Any], summary: str, *, payload: dict[str, Any] | None = None
    ) -> None:
        """Store the result; ``payload`` replaces the stored one (a finished task keeps its
        personal data only as tokens, see ``worker.pii``)."""
        fields = {"result": json.dumps(result, sort_keys=True), "summary": summary, "error": ""}
        if payload is not None:
            fields["payload"] = json.dumps(payload, sort_keys=True)
        self._set(task_id, TaskStatus.SUCCEEDED, fields)
        self._audit.append(task_id, "succeeded")

    def mark_retrying(self, task_id: str, reason: str, next_attempt_at: float) -> None:
        self._set(task_id, TaskStatus.RETRYING, {"error": reason, "next_attempt_at": repr(next_attempt_at)})
        self._audit.append(task_id, "retrying", reason=reason, next_attempt_at=repr(next_attempt_at))

    def mark_deferred(
        self, task_id: str, reason: str, next_attempt_at: float, *, refund_attempt: bool
    ) -> None:
        """Park the task in ``deferred`` until ``next_attempt_at``; a release loop re-enqueues it.

        ``refund_attempt`` gives the attempt back when the task never reached Gong (the daily
        budget was spent before it ran), so a long outage of budget cannot dead-letter it.
        """
        fields = {"error": reason, "next_attempt_at": repr(next_attempt_at)}
        self._set_waiting(
            task_id, TaskStatus.DEFERRED, fields, self._keys.deferred, next_attempt_at, refund_attempt
        )
        self._audit.append(task_id, "deferred", reason=reason, next_attempt_at=repr(next_attempt_at))

    def mark_released(self, task_id: str) -> None:
        """A deferred task is due and back on its queue."""
        self._set(task_id, TaskStatus.QUEUED, {})
        self._audit.append(task_id, "released")

    def dead_tasks(self, *, operation: str | None = None, since: float | None = None) -> list[TaskRecord]:
        """Dead-lettered tasks, oldest death first, optionally of one operation / dead since an epoch."""
        low = since if since is not None else "-inf"
        ids: list[str] = self._redis.zrangebyscore(self._keys.dead, low, "+inf")
        records = []
        for task_id in ids:
            try:
                record = self.get(task_id)
            except UnknownTask:
                continue
            if record.status is TaskStatus.DEAD and (operation is None or record.operation == operation):
                records.append(record)
        return records

    def requeue_dead(self, task_id: str, *, force: bool = False) -> TaskRecord:
        """Move a dead (or parked) task back to queued: same id (so same idempotency key),
        attempts reset to 0. ``force`` also takes a ``needs_review`` task (an operator checked
        Gong and wants the write run again).

        Checked and written under WATCH, so two operators retrying at once re-enqueue it once:
        the loser sees it queued and gets :class:`NotDead`. The caller sends it to the broker.
        """
        allowed = {s.value for s in RETRYABLE_BY_OPERATOR}
        if force:
            allowed.add(TaskStatus.NEEDS_REVIEW.value)
        key = self._keys.task(task_id)
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    status: str | None = pipe.hget(key, "status")  # type: ignore[assignment]
                    if status is None:
                        raise UnknownTask(f"no task with id {task_id!r}")
                    if status not in allowed:
                        raise NotDead(task_id, TaskStatus(status))
                    pipe.multi()
                    pipe.hset(
                        key,
                        mapping={
                            "status": TaskStatus.QUEUED.value,
                            "attempts": "0",
                            "error": "",
                            "next_attempt_at": "",
                            "parked_cause": "",
                            "updated_at": repr(time.time()),
                        },
                    )
                    pipe.zrem(self._keys.dead, task_id)
                    pipe.zrem(self._keys.parked, task_id)
                    pipe.zrem(self._keys.needs_review, task_id)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        self._audit.append(task_id, "retried")
        return self.get(task_id)

    def mark_parked(self, task_id: str, reason: str, cause: str) -> None:
        """Park the task until ``cause`` clears; the attempt it was on is given back (it never
        reached Gong, or could not have succeeded), so waiting can never dead-letter it."""
        fields = {"error": reason, "parked_cause": cause, "next_attempt_at": ""}
        self._set_waiting(task_id, TaskStatus.PARKED, fields, self._keys.parked, time.time(), True)
        self._audit.append(task_id, "parked", reason=reason, cause=cause)

    def _set_waiting(
        self, task_id: str, status: TaskStatus, fields: dict[str, str], zset: str, score: float, refund: bool
    ) -> None:
        """One write for a task that waits in ``zset`` (deferred, parked), attempt given back if
        ``refund``: status, fields and set membership change together."""
        mapping: dict[str | bytes, bytes | float | int | str] = {
            "status": status.value,
            "updated_at": repr(time.time()),
        }
        mapping.update(fields)
        pipe = self._redis.pipeline()
        if refund:
            pipe.hincrby(self._keys.task(task_id), "attempts", -1)
        pipe.hset(self._keys.task(task_id), mapping=mapping)
        pipe.zadd(zset, {task_id: score})
        pipe.execute()

    def parked_ids(self, cause: str | None = None) -> list[str]:
        """Ids of parked tasks (of one cause), oldest first."""
        ids: list[str] = self._redis.zrange(self._keys.parked, 0, -1)
        if cause is None:
            return ids
        pipe = self._redis.pipeline(transaction=False)
        for task_id in ids:
            pipe.hget(self._keys.task(task_id), "parked_cause")
        return [t for t, c in zip(ids, pipe.execute(), strict=True) if c == cause]

    def note_inactive_connection(self, seconds: float) -> None:
        """A task met no active Gong connection: for ``seconds``, new tasks park at once."""
        self._redis.set(self._keys.connection_inactive, "1", ex=max(1, int(seconds)))

    def connection_seen_inactive(self) -> bool:
        """Whether a task met no active Gong connection within the last recheck interval."""
        return bool(self._redis.exists(self._keys.connection_inactive))

    def forget_inactive_connection(self) -> None:
        """The Gong connection is active again: tasks run instead of parking at once."""
        self._redis.delete(self._keys.connection_inactive)

    def unpark(self, task_id: str) -> TaskRecord | None:
        """Take one parked task back to queued (the caller sends it); ``None`` if it is no longer
        parked (another worker or ``gongq connect`` released it first)."""
        try:
            return self.requeue_dead(task_id)
        except NotDead:
            self._redis.zrem(self._keys.parked, task_id)
            return None

    def mark_needs_review(self, task_id: str, reason: str, raw_answer: Any) -> None:
        """Keep a write whose answer could not be judged, with that answer, for an operator."""
        fields = {"error": reason, "raw_answer": json.dumps(raw_answer, sort_keys=True, default=str)}
        self._set(task_id, TaskStatus.NEEDS_REVIEW, fields)
        self._redis.zadd(self._keys.needs_review, {task_id: time.time()})
        self._audit.append(task_id, "needs_review", reason=reason)

    def mark_dead(self, task_id: str, reason: str) -> None:
        """Dead-letter the task: its record (history, payload, reason) stays; it is listed in ``dead``."""
        now = time.time()
        self._set(task_id, TaskStatus.DEAD, {"error": reason})
        self._redis.zadd(self._keys.dead, {task_id: now})
        self._audit.append(task_id, "dead", reason=reason)

    def _set(self, task_id: str, status: TaskStatus, fields: dict[str, str]) -> None:
        mapping: dict[str | bytes, bytes | float | int | str] = {
            "status": status.value,
            "updated_at": repr(time.time()),
        }
        mapping.update(fields)
        self._redis.hset(self._keys.task(task_id), mapping=mapping)
