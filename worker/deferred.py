"""Deferred tasks: parked in a Redis sorted set until a time, then put back on their queue.

A task is deferred when it cannot usefully run before a known moment: Gong's daily budget is
spent until UTC midnight, or a retry delay is longer than the broker's visibility timeout (a
Celery countdown that long would be redelivered early, by every worker, because the message is
unacked). The sorted set ``deferred`` (score = epoch when due) survives worker restarts and
needs no Celery beat: every worker process runs a small daemon thread that calls
:func:`release_due` once a second. Each release is one transaction through the broker door, so
with many workers each due task is released exactly once, and none is lost to a killed worker.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery

from worker.runner import Runtime

log = logging.getLogger("gongq.worker")

#: Due tasks read (and published) per round; the loop reads again at once while a round fills it.
RELEASE_BATCH = 250


def release_due(runtime: Runtime) -> int:
    """Publish every deferred task that is due (by Redis's clock); returns how many were sent.

    Nothing is popped first: each due task leaves ``deferred`` in the transaction that sends it
    (``Broker.release``), so a worker killed at any point leaves every due task either sent or
    still in ``deferred``. With several workers each due task is sent once (the loser of a race
    finds it no longer deferred).
    """
    released = 0
    while True:
        seconds, micros = runtime.redis.time()
        due: list[str] = runtime.redis.zrangebyscore(
            runtime.keys.deferred, "-inf", seconds + micros / 1e6, start=0, num=RELEASE_BATCH
        )
        sent = runtime.broker.release(due)
        for task_id in sent:
            log.info("deferred task released", extra={"task_id": task_id})
        released += len(sent)
        stale = set(due) - set(sent)
        if stale:
            # Listed as deferred but no longer deferred (a record changed by hand, an operator's
            # retry): nothing to send; drop the entries so they do not block the next round.
            _drop_stale(runtime, sorted(stale))
        if len(due) < RELEASE_BATCH:
            return released


def _drop_stale(runtime: Runtime, task_ids: list[str]) -> None:
    pipe = runtime.redis.pipeline(transaction=False)
    for task_id in task_ids:
        pipe.hget(runtime.keys.task(task_id), "status")
    statuses = pipe.execute()
    gone = [t for t, status in zip(task_ids, statuses, strict=True) if status != "deferred"]
    if gone:
        runtime.redis.zrem(runtime.keys.deferred, *gone)


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
