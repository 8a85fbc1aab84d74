"""The one door onto the broker: every Celery message of a gongq task goes out through here.

Producers (the client, bulk lists, webhooks), the deferred release, ``gongq retry``, parked
releases and the sweeper all publish with :class:`Broker`, as arq's ``enqueue_job`` and
dramatiq's ``Broker.enqueue`` are the only ways onto their queues. The broker lists live on the
same Redis as the records, so a publication is one transaction: the record's status and its
``message_id``, the audit event, the broker message (LPUSH onto the lane's list) and the removal
from whatever set the task waited in land together or not at all. Nothing can be half-sent:

- a producer killed after writing a record leaves it in the ``outbox``; a resubmission of the
  same idempotency key, or the sweeper, publishes it;
- a deferred or parked task leaves its set in the same transaction that sends it.

Each transaction WATCHes the records it publishes (and the audit head): a record that changed
since it was read (another publisher got there first) is re-read and skipped if no longer
eligible, so two publishers never send one task twice. A message records its id in the task
(``message_id``); a worker runs a task only from its newest message (``TaskStore.mark_running``).

Messages are Celery protocol-2 messages in kombu's Redis envelope, written directly: Celery's
``send_task`` costs ~0.2-1 ms per message, which alone would take a 100,000-row erasure list past
its 20-second budget. ``tests/integration/test_batch_cli.py`` keeps the shape equal to
``send_task``'s and runs it on a real worker.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import redis

from worker.audit import AuditLog
from worker.delivery import RUN_TASK, Lane
from worker.errors import UnknownOperation, UnknownTask
from worker.keys import Keys
from worker.store import (
    RETRYABLE_BY_OPERATOR,
    NewTask,
    NotDead,
    PayloadExpired,
    TaskRecord,
    TaskStatus,
    TaskStore,
    queue_statuses,
)

#: Tasks published per transaction: small, so a worker appending to the audit trail at the same
#: time rarely forces the whole slice to be read again.
PUBLISH_SLICE = 250

#: One publication at a time per process (see ``Broker._publish_slice``).
_PUBLISHING = threading.Lock()

#: The record fields a publisher reads to decide whether a task is (still) eligible.
ROW_FIELDS = ("status", "operation", "outbox", "message_id", "source")


@dataclass(frozen=True)
class Row:
    """What a publisher reads of one record (``None`` fields: absent)."""

    task_id: str
    status: str | None
    operation: str | None
    outbox: bool
    message_id: str | None
    source: str | None


@dataclass(frozen=True)
class Submitted:
    """One submission's outcome: its task, whether the idempotency key already named it, and
    whether this submission is what published it (new, or an existing one never sent)."""

    task_id: str
    operation: str
    duplicate: bool
    published: bool


def lane_of(operation: str | None) -> str:
    """The queue a task's messages go to; a record naming no known operation goes to
    ``default``, where a worker dead-letters it with the reason (never dropped unseen)."""
    from worker.operations import get_operation  # the catalog: only when a task is sent

    try:
        return get_operation(operation or "").lane.value
    except UnknownOperation:
        return Lane.DEFAULT.value


def celery_message(task_id: str, queue: str, *, message_id: str, origin: str, reply_to: str) -> str:
    """The broker message ``send_task("gongq.run", [task_id], queue=queue, task_id=message_id)``
    would LPUSH (Celery protocol 2, kombu's Redis envelope; priority 0 is the list named after
    the queue), as JSON."""
    body = json.dumps([[task_id], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return json.dumps(
        {
            "body": base64.b64encode(body.encode()).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {
                "lang": "py",
                "task": RUN_TASK,
                "id": message_id,
                "shadow": None,
                "eta": None,
                "expires": None,
                "group": None,
                "group_index": None,
                "retries": 0,
                "timelimit": [None, None],
                "root_id": message_id,
                "parent_id": None,
                "argsrepr": repr([task_id]),
                "kwargsrepr": "{}",
                "origin": origin,
                "ignore_result": None,
                "replaced_task_nesting": 0,
                "stamped_headers": None,
                "stamps": {},
            },
            "properties": {
                "correlation_id": message_id,
                "reply_to": reply_to,
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
    )


class Broker:
    """Submits new tasks and (re)publishes existing ones, each publication one transaction."""

    def __init__(self, client: redis.Redis[str], keys: Keys, audit: AuditLog) -> None:
        self.redis = client
        self.keys = keys
        self.audit = audit
        self.store = TaskStore(client, keys, audit)

    @cached_property
    def _origin(self) -> str:
        return f"gen{os.getpid()}@{socket.gethostname()}"

    @cached_property
    def _reply_to(self) -> str:
        return str(uuid.uuid4())

    def submit(self, tasks: Sequence[NewTask], *, source: str, idempotency_ttl: int) -> list[Submitted]:
        """Write and publish new tasks; make sure a known key's task was sent.

        Records are written first, marked as in the outbox, then published with their "queued"
        events. A duplicate key whose task is still in the outbox (its producer died before
        publishing) is published now, and says so (``published``).
        """
        created = self.store.create_many(tasks, source=source, idempotency_ttl=idempotency_ttl, outbox=True)
        unsent = [c.task_id for c in created if not c.duplicate or c.unsent]
        published = set(self.flush_outbox(list(dict.fromkeys(unsent))))
        # A key repeated within this call names a task this call created: not a repair.
        new = {c.task_id for c in created if not c.duplicate}
        return [
            Submitted(
                c.task_id,
                t.operation,
                c.duplicate,
                c.task_id in published and (not c.duplicate or c.task_id not in new),
            )
            for t, c in zip(tasks, created, strict=True)
        ]

    def flush_outbox(self, task_ids: Sequence[str], *, recovered: str | None = None) -> list[str]:
        """Publish the given tasks that are still in the outbox, each with its "queued" event
        (and, with ``recovered``, a "recovered" event saying how it was found)."""

        def events(row: Row) -> list[tuple[str, dict[str, str]]]:
            queued = ("queued", {"operation": str(row.operation), "source": str(row.source or "unknown")})
            return [queued, ("recovered", {"how": recovered})] if recovered else [queued]

        return self._publish(
            task_ids, lambda row: row.outbox and row.status == TaskStatus.QUEUED.value, events
        )

    def release(self, task_ids: Sequence[str]) -> list[str]:
        """Publish deferred tasks that are due; each leaves ``deferred`` as it is sent."""
        return self._publish(
            task_ids,
            lambda row: row.status == TaskStatus.DEFERRED.value,
            lambda _: [("released", {})],
            leave=(self.keys.deferred,),
        )

    def retry(self, task_id: str, *, force: bool = False) -> TaskRecord:
        """Re-publish one dead or parked task (``force``: also one that needs review) with its
        attempts reset; :class:`NotDead` / :class:`UnknownTask` when it is not eligible,
        :class:`PayloadExpired` when its payload was tokenised (its retention ended). Two
        operators retrying at once publish it once: the other gets NotDead."""
        record = self.store.get(task_id)  # UnknownTask, or CorruptRecord: nothing a retry could run
        if record.payload_expired:
            raise PayloadExpired(task_id, record.payload_expired)
        allowed = {s.value for s in RETRYABLE_BY_OPERATOR}
        if force:
            allowed.add(TaskStatus.NEEDS_REVIEW.value)
        sent = self._publish(
            [task_id],
            lambda row: row.status in allowed,
            lambda _: [("retried", {})],
            reset={
                "attempts": "0",
                "error": "",
                "next_attempt_at": "",
                "parked_cause": "",
                "write_sent": "",
            },
            leave=(self.keys.dead, self.keys.parked, self.keys.needs_review),
        )
        if not sent:
            status = self.redis.hget(self.keys.task(task_id), "status")
            if status is None:
                raise UnknownTask(f"no task with id {task_id!r}")
            known = {s.value for s in TaskStatus}
            raise NotDead(task_id, TaskStatus(status) if status in known else TaskStatus.QUEUED)
        return self.store.get(task_id)

    def unpark(self, task_id: str) -> bool:
        """Publish one parked task (its cause cleared); ``False`` if it is no longer parked."""
        try:
            self.retry(task_id)
        except (NotDead, UnknownTask):
            self.redis.zrem(self.keys.parked, task_id)
            return False
        return True

    def recover(self, judged: Mapping[str, tuple[str, str | None]], how: str) -> list[str]:
        """Publish tasks the sweeper found nowhere: each only if its status and message id are
        still what the sweeper judged (a task that moved on meanwhile is left alone)."""
        return self._publish(
            list(judged),
            lambda row: (row.status, row.message_id) == judged[row.task_id],
            lambda _: [("recovered", {"how": how})],
            leave=(self.keys.deferred,),
        )

    def _publish(
        self,
        task_ids: Sequence[str],
        eligible: Callable[[Row], bool],
        events: Callable[[Row], list[tuple[str, dict[str, str]]]],
        *,
        reset: Mapping[str, str] | None = None,
        leave: Sequence[str] = (),
    ) -> list[str]:
        sent: list[str] = []
        for start in range(0, len(task_ids), PUBLISH_SLICE):
            sent.extend(
                self._publish_slice(task_ids[start : start + PUBLISH_SLICE], eligible, events, reset, leave)
            )
        return sent

    def _publish_slice(
        self,
        task_ids: Sequence[str],
        eligible: Callable[[Row], bool],
        events: Callable[[Row], list[tuple[str, dict[str, str]]]],
        reset: Mapping[str, str] | None,
        leave: Sequence[str],
    ) -> list[str]:
        """One transaction: WATCH the records and the audit head, read them (one round trip on
        another connection), queue status + message + events for the eligible ones, EXEC."""
        record_keys = [self.keys.task(task_id) for task_id in task_ids]
        # Threads of one process would only make each other's transactions fail (they all
        # WATCH the audit head); taking turns leaves conflicts between processes only.
        with _PUBLISHING, self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(self.keys.audit_head, *record_keys)
                    chosen = [row for row in self._rows(task_ids) if row.status is not None and eligible(row)]
                    if not chosen:
                        pipe.unwatch()
                        return []
                    self.audit.chain(
                        pipe,
                        [(row.task_id, name, details) for row in chosen for name, details in events(row)],
                    )
                    changes: dict[str, dict[str, str]] = {}
                    messages: dict[str, list[str]] = {}
                    for row in chosen:
                        lane = lane_of(row.operation)
                        message_id = str(uuid.uuid4())
                        changes[row.task_id] = {**(reset or {}), "message_id": message_id, "outbox": ""}
                        messages.setdefault(lane, []).append(
                            celery_message(
                                row.task_id,
                                lane,
                                message_id=message_id,
                                origin=self._origin,
                                reply_to=self._reply_to,
                            )
                        )
                    queue_statuses(pipe, self.keys, changes, TaskStatus.QUEUED)
                    for lane, bodies in messages.items():
                        pipe.lpush(lane, *bodies)
                    ids = [row.task_id for row in chosen]
                    for waiting in (self.keys.outbox, *leave):
                        pipe.zrem(waiting, *ids)
                    pipe.execute()
                    return ids
                except redis.WatchError:
                    continue

    def _rows(self, task_ids: Sequence[str]) -> list[Row]:
        reader = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            reader.hmget(self.keys.task(task_id), list(ROW_FIELDS))
        rows = []
        for task_id, values in zip(task_ids, reader.execute(), strict=True):
            status, operation, outbox, message_id, source = values
            rows.append(Row(task_id, status, operation, outbox == "1", message_id or None, source))
        return rows
