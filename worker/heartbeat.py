"""Worker heartbeats: each worker process says, every ``heartbeat_seconds``, that it is alive
and which Celery messages it holds, so the sweeper can tell a stopped worker's messages (to be
put back on their queue within about a minute) from a live one's (left alone).

A worker holds a message from the moment it takes it off the queue until it acknowledges it:
waiting for a countdown (a retry), waiting for a pool thread, or running. Celery keeps every
such request in ``celery.worker.state.requests`` (message id → request) in the worker's main
process, which with the thread pool is the only process.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from worker.keys import Keys

log = logging.getLogger("gongq.worker")

#: A worker that missed this many beats is taken for stopped.
MISSED_BEATS = 3


def worker_name() -> str:
    """This process, as the heartbeat names it (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Holdings:
    """What the live workers hold: Celery message ids, and the task ids they carry."""

    workers: frozenset[str]
    messages: frozenset[str]
    tasks: frozenset[str]


def held_requests() -> tuple[list[str], list[str]]:
    """(message ids, task ids) of the requests this worker holds right now."""
    from celery.worker import state  # the worker's own; producers read heartbeats without Celery

    for _ in range(5):
        try:
            requests = list(state.requests.items())
            break
        except RuntimeError:  # the dict changed while being copied (another thread took a task)
            continue
    else:
        requests = []
    tasks = [str(request.args[0]) for _, request in requests if request.args]
    return [message_id for message_id, _ in requests], tasks


def beat(
    client: redis.Redis[str], keys: Keys, name: str, interval: float, queues: Sequence[str] = ()
) -> None:
    """Record that ``name`` is alive for ``MISSED_BEATS`` intervals, with what it holds and the
    queues (lanes) it consumes."""
    messages, tasks = held_requests()
    entry = {
        "until": time.time() + MISSED_BEATS * interval,
        "messages": messages,
        "tasks": tasks,
        "queues": list(queues),
    }
    client.hset(keys.workers, name, json.dumps(entry))


def _entry(raw: str | None) -> dict[str, Any] | None:
    """A heartbeat entry with its ``until`` as a float, or None if there is none or it is unreadable."""
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
        entry["until"] = float(entry["until"])
    except (ValueError, KeyError, TypeError):
        return None
    return entry if isinstance(entry, dict) else None


def forget(client: redis.Redis[str], keys: Keys, name: str) -> None:
    """A worker shutting down cleanly is gone at once (its messages go back on their own)."""
    client.hdel(keys.workers, name)


def live_holdings(client: redis.Redis[str], keys: Keys, *, prune_after: float = 3600.0) -> Holdings:
    """The live workers and everything they hold; entries silent for ``prune_after`` are removed."""
    now = time.time()
    workers: set[str] = set()
    messages: set[str] = set()
    tasks: set[str] = set()
    stale: list[str] = []
    entries: dict[str, str] = client.hgetall(keys.workers)
    for name, raw in entries.items():
        entry = _entry(raw)
        if entry is None:
            stale.append(name)
            continue
        until = entry["until"]
        if until >= now:
            workers.add(name)
            messages.update(str(m) for m in entry.get("messages", []))
            tasks.update(str(t) for t in entry.get("tasks", []))
        elif until < now - prune_after:
            stale.append(name)
    if stale:
        client.hdel(keys.workers, *stale)
    return Holdings(frozenset(workers), frozenset(messages), frozenset(tasks))


def is_alive(client: redis.Redis[str], keys: Keys, name: str) -> bool:
    """Whether worker ``name`` beat within its last ``MISSED_BEATS`` intervals."""
    entry = _entry(client.hget(keys.workers, name))
    return entry is not None and entry["until"] >= time.time()


def consumers_of(client: redis.Redis[str], keys: Keys, queue: str) -> int:
    """How many live workers consume ``queue`` (one whose beat names no queues counts: it is
    older than this field, and may consume anything). Zero means a task enqueued there waits."""
    now = time.time()
    count = 0
    for entry in filter(None, map(_entry, client.hvals(keys.workers))):
        queues = entry.get("queues") or []
        count += entry["until"] >= now and (not queues or queue in queues)
    return count


class Pulse:
    """Since when this process has beaten without a gap: after a Redis outage every worker's
    heartbeat has lapsed, so nobody may be judged stopped until the live ones beat again."""

    def __init__(self) -> None:
        self.steady_since: float | None = None

    def steady_for(self) -> float:
        return 0.0 if self.steady_since is None else time.time() - self.steady_since


#: This process's pulse (the sweeper reads it).
PULSE = Pulse()


def start_heartbeat(
    client: redis.Redis[str],
    keys: Keys,
    interval: float,
    stop: threading.Event | None = None,
    queues: Sequence[str] = (),
) -> threading.Thread:
    """A daemon thread beating every ``interval`` seconds (a Redis hiccup skips one beat)."""
    stopping = stop or threading.Event()
    name = worker_name()

    def loop() -> None:
        while True:
            try:
                beat(client, keys, name, interval, queues)
                if PULSE.steady_since is None:
                    PULSE.steady_since = time.time()
            except redis.RedisError as exc:
                PULSE.steady_since = None
                log.warning("heartbeat not written: %s", exc)
            if stopping.wait(interval):
                return

    thread = threading.Thread(target=loop, name="gongq-heartbeat", daemon=True)
    thread.start()
    return thread
