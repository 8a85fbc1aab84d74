"""The sweeper: finds tasks whose broker message is nowhere and publishes them again.

A task that is queued, retrying, running or deferred must have its message somewhere: on its
lane's list, in kombu's ``unacked`` hash (taken by a worker, not yet acknowledged), in a live
worker's hands (``worker.heartbeat``), or, deferred, its place in ``deferred``. Once a message
is nowhere (a producer killed before publishing, a worker SIGKILLed holding it, a bug), nothing
in Celery brings it back before the broker's visibility timeout (21 minutes by default), and a
message never published never comes back at all. Every worker runs this loop; a Redis lock lets
one sweep at a time across hosts, so no Celery beat is needed. Each sweep:

1. puts back on their queue the unacked messages no live worker holds, taken more than
   ``lost_after_seconds`` ago (what kombu's visibility timeout does, sooner), same message id;
2. publishes the outbox entries older than ``lost_after_seconds`` (their producer died);
3. checks the ``open`` tasks unchanged for ``lost_after_seconds``: a task found nowhere is
   published again with a new message id (``Broker.recover``), audited ``recovered``.

Nothing is judged while this worker's own heartbeat is not steady (after a Redis outage every
worker's heartbeat has lapsed until it beats again). A wrong judgement cannot run a task twice:
a worker runs a task only from its newest message and never while a live worker runs it
(``TaskStore.mark_running``).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis

from worker.broker import Broker
from worker.delivery import Lane, visibility_timeout_seconds
from worker.heartbeat import MISSED_BEATS, PULSE, Holdings, live_holdings
from worker.settings import Settings
from worker.store import TaskStatus

log = logging.getLogger("gongq.worker")

#: kombu's Redis transport keys for unacknowledged messages (its defaults; gongq sets no prefix).
UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"

#: Open tasks checked per sweep (the oldest first); the rest wait for the next sweep.
SWEEP_LIMIT = 5000

#: KEYS: 1 unacked, 2 unacked_index, 3 the queue. ARGV: 1 tag, 2 stored entry, 3 message.
#: Put one unacked message back at the consuming end of its queue (as kombu's restore does),
#: only if it is still the same unacked entry.
RESTORE_LUA = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""

#: KEYS: 1 lock. ARGV: 1 owner. Release the lock only if we still hold it.
UNLOCK_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class SweepReport:
    """What one sweep did."""

    restored: list[str] = field(default_factory=list)
    flushed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    checked: int = 0
    #: Dead, parked or needs-review tasks whose payload retention ended (now tokens).
    expired: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.restored or self.flushed or self.recovered)


@dataclass(frozen=True)
class Message:
    """One broker message as the sweeper reads it."""

    message_id: str
    task_id: str | None
    queue: str


def read_message(raw: str, queue: str | None = None) -> Message | None:
    """Message id, task id and queue of a kombu envelope (``None`` if it is not one)."""
    try:
        envelope = json.loads(raw)
        headers = envelope["headers"]
        message_id = str(headers["id"])
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        routing = envelope.get("properties", {}).get("delivery_info", {}).get("routing_key")
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    task_id = str(args[0]) if isinstance(args, list) and args else None
    return Message(message_id, task_id, queue or routing or Lane.DEFAULT.value)


class Sweeper:
    """One worker's sweeper; :meth:`sweep` does nothing unless it gets the lock. Producers use
    :meth:`send_if_lost` for the tasks a resubmission names (no lock, nothing put back)."""

    def __init__(self, broker: Broker, settings: Settings) -> None:
        self.broker = broker
        self.settings = settings
        self.redis = broker.redis
        self.keys = broker.keys
        self.owner = uuid.uuid4().hex

    def sweep(self, *, require_steady: bool = True) -> SweepReport | None:
        """One sweep, or ``None`` when another worker holds the lock or our pulse is not steady."""
        steady_needed = MISSED_BEATS * self.settings.heartbeat_seconds
        if require_steady and PULSE.steady_for() < steady_needed:
            return None
        ttl_ms = int(max(self.settings.sweep_interval_seconds * 3, 30) * 1000)
        if not self.redis.set(self.keys.sweeper_lock, self.owner, nx=True, px=ttl_ms):
            return None
        try:
            return self._sweep()
        finally:
            self.redis.register_script(UNLOCK_LUA)(keys=[self.keys.sweeper_lock], args=[self.owner])

    def _sweep(self) -> SweepReport:
        report = SweepReport()
        holdings = live_holdings(self.redis, self.keys)
        cutoff = time.time() - self.settings.lost_after_seconds
        unacked = self._restore_unacked(holdings, cutoff, report)
        outbox: list[str] = self.redis.zrangebyscore(self.keys.outbox, "-inf", cutoff)
        report.flushed = self.broker.flush_outbox(
            outbox, recovered="its producer stopped before publishing it"
        )
        ids: list[str] = self.redis.zrangebyscore(self.keys.open, "-inf", cutoff, start=0, num=SWEEP_LIMIT)
        report.checked = len(ids)
        report.recovered = self._check_open(ids, holdings, unacked)
        report.expired = self.expire_payloads()
        return report

    def expire_payloads(self, now: float | None = None) -> list[str]:
        """Tokenise the payloads of tasks that have waited (dead, parked, needs review) longer
        than GONGQ_FAILED_PAYLOAD_RETENTION_DAYS; returns their ids.

        Each set is scored by when the task entered it, so a sweep reads only the slice between
        the last sweep's cutoff (a mark in Redis) and this one's: every task is looked at once,
        not once per sweep for as long as it stays dead.
        """
        cutoff = (now if now is not None else time.time()) - self.settings.failed_payload_retention_seconds
        mark = self.redis.get(self.keys.payload_expiry_mark)
        low = f"({mark}" if mark else "-inf"
        expired: list[str] = []
        for waiting in (self.keys.dead, self.keys.parked, self.keys.needs_review):
            for task_id in self.redis.zrangebyscore(waiting, low, cutoff):
                if self.broker.store.expire_payload(task_id):
                    expired.append(task_id)
        self.redis.set(self.keys.payload_expiry_mark, repr(cutoff))
        return expired

    def send_if_lost(self, task_ids: Sequence[str]) -> list[str]:
        """Publish those of ``task_ids`` (unchanged for ``lost_after_seconds``) whose message is
        nowhere: a resubmission makes sure its tasks were sent, not only that they exist."""
        cutoff = time.time() - self.settings.lost_after_seconds
        reader = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            reader.zscore(self.keys.open, task_id)
        scores = reader.execute()
        stale = [t for t, score in zip(task_ids, scores, strict=True) if score is not None and score < cutoff]
        if not stale:
            return []
        unacked = {m.message_id for m in self._unacked_messages()}
        return self._check_open(stale, live_holdings(self.redis, self.keys), unacked)

    def _unacked_messages(self) -> list[Message]:
        messages = []
        for entry in self.redis.hvals(UNACKED):
            unpacked = unpack_unacked(entry)
            if unpacked is not None:
                messages.append(unpacked[1])
        return messages

    def _restore_unacked(self, holdings: Holdings, cutoff: float, report: SweepReport) -> set[str]:
        """Put back stopped workers' messages; returns the message ids still unacked (held)."""
        entries: dict[str, str] = self.redis.hgetall(UNACKED)
        taken_at = dict(self.redis.zrange(UNACKED_INDEX, 0, -1, withscores=True))
        restore = self.redis.register_script(RESTORE_LUA)
        held: set[str] = set()
        for tag, entry in entries.items():
            unpacked = unpack_unacked(entry)
            if unpacked is None or unpacked[1].task_id is None:
                continue
            raw, message = unpacked
            if message.message_id in holdings.messages or float(taken_at.get(tag, 0.0)) >= cutoff:
                held.add(message.message_id)
                continue
            if restore(keys=[UNACKED, UNACKED_INDEX, message.queue], args=[tag, entry, raw]):
                self.broker.audit.append(
                    str(message.task_id), "recovered", how="its worker stopped; message put back on its queue"
                )
                self.redis.zadd(self.keys.open, {str(message.task_id): time.time()}, xx=True)
                report.restored.append(str(message.task_id))
                held.add(message.message_id)
        return held

    def _check_open(self, ids: Sequence[str], holdings: Holdings, unacked: set[str]) -> list[str]:
        """Publish the open tasks among ``ids`` whose message is nowhere; touch the others."""
        if not ids:
            return []
        reader = self.redis.pipeline(transaction=False)
        for task_id in ids:
            reader.hmget(self.keys.task(task_id), ["status", "message_id", "outbox"])
            reader.zscore(self.keys.deferred, task_id)
        answers = reader.execute()
        queued: tuple[set[str], set[str]] | None = None
        touch: dict[str | bytes, bytes | float | int | str] = {}
        backstop = time.time() + visibility_timeout_seconds(self.settings)
        judged: dict[str, tuple[str, str | None]] = {}
        closed: list[str] = []
        for i, task_id in enumerate(ids):
            (status, message_id, outbox), deferred_at = answers[2 * i], answers[2 * i + 1]
            if status is None or status not in OPEN_STATUSES:
                closed.append(task_id)
                continue
            if outbox == "1":
                continue  # the outbox step publishes it once it is old enough
            if status == TaskStatus.DEFERRED.value:
                if deferred_at is not None:
                    touch[task_id] = time.time()
                else:
                    judged[task_id] = (status, message_id or None)
                continue
            if _held(task_id, message_id, holdings, unacked):
                touch[task_id] = time.time()
                continue
            if queued is None:
                queued = self._queued_messages()
            if (message_id in queued[0]) if message_id else (task_id in queued[1]):
                touch[task_id] = backstop  # stays on its list until a worker takes it
                continue
            judged[task_id] = (status, message_id or None)
        if closed:
            self.redis.zrem(self.keys.open, *closed)
        if touch:
            self.redis.zadd(self.keys.open, touch, xx=True)
        if not judged:
            return []
        return self.broker.recover(judged, how="its message was nowhere (queues, unacked, workers)")

    def _queued_messages(self) -> tuple[set[str], set[str]]:
        """(message ids, task ids) of every message waiting on a lane's list."""
        message_ids: set[str] = set()
        task_ids: set[str] = set()
        for lane in Lane:
            raws: list[str] = self.redis.lrange(lane.value, 0, -1)
            for raw in raws:
                message = read_message(raw, lane.value)
                if message is not None:
                    message_ids.add(message.message_id)
                    if message.task_id is not None:
                        task_ids.add(message.task_id)
        return message_ids, task_ids


