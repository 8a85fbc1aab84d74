"""Task records in Redis: the only place a task's payload (and so any personal data) lives.

Only the task id crosses the broker; the worker loads the record from here. State changes go
through :class:`TaskStore` so each one also lands in the audit stream.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import redis

from worker.audit import AuditLog
from worker.errors import CorruptRecord, GongqError, RunningElsewhere, StaleMessage, UnknownTask
from worker.heartbeat import is_alive
from worker.keys import Keys

if TYPE_CHECKING:
    from redis.client import Pipeline


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

#: Tasks that keep their payload in clear only for GONGQ_FAILED_PAYLOAD_RETENTION_DAYS: they
#: have not finished (they wait for an operator or a cause to clear), so they may still need it.
_EXPIRABLE = frozenset(s.value for s in (TaskStatus.DEAD, TaskStatus.PARKED, TaskStatus.NEEDS_REVIEW))


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
    #: The Celery message the task was last published with: the only one that may run it.
    message_id: str | None = None
    #: ``<attempt>@<epoch>`` while an approved write's outcome is not recorded (it may be in Gong).
    write_sent: str | None = None
    #: The worker (``host:pid``) that started the latest attempt.
    runner: str | None = None
    #: Why the payload holds tokens and the task can no longer be retried (its retention ended).
    payload_expired: str | None = None

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
            "message_id": self.message_id,
            "write_sent": self.write_sent,
            "runner": self.runner,
            "payload_expired": self.payload_expired,
        }


@dataclass(frozen=True)
class Created:
    """Outcome of :meth:`TaskStore.create`: the task id, whether it already existed, and (for
    an existing one) whether it is still in the outbox, written but never published."""

    task_id: str
    duplicate: bool
    unsent: bool = False


@dataclass(frozen=True)
class NewTask:
    """One record for :meth:`TaskStore.create_many`."""

    operation: str
    payload: dict[str, Any]
    idempotency_key: str | None = None
    batch_id: str | None = None
    verifies: str | None = None


#: KEYS: 1 tasks_by_time, 2 open, 3 outbox, 4 status_changes. ARGV: 1 idempotency key prefix,
#: 2 record key prefix, 3 key TTL, 4 now, 5 outbox ("1"/"0"), 6 JSON list of {id, key?, fields}.
#: One call per chunk (few arguments to pack, one reply); each task: claim its key unless it
#: names a record (a duplicate; our own id means the client re-sent this call after a dropped
#: connection), write the record and its indexes, and count it as entering ``queued`` (once,
#: even when re-sent). Returns {task id, 1 if created, 1 if still in the outbox} per task,
#: flattened.
CREATE_LUA = """
local out = {}
for _, task in ipairs(cjson.decode(ARGV[6])) do
  local existing = false
  if task.key then
    existing = redis.call('GET', ARGV[1] .. task.key)
    if existing == task.id then existing = false end
    if existing then
      local state = redis.call('HMGET', ARGV[2] .. existing, 'id', 'outbox')
      if not state[1] then existing = false end
      if existing then
        out[#out + 1] = existing; out[#out + 1] = 0; out[#out + 1] = (state[2] == '1') and 1 or 0
      end
    end
    if not existing then redis.call('SET', ARGV[1] .. task.key, task.id, 'EX', tonumber(ARGV[3])) end
  end
  if not existing then
    if redis.call('EXISTS', ARGV[2] .. task.id) == 0 then
      redis.call('HINCRBY', KEYS[4], 'queued:' .. task.fields.operation, 1)
    end
    local fields = {}
    for name, value in pairs(task.fields) do fields[#fields + 1] = name; fields[#fields + 1] = value end
    redis.call('HSET', ARGV[2] .. task.id, unpack(fields))
    redis.call('ZADD', KEYS[1], ARGV[4], task.id)
    redis.call('ZADD', KEYS[2], ARGV[4], task.id)
    if ARGV[5] == '1' then redis.call('ZADD', KEYS[3], ARGV[4], task.id) end
    out[#out + 1] = task.id; out[#out + 1] = 1; out[#out + 1] = 0
  end
end
return out
"""


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


class PayloadExpired(GongqError):
    """The task's payload was tokenised at the end of its retention: nothing left to retry with."""

    def __init__(self, task_id: str, reason: str) -> None:
        super().__init__(f"task {task_id} cannot be retried: {reason}")
        self.task_id = task_id


#: KEYS: 1 status_changes, 2.. the task records. ARGV: 1 the status, 2 "1" if a task already in
#: it counts again, 3 JSON list of each record's flat [field, value, ...] (status included).
#: Writes each record and counts the change under ``<status>:<operation>``: the record's previous
#: status and operation are read here, in Redis, so no caller needs them and a status write and
#: its count cannot part.
STATUS_LUA = """
local writes = cjson.decode(ARGV[3])
for i = 2, #KEYS do
  local previous = redis.call('HGET', KEYS[i], 'status')
  redis.call('HSET', KEYS[i], unpack(writes[i - 1]))
  if previous ~= ARGV[1] or ARGV[2] == '1' then
    local operation = redis.call('HGET', KEYS[i], 'operation') or 'unknown'
    redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':' .. operation, 1)
  end
end
"""

#: Statuses whose every write is a new entry even from the same status: each ``running`` is an
#: attempt starting (a message put back after its worker died runs again from ``running``). A
#: ``queued`` written over ``queued`` is only the publication of a task already counted.
_REENTRY_COUNTS = frozenset({TaskStatus.RUNNING})


def queue_status(
    pipe: Pipeline[str], keys: Keys, task_id: str, status: TaskStatus, fields: Mapping[str, str]
) -> None:
    """Queue one status change on ``pipe``: the record's fields and its place in ``open``."""
    queue_statuses(pipe, keys, {task_id: fields}, status)


def queue_statuses(
    pipe: Pipeline[str], keys: Keys, changes: Mapping[str, Mapping[str, str]], status: TaskStatus
) -> None:
    """Queue the same status change for several tasks (task id → its other fields) on ``pipe``:
    one script call writing every record and counting the change (:data:`STATUS_LUA`), one
    ZADD/ZREM on ``open`` for all.

    ``open`` lists the tasks that must have a message somewhere or a place they wait in
    (deferred): what the sweeper checks. Finished and parked tasks leave it. The store and the
    broker (which changes status when it publishes) both write status through here, so the
    counts ``/metrics`` reports are kept here too. EVAL rather than EVALSHA: a script unknown
    to Redis (after a restart) would fail alone inside MULTI while the rest of the transaction
    applied; Redis caches the compiled body anyway.
    """
    now = time.time()
    writes = []
    for fields in changes.values():
        mapping: dict[str, str] = {"status": status.value, "updated_at": repr(now)}
        mapping.update(fields)
        writes.append([item for pair in mapping.items() for item in pair])
    pipe.eval(
        STATUS_LUA,
        1 + len(changes),
        keys.status_changes,
        *(keys.task(task_id) for task_id in changes),
        status.value,
        "1" if status in _REENTRY_COUNTS else "0",
        json.dumps(writes, ensure_ascii=False),
    )
    if status.is_terminal or status is TaskStatus.PARKED:
        pipe.zrem(keys.open, *changes)
    else:
        pipe.zadd(keys.open, dict.fromkeys(changes, now))


def decode_record(task_id: str, raw: Mapping[str, str]) -> TaskRecord:
    """A stored hash as a :class:`TaskRecord`; :class:`CorruptRecord` naming the first field
    that cannot be decoded (a hand edit, a bug, a truncated write)."""
    field = "operation"
    try:
        operation = raw["operation"]
        field = "status"
        status = TaskStatus(raw["status"])
        field = "payload"
        payload = json.loads(raw["payload"])
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        field = "attempts"
        attempts = int(raw.get("attempts", "0"))
        field = "created_at"
        created_at = float(raw["created_at"])
        field = "updated_at"
        updated_at = float(raw["updated_at"])
        field = "result"
        result = json.loads(raw["result"]) if raw.get("result") else None
        field = "next_attempt_at"
        next_attempt_at = float(raw["next_attempt_at"]) if raw.get("next_attempt_at") else None
        field = "raw_answer"
        raw_answer = json.loads(raw["raw_answer"]) if raw.get("raw_answer") else None
    except KeyError:
        raise CorruptRecord(task_id, f"field {field!r} is missing") from None
    except (ValueError, TypeError) as exc:
        value = raw.get(field, "")
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise CorruptRecord(task_id, f"field {field!r} cannot be read ({shown!r}: {exc})") from None
    return TaskRecord(
        id=raw.get("id", task_id),
        operation=operation,
        status=status,
        payload=payload,
        attempts=attempts,
        source=raw.get("source", "unknown"),
        created_at=created_at,
        updated_at=updated_at,
        idempotency_key=raw.get("idempotency_key"),
        batch_id=raw.get("batch_id"),
        result=result,
        error=raw.get("error"),
        summary=raw.get("summary"),
        next_attempt_at=next_attempt_at,
        verifies=raw.get("verifies"),
        parked_cause=raw.get("parked_cause") or None,
        raw_answer=raw_answer,
        payload_expired=raw.get("payload_expired") or None,
        message_id=raw.get("message_id") or None,
        write_sent=raw.get("write_sent") or None,
        runner=raw.get("runner") or None,
    )


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
        """Store a new queued task (audited "queued" at once), unless the idempotency key names one.

        For tasks a caller publishes itself right after (the erasure ledger defers its lookups
        instead); producers go through :class:`worker.broker.Broker`, which writes the record
        with an outbox mark and publishes it with its "queued" event in one transaction.
        """
        [created] = self.create_many(
            [NewTask(operation, payload, idempotency_key, batch_id, verifies)],
            source=source,
            idempotency_ttl=idempotency_ttl,
            outbox=False,
        )
        if not created.duplicate:
            self._audit.append(created.task_id, "queued", operation=operation, source=source)
        return created

    def create_many(
        self, tasks: Sequence[NewTask], *, source: str, idempotency_ttl: int, outbox: bool
    ) -> list[Created]:
        """Write new queued records in one script call (one round trip, atomic).

        The script claims each idempotency key (a key naming a record answers that record: a
        duplicate), writes the record and its indexes, and with ``outbox`` marks it as not yet
        published, all or nothing: a producer killed at any point leaves either nothing or
        whole records that the outbox (``Broker.flush_outbox``, the sweeper) will publish. A
        key left naming no record (by a gongq before the outbox) is claimed anew.
        """
        now = time.time()
        entries = []
        for task in tasks:
            task_id = uuid.uuid4().hex
            # A producer's key may quote who the task is about ("erase:jane@example.com"): kept
            # as tokens. Scrubbing is deterministic, so the same key still finds the same task.
            key = self._audit.redact(task.idempotency_key)
            record: dict[str, str] = {
                "id": task_id,
                "operation": task.operation,
                "status": TaskStatus.QUEUED.value,
                "payload": json.dumps(task.payload, sort_keys=True),
                "attempts": "0",
                "source": source,
                "created_at": repr(now),
                "updated_at": repr(now),
            }
            optional = {
                "idempotency_key": key,
                "batch_id": task.batch_id,
                "verifies": task.verifies,
                "outbox": "1" if outbox else None,
            }
            record.update({name: value for name, value in optional.items() if value is not None})
            entry: dict[str, Any] = {"id": task_id, "fields": record}
            if key is not None:
                entry["key"] = key
            entries.append(entry)
        answer = self._redis.register_script(CREATE_LUA)(
            keys=[self._keys.tasks_by_time, self._keys.open, self._keys.outbox, self._keys.status_changes],
            args=[
                self._keys.idempotency(""),
                self._keys.task(""),
                idempotency_ttl,
                repr(now),
                "1" if outbox else "0",
                json.dumps(entries),
            ],
        )
        return [
            Created(task_id=str(answer[i]), duplicate=answer[i + 1] == 0, unsent=answer[i + 2] == 1)
            for i in range(0, len(answer), 3)
        ]

    def get(self, task_id: str) -> TaskRecord:
        """The decoded record; :class:`UnknownTask` when there is none, :class:`CorruptRecord`
        when a field cannot be decoded (the worker dead-letters such a task)."""
        raw: dict[str, str] = self._redis.hgetall(self._keys.task(task_id))
        if not raw:
            raise UnknownTask(f"no task with id {task_id!r}")
        return decode_record(task_id, raw)

    def mark_running(self, task_id: str, message_id: str | None = None, runner: str | None = None) -> int:
        """Record the start of an attempt by worker ``runner``; returns the attempt number (1-based).

        Only the newest message of a task may run it (:class:`StaleMessage`: a message the
        sweeper replaced that turns up after all), and never while another live worker runs it
        (:class:`RunningElsewhere`: a copy put back while its worker was only slow, or whose
        worker died so recently its heartbeat has not lapsed yet). The checks and the start are
        one transaction, so two messages of one task never run it both. Records published
        before messages were recorded accept any message.
        """
        key = self._keys.task(task_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    state: list[str | None] = pipe.hmget(key, ["message_id", "status", "runner"])  # type: ignore[assignment]
                    current, status, holder = state
                    if message_id is not None and current and current != message_id:
                        pipe.unwatch()
                        raise StaleMessage(
                            f"message {message_id} of task {task_id} was replaced by a newer one"
                        )
                    if (
                        status == TaskStatus.RUNNING.value
                        and holder
                        and holder != runner
                        and is_alive(self._redis, self._keys, holder)
                    ):
                        pipe.unwatch()
                        raise RunningElsewhere(task_id, holder)
                    pipe.multi()
                    pipe.hincrby(key, "attempts", 1)
                    fields = {"next_attempt_at": "", "runner": runner or ""}
                    self._queue_set(pipe, task_id, TaskStatus.RUNNING, fields)
                    attempts = int(pipe.execute()[0])
                    break
                except redis.WatchError:
                    continue
        self._audit.append(task_id, "running", attempt=str(attempts))
        return attempts

    def mark_write_sent(self, task_id: str, attempt: int) -> None:
        """The pin guard approved this attempt's write: from now until its outcome is recorded,
        the write may have reached Gong (``write_sent`` = attempt and time)."""
        self._redis.hset(self._keys.task(task_id), "write_sent", f"{attempt}@{time.time():.3f}")

    def mark_succeeded(
        self, task_id: str, result: dict[str, Any], summary: str, *, payload: dict[str, Any] | None = None
    ) -> None:
        """Store the result; ``payload`` replaces the stored one (a finished task keeps its
        personal data only as tokens, see ``worker.pii``)."""
        fields = {
            "result": json.dumps(result, sort_keys=True),
            "summary": summary,
            "error": "",
            "write_sent": "",
        }
        if payload is not None:
            fields["payload"] = json.dumps(payload, sort_keys=True)
        self._set(task_id, TaskStatus.SUCCEEDED, fields)
        self._audit.append(task_id, "succeeded")

    def mark_retrying(self, task_id: str, reason: str, next_attempt_at: float) -> None:
        reason = self._audit.redact(reason)
        self._set(task_id, TaskStatus.RETRYING, {"error": reason, "next_attempt_at": repr(next_attempt_at)})
        self._audit.append(task_id, "retrying", reason=reason, next_attempt_at=repr(next_attempt_at))

    def mark_deferred(
        self, task_id: str, reason: str, next_attempt_at: float, *, refund_attempt: bool
    ) -> None:
        """Park the task in ``deferred`` until ``next_attempt_at``; a release loop re-enqueues it.

        ``refund_attempt`` gives the attempt back when the task never reached Gong (the daily
        budget was spent before it ran), so a long outage of budget cannot dead-letter it.
        """
        reason = self._audit.redact(reason)
        fields = {"error": reason, "next_attempt_at": repr(next_attempt_at)}
        self._set_waiting(
            task_id, TaskStatus.DEFERRED, fields, self._keys.deferred, next_attempt_at, refund_attempt
        )
        self._audit.append(task_id, "deferred", reason=reason, next_attempt_at=repr(next_attempt_at))

    def dead_tasks(self, *, operation: str | None = None, since: float | None = None) -> list[TaskRecord]:
        """Dead-lettered tasks, oldest death first, optionally of one operation / dead since an epoch."""
        low = since if since is not None else "-inf"
        ids: list[str] = self._redis.zrangebyscore(self._keys.dead, low, "+inf")
        records = []
        for task_id in ids:
            try:
                record = self.get(task_id)
            except (UnknownTask, CorruptRecord):
                continue
            if record.status is TaskStatus.DEAD and (operation is None or record.operation == operation):
                records.append(record)
        return records

    def mark_parked(self, task_id: str, reason: str, cause: str) -> None:
        """Park the task until ``cause`` clears; the attempt it was on is given back (it never
        reached Gong, or could not have succeeded), so waiting can never dead-letter it."""
        reason = self._audit.redact(reason)
        fields = {"error": reason, "parked_cause": cause, "next_attempt_at": ""}
        self._set_waiting(task_id, TaskStatus.PARKED, fields, self._keys.parked, time.time(), True)
        self._audit.append(task_id, "parked", reason=reason, cause=cause)

    def _set_waiting(
        self, task_id: str, status: TaskStatus, fields: dict[str, str], zset: str, score: float, refund: bool
    ) -> None:
        """One write for a task that waits in ``zset`` (deferred, parked), attempt given back if
        ``refund``: status, fields and set membership change together."""
        pipe = self._redis.pipeline()
        if refund:
            pipe.hincrby(self._keys.task(task_id), "attempts", -1)
        self._queue_set(pipe, task_id, status, fields)
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

    def mark_needs_review(self, task_id: str, reason: str, raw_answer: Any) -> None:
        """Keep a write whose answer could not be judged, with that answer, for an operator
        (personal data in both as tokens: Gong's answer is about people as often as not)."""
        reason = self._audit.redact(reason)
        answer = json.dumps(self._audit.redact(raw_answer), sort_keys=True, default=str)
        fields = {"error": reason, "raw_answer": answer}
        pipe = self._redis.pipeline()
        self._queue_set(pipe, task_id, TaskStatus.NEEDS_REVIEW, fields)
        pipe.zadd(self._keys.needs_review, {task_id: time.time()})
        pipe.execute()
        self._audit.append(task_id, "needs_review", reason=reason)

    def mark_dead(self, task_id: str, reason: str) -> None:
        """Dead-letter the task: its record (history, payload, reason) stays; it is listed in
        ``dead``. The reason may quote Gong's error, which may quote an address: tokens."""
        reason = self._audit.redact(reason)
        pipe = self._redis.pipeline()
        self._queue_set(pipe, task_id, TaskStatus.DEAD, {"error": reason, "write_sent": ""})
        pipe.zadd(self._keys.dead, {task_id: time.time()})
        pipe.execute()
        self._audit.append(task_id, "dead", reason=reason)

    def expire_payload(self, task_id: str) -> bool:
        """Replace personal data in the payload of a dead, parked or needs-review task by tokens
        and say why it can no longer be retried; a parked task, which
        would run by itself once its cause clears, is dead-lettered. ``False`` when the task is
        no longer waiting (retried, finished) or was expired before: nothing changed.

        Under WATCH on the record, so a task an operator retries meanwhile keeps its payload.
        """
        key = self._keys.task(task_id)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    state: list[str | None] = pipe.hmget(key, ["status", "payload", "payload_expired"])  # type: ignore[assignment]
                    status, payload, expired = state
                    if status not in _EXPIRABLE or expired or payload is None:
                        pipe.unwatch()
                        return False
                    when = time.strftime("%Y-%m-%d", time.gmtime())
                    reason = (
                        f"its payload was tokenised on {when}, at the end of the retention of unfinished "
                        f"tasks' personal data (GONGQ_FAILED_PAYLOAD_RETENTION_DAYS): it can no longer "
                        "be retried; enqueue it again with its data if it is still needed"
                    )
                    redacted = self._audit.redact(json.loads(payload))
                    fields = {"payload": json.dumps(redacted, sort_keys=True)}
                    fields["payload_expired"] = reason
                    pipe.multi()
                    if status == TaskStatus.PARKED.value:
                        fields["error"] = reason
                        self._queue_set(pipe, task_id, TaskStatus.DEAD, fields)
                        pipe.zrem(self._keys.parked, task_id)
                        pipe.zadd(self._keys.dead, {task_id: time.time()})
                    else:
                        for name, value in fields.items():
                            pipe.hset(key, name, value)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        self._audit.append(task_id, "payload_expired", reason=reason)
        if status == TaskStatus.PARKED.value:
            self._audit.append(task_id, "dead", reason=reason)
        return True

    def _set(self, task_id: str, status: TaskStatus, fields: dict[str, str]) -> None:
        pipe = self._redis.pipeline()
        self._queue_set(pipe, task_id, status, fields)
        pipe.execute()

    def _queue_set(
        self, pipe: Pipeline[str], task_id: str, status: TaskStatus, fields: Mapping[str, str]
    ) -> None:
        queue_status(pipe, self._keys, task_id, status, fields)
