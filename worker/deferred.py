"""Deferred tasks: parked in a Redis sorted set until a time, then put back on their queue.

A task is deferred when it cannot usefully run before a known moment: Gong's daily budget is
spent until UTC midnight, or a retry delay is longer than the broker's visibility timeout (a
Celery countdown that long would be redelivered early, by every worker, because the message is
unacked). The sorted set ``deferred`` (score = epoch when due) survives worker restarts and
needs no Celery beat: every worker process runs a small daemon thread that calls
:func:`release_due` once a second. Popping is one Lua script, so with many workers each due
task is released exactly once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery

from worker.app import RUN_TASK, create_celery
from worker.errors import UnknownTask
from worker.operations import get_operation
from worker.runner import Runtime
from worker.settings import Settings

log = logging.getLogger("gongq.worker")

#: Tasks released per script call; the loop calls again at once while a call fills its limit.
RELEASE_BATCH = 100

#: KEYS: 1 deferred sorted set. ARGV: 1 limit. Due by Redis's clock, popped atomically.
POP_DUE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tostring(now), 'LIMIT', 0, tonumber(ARGV[1]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
"""

_celery_apps: dict[str, Celery] = {}
_lock = threading.Lock()


def _celery_for(settings: Settings) -> Celery:
    """A Celery app on this runtime's broker (tests run runtimes on other Redis databases)."""
    with _lock:
        if settings.redis_url not in _celery_apps:
            _celery_apps[settings.redis_url] = create_celery(settings)
        return _celery_apps[settings.redis_url]


def send(settings: Settings, task_id: str, operation: str) -> None:
    """Put ``task_id`` on its operation's lane queue, by task name (the payload stays in Redis)."""
    queue = get_operation(operation).lane.value
    _celery_for(settings).send_task(RUN_TASK, args=[task_id], queue=queue)


def release_due(runtime: Runtime) -> int:
    """Re-enqueue every deferred task that is due; returns how many were released."""
    pop = runtime.redis.register_script(POP_DUE_LUA)
    released = 0
    while True:
        due: list[str] = pop(keys=[runtime.keys.deferred], args=[RELEASE_BATCH])
        for task_id in due:
            try:
                record = runtime.store.get(task_id)
            except UnknownTask:
                log.warning("deferred task has no record; dropped", extra={"task_id": task_id})
                continue
            # Queued before it is sent: a worker may take the message, run the task and record
            # its outcome before this thread runs again, and "released" must not overwrite that.
            runtime.store.mark_released(task_id)
            try:
                send(runtime.settings, task_id, record.operation)
            except Exception:
                # Put it back so the next round tries again, rather than losing the task.
                runtime.store.mark_deferred(task_id, "re-enqueueing failed", 0, refund_attempt=False)
                raise
            log.info("deferred task released", extra={"task_id": task_id})
            released += 1
        if len(due) < RELEASE_BATCH:
            return released


def start_release_loop(runtime: Runtime, stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread calling :func:`release_due` every ``deferred_release_interval_seconds``.

    Errors are logged and the loop goes on: a Redis hiccup must not end releasing for good.
    """
    stopping = stop or threading.Event()

    def loop() -> None:
        while not stopping.wait(runtime.settings.deferred_release_interval_seconds):
            try:
                release_due(runtime)
            except Exception:
                log.exception("releasing deferred tasks failed; trying again next round")

    thread = threading.Thread(target=loop, name="gongq-deferred-release", daemon=True)
    thread.start()
    return thread


def visibility_timeout(app: Celery) -> float:
    """The broker's visibility timeout: no Celery countdown may be longer than this."""
    options: dict[str, Any] = app.conf.broker_transport_options or {}
    return float(options.get("visibility_timeout", 3600))