#: Statuses whose task must have a message (or, deferred, a place in ``deferred``).
OPEN_STATUSES = frozenset(
    s.value for s in (TaskStatus.QUEUED, TaskStatus.RETRYING, TaskStatus.RUNNING, TaskStatus.DEFERRED)
)


def unpack_unacked(entry: str) -> tuple[str, Message] | None:
    """(the message as queued, its ids) of one kombu ``unacked`` entry [message, exchange, key]."""
    try:
        raw_envelope, _exchange, routing_key = json.loads(entry)
    except (ValueError, TypeError):
        return None
    raw = json.dumps(raw_envelope)
    message = read_message(raw, routing_key or None)
    return None if message is None else (raw, message)


def _held(task_id: str, message_id: str | None, holdings: Holdings, unacked: set[str]) -> bool:
    if message_id:
        return message_id in holdings.messages or message_id in unacked
    return task_id in holdings.tasks


def start_sweeper(
    broker: Broker, settings: Settings, stop: threading.Event | None = None
) -> threading.Thread:
    """A daemon thread sweeping every ``sweep_interval_seconds`` (errors logged, loop goes on)."""
    stopping = stop or threading.Event()
    sweeper = Sweeper(broker, settings)

    def loop() -> None:
        while not stopping.wait(settings.sweep_interval_seconds):
            try:
                report = sweeper.sweep()
            except redis.RedisError as exc:
                log.warning("sweep skipped: %s", exc)
                continue
            except Exception:
                log.exception("sweep failed; trying again next round")
                continue
            if report is not None and report.expired:
                log.info(
                    "sweeper: payload retention ended for %d unfinished task(s): tokenised, not retryable",
                    len(report.expired),
                )
            if report is not None and report.anything:
                log.warning(
                    "sweeper: %d message(s) of stopped workers put back, %d unsent task(s) published, "
                    "%d lost task(s) published again",
                    len(report.restored),
                    len(report.flushed),
                    len(report.recovered),
                )

    thread = threading.Thread(target=loop, name="gongq-sweeper", daemon=True)
    thread.start()
    return thread
