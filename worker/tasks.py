"""The Celery task, thin over ``run_operation``, and the one retry policy.

Retryable failures are retried with exponential backoff and jitter, never earlier than the
Retry-After they carry, until ``max_attempts``; Permanent failures and exhausted retries are
dead-lettered with their reason. This is the only place retries are decided.

Two kinds of wait do not go through a Celery countdown but through the ``deferred`` sorted set
(:mod:`worker.deferred`): a spent Gong daily budget (:class:`BudgetExhausted`, due at UTC
midnight) and any delay longer than the broker's visibility timeout, which an unacked countdown
message would not survive without being redelivered early.

Celery (hence Flower, which builds its view from Celery's events, and the result backend) records
what gongq decided, not just that the task body returned: a dead-lettered task is FAILURE
(:class:`DeadLettered`, its reason as tokens), a retried one RETRY, a parked, deferred or
needs-review one PARKED, DEFERRED or NEEDS_REVIEW (:func:`report_to_celery`). Every message is
acked whatever its outcome; only a worker lost mid-task leaves its message to come back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import threading
import time
from typing import Any

from celery import Task
from celery.exceptions import Ignore
from celery.signals import worker_ready, worker_shutdown

from worker.app import celery_app
from worker.deferred import start_release_loop, visibility_timeout
from worker.delivery import RUN_TASK
from worker.errors import (
    BudgetExhausted,
    ConfigurationProblem,
    CorruptRecord,
    DeadLettered,
    NotConnected,
    Parked,
    Retryable,
    RunningElsewhere,
    StaleMessage,
    TaskFailure,
    Unclassified,
    UnknownTask,
    Unverified,
)
from worker.heartbeat import MISSED_BEATS, forget, start_heartbeat, worker_name
from worker.operations import get_operation
from worker.parking import release_parked, start_connection_watch
from worker.pii import scrub_text
from worker.runner import Runtime, run_operation
from worker.settings import Settings, get_settings
from worker.store import TaskStatus
from worker.sweeper import start_sweeper

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


def loggable(rt: Runtime, reason: str) -> str:
    """A failure reason fit for logs: Gong's messages can quote addresses, logs get tokens."""
    return scrub_text(rt.settings.pii_key.get_secret_value(), reason)


def retry_delay(
    attempt: int, failure: Retryable, settings: Settings, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter on top of the base, never below Retry-After."""
    rng = rng or random.Random()
    backoff = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (attempt - 1))
    jittered = backoff / 2 + rng.uniform(0, backoff / 2)
    return float(max(jittered, failure.retry_after or 0.0))


def max_countdown(task: Task) -> float:
    """The longest Celery countdown that is safe: a little under the broker's visibility timeout."""
    return visibility_timeout(task.app) * 0.9


#: Gong's (the sandbox's) 409 for a reused clientUniqueId names the call that holds it.
_DUPLICATE_CALL = re.compile(r"A call with clientUniqueId (\S+) already exists: (\d+)")


def created_by_earlier_attempt(rt: Runtime, task_id: str, failure: TaskFailure) -> tuple[str, str] | None:
    """(call id, clientUniqueId) when an add_call attempt got 409 for the clientUniqueId this task sends.

    An earlier attempt created the call and its worker died before recording success (the
    model provider runs the tool even when the worker is gone); Gong refusing the second
    create is the de-duplication working, so the task is done. A producer-chosen
    clientUniqueId counts as ours only if an earlier attempt of this task could have sent it.
    """
    match = _DUPLICATE_CALL.search(failure.reason)
    if match is None or isinstance(failure, Retryable):
        return None
    record = rt.store.get(task_id)
    if record.operation != "add_call":
        return None
    own = f"gongq-{task_id}"
    chosen = record.payload.get("clientUniqueId")
    ours = match.group(1) == own and chosen in (None, own)
    ours = ours or (chosen is not None and match.group(1) == chosen and record.attempts > 1)
    return (match.group(2), match.group(1)) if ours else None


def unrepeatable_after_send(rt: Runtime, task_id: str, failure: Retryable) -> Unverified | None:
    """A transient failure after this attempt sent a write Gong cannot de-duplicate: the write
    may have happened (a timeout, a 5xx, a lost answer), so it needs review, not a retry."""
    record = rt.store.get(task_id)
    if not record.write_sent or get_operation(record.operation).repeatable:
        return None
    return Unverified(
        f"this attempt sent {record.operation} to Gong, then failed ({failure.reason}); the write may "
        f"have happened and Gong cannot de-duplicate it: check Gong, then `gongq retry --force {task_id}`",
        raw_answer=None,
    )


#: The gongq statuses in which a task waits (for its cause to clear, its due time, an operator).
#: Celery records each as a state of that name, upper-cased: PARKED, DEFERRED, NEEDS_REVIEW.
WAITING = frozenset({TaskStatus.PARKED.value, TaskStatus.DEFERRED.value, TaskStatus.NEEDS_REVIEW.value})


def _dead_letter(rt: Runtime, task_id: str, reason: str) -> dict[str, Any]:
    """Write the dead letter; the outcome carries the reason as logs may show it (tokens)."""
    rt.store.mark_dead(task_id, reason)
    shown = loggable(rt, reason)
    log.error("task dead-lettered: %s", shown, extra={"task_id": task_id})
    return {"task_id": task_id, "status": TaskStatus.DEAD.value, "reason": shown}


def _handle_failure(task: Task, rt: Runtime, task_id: str, failure: TaskFailure) -> dict[str, Any]:
    """Apply the retry policy to one failed attempt: the outcome it wrote, or Celery's Retry.

    A waiting or dead outcome carries its ``reason`` with personal data as tokens
    (:func:`loggable`): :func:`report_to_celery` hands it to Celery, hence to Flower.
    """
    created = created_by_earlier_attempt(rt, task_id, failure)
    if created is not None:
        call_id, client_unique_id = created
        result = {"call_id": call_id, "client_unique_id": client_unique_id, "request_id": None}
        summary = f"Gong already holds call {call_id} from an earlier attempt (409 on its clientUniqueId)"
        rt.store.mark_succeeded(task_id, result, summary)
        log.warning("%s; not created again", summary, extra={"task_id": task_id})
        return {"task_id": task_id, "status": TaskStatus.SUCCEEDED.value}
    if isinstance(failure, Parked):
        # Nothing this task does can fix it (no Gong connection, a refused key): wait, attempt
        # given back, until the cause clears (worker.parking) or an operator retries it.
        rt.store.mark_parked(task_id, failure.reason, failure.cause)
        if isinstance(failure, NotConnected):
            # Until the watch sees the connection active (or this expires), park new tasks at once.
            rt.store.note_inactive_connection(rt.settings.connection_recheck_seconds)
        level = logging.ERROR if isinstance(failure, ConfigurationProblem) else logging.WARNING
        shown = loggable(rt, failure.reason)
        log.log(level, "task parked: %s", shown, extra={"task_id": task_id})
        return {
            "task_id": task_id,
            "status": TaskStatus.PARKED.value,
            "reason": shown,
            "cause": failure.cause,
        }
    if isinstance(failure, Retryable) and not failure.refused_by_gong:
        failure = unrepeatable_after_send(rt, task_id, failure) or failure
    if isinstance(failure, Unverified):
        rt.store.mark_needs_review(task_id, failure.reason, failure.raw_answer)
        shown = loggable(rt, failure.reason)
        log.error("task needs review: %s", shown, extra={"task_id": task_id})
        return {"task_id": task_id, "status": TaskStatus.NEEDS_REVIEW.value, "reason": shown}
    if isinstance(failure, BudgetExhausted):
        # The task never reached Gong: park it until the budget resets, attempt refunded.
        rt.store.mark_deferred(task_id, failure.reason, failure.reset_at, refund_attempt=True)
        log.warning(
            "Gong daily budget spent; deferred until %.0f", failure.reset_at, extra={"task_id": task_id}
        )
        return {
            "task_id": task_id,
            "status": TaskStatus.DEFERRED.value,
            "reason": loggable(rt, failure.reason),
            "next_attempt_at": failure.reset_at,
        }
    if isinstance(failure, Retryable):
        attempts = rt.store.get(task_id).attempts
        limit = rt.settings.max_attempts
        if isinstance(failure, Unclassified):
            limit = min(limit, rt.settings.unclassified_max_attempts)
        if attempts < limit:
            delay = retry_delay(attempts, failure, rt.settings)
            shown = loggable(rt, failure.reason)
            if delay > max_countdown(task):
                due = time.time() + delay
                rt.store.mark_deferred(task_id, failure.reason, due, refund_attempt=False)
                log.warning(
                    "attempt %d failed, deferred %.0f s (past the visibility timeout): %s",
                    attempts,
                    delay,
                    shown,
                    extra={"task_id": task_id},
                )
                return {
                    "task_id": task_id,
                    "status": TaskStatus.DEFERRED.value,
                    "reason": shown,
                    "next_attempt_at": due,
                }
            rt.store.mark_retrying(task_id, failure.reason, time.time() + delay)
            log.warning(
                "attempt %d failed, retrying in %.1f s: %s",
                attempts,
                delay,
                shown,
                extra={"task_id": task_id},
            )
            # The scrubbed reason rides on the Retry: Flower's RETRY and the result backend show it.
            raise task.retry(countdown=delay, max_retries=None, exc=Retryable(shown)) from None
        return _dead_letter(rt, task_id, f"gave up after {attempts} attempts: {failure.reason}")
    return _dead_letter(rt, task_id, failure.reason)


def report_to_celery(task: Task, outcome: dict[str, Any]) -> dict[str, Any]:
    """Make the state Celery records (Flower, the result backend) the one gongq decided.

    - dead: :class:`DeadLettered` with the scrubbed reason, so the task is FAILURE;
    - waiting (parked, deferred, needs review): the state ``PARKED`` / ``DEFERRED`` /
      ``NEEDS_REVIEW``. Flower builds its states from events, where celery.events.state turns
      a custom ``task-<name>`` event into the state ``<NAME>``; AsyncResult reads the result
      backend, hence ``update_state`` too. Then :class:`~celery.exceptions.Ignore`: Celery acks
      the message (acks_late) and sends no task-succeeded, which outranks any custom state and
      would turn it back into SUCCESS. Both writes are for monitoring only: if they fail, the
      outcome stands, it is already in the gongq record;
    - anything else (succeeded, an unknown or stale message) is returned: SUCCESS.
    """
    status = outcome["status"]
    if status == TaskStatus.DEAD.value:
        raise DeadLettered(outcome["reason"]) from None
    if status in WAITING:
        try:
            task.send_event(f"task-{status}", result=repr(outcome))
            task.update_state(state=status.upper(), meta=outcome)
        except Exception:
            log.warning(
                "could not record the task as %s in Celery", status, extra={"task_id": outcome["task_id"]}
            )
        raise Ignore()
    return outcome


# max_retries=None: the policy above counts attempts itself. Celery's default (3) would raise
# MaxRetriesExceededError on the 4th retry and leave the task "retrying" forever, never dead.
# throws: a dead letter is an expected outcome, logged in one line without a traceback;
# acks_on_failure (Celery's default, stated): its message is acked like any other, never redelivered.
@celery_app.task(  # type: ignore[untyped-decorator]
    name=RUN_TASK,
    bind=True,
    acks_late=True,
    acks_on_failure=True,
    max_retries=None,
    throws=(DeadLettered,),
)
def run(self: Task, task_id: str) -> dict[str, Any]:
    """Run one attempt of a gongq task; Celery sees only the task id and the outcome (see
    :func:`report_to_celery`)."""
    rt = runtime()
    failure: TaskFailure | CorruptRecord
    try:
        record = asyncio.run(run_operation(task_id, rt, message_id=self.request.id))
    except UnknownTask:
        log.error("no record for task; nothing to run", extra={"task_id": task_id})
        return {"task_id": task_id, "status": "unknown"}
    except StaleMessage as exc:
        log.info("%s; dropped", exc, extra={"task_id": task_id})
        return {"task_id": task_id, "status": "stale"}
    except RunningElsewhere as exc:
        # Look again once that worker's heartbeat could have lapsed: it finishes the task (this
        # message then finds it succeeded), or it died and this message runs it.
        wait = MISSED_BEATS * rt.settings.heartbeat_seconds
        log.info("%s; this message comes back in %.0f s", exc, wait, extra={"task_id": task_id})
        raise self.retry(countdown=wait, max_retries=None) from None
    except (CorruptRecord, TaskFailure) as exc:
        failure = exc
    except Exception as exc:
        # A bug or an infrastructure hiccup: keep the task (retry, then dead letter), never drop it.
        log.exception("unexpected error in task", extra={"task_id": task_id})
        failure = Retryable(f"unexpected {type(exc).__name__}")
    else:
        return {"task_id": task_id, "status": record.status.value}
    # Handled outside the except clauses, so what Celery records next (a Retry, DeadLettered)
    # does not chain the failure, whose message may quote personal data, into its traceback.
    if isinstance(failure, CorruptRecord):
        # Nothing can run from it, and reading it again would fail again: dead-letter with the
        # reason (written field by field, without decoding the record).
        outcome = _dead_letter(rt, task_id, str(failure))
    else:
        outcome = _handle_failure(self, rt, task_id, failure)
    return report_to_celery(self, outcome)


_release_started = threading.Event()


@worker_ready.connect  # type: ignore[untyped-decorator]
def _start_deferred_release(**_: object) -> None:
    """Each worker process beats (worker.heartbeat), sweeps for lost tasks when it holds the
    sweeper lock (worker.sweeper), releases due deferred tasks (no Celery beat needed),
    watches the Gong connection while tasks wait for it, and, having started (its dependency
    checks passed, ``gongq worker``), releases the tasks parked on a configuration problem."""
    if not _release_started.is_set():
        _release_started.set()
        rt = runtime()
        queues = sorted(celery_app.amqp.queues.consume_from or celery_app.amqp.queues)
        start_heartbeat(rt.redis, rt.keys, rt.settings.heartbeat_seconds, queues=queues)
        start_sweeper(rt.broker, rt.settings)
        start_release_loop(rt)
        start_connection_watch(rt.broker, rt.settings, rt.sessions)
        try:
            released = release_parked(rt.broker, ConfigurationProblem.cause)
        except Exception:
            log.exception("releasing tasks parked on configuration failed")
        else:
            if released:
                log.info("released %d task(s) parked on a configuration problem", released)


@worker_shutdown.connect  # type: ignore[untyped-decorator]
def _say_goodbye(**_: object) -> None:
    """A worker stopping cleanly leaves the heartbeat table at once (Celery has put back what
    it held), so nothing waits for its heartbeat to lapse."""
    if _release_started.is_set():
        rt = runtime()
        try:
            forget(rt.redis, rt.keys, worker_name())
        except Exception:
            log.warning("could not remove this worker's heartbeat")
