"""Counting tasks after chaos: which ones are finished, waiting where they should, or lost.

A task is *accounted for* when it is finished (terminal), waits in the set its status names
(``deferred``, ``parked``), is in the outbox (the sweeper or a resubmission publishes it), or
its newest message (``message_id``) is on a lane's list or unacked. Anything else is *lost*:
nothing would ever run it. Read at a moment when no worker holds messages (all stopped).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import redis

from worker.keys import Keys
from worker.operations import Lane
from worker.settings import Settings, settings_env
from worker.store import TaskStatus
from worker.sweeper import UNACKED, read_message, unpack_unacked

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Census:
    """Every task under one prefix, by status, and the ones nothing would ever run."""

    statuses: Counter[str] = field(default_factory=Counter)
    in_outbox: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def unfinished(self) -> int:
        return sum(n for s, n in self.statuses.items() if not TaskStatus(s).is_terminal)


def message_ids_in_broker(client: redis.Redis[str]) -> set[str]:
    """Ids of every message on a lane's list or unacked."""
    found = set()
    for lane in Lane:
        for raw in client.lrange(lane.value, 0, -1):
            message = read_message(raw, lane.value)
            if message is not None:
                found.add(message.message_id)
    for entry in client.hvals(UNACKED):
        unpacked = unpack_unacked(entry)
        if unpacked is not None:
            found.add(unpacked[1].message_id)
    return found


def census(client: redis.Redis[str], keys: Keys) -> Census:
    """Count every task under ``keys`` and name the lost ones."""
    result = Census()
    ids: list[str] = client.zrange(keys.tasks_by_time, 0, -1)
    messages = message_ids_in_broker(client)
    pipe = client.pipeline(transaction=False)
    for task_id in ids:
        pipe.hmget(keys.task(task_id), ["status", "message_id", "outbox"])
        pipe.zscore(keys.deferred, task_id)
        pipe.zscore(keys.parked, task_id)
    answers = pipe.execute()
    for i, task_id in enumerate(ids):
        (status, message_id, outbox), deferred, parked = answers[3 * i : 3 * i + 3]
        result.statuses[str(status)] += 1
        if status is None:
            result.lost.append(task_id)
        elif TaskStatus(status).is_terminal:
            continue
        elif outbox == "1":
            result.in_outbox.append(task_id)
        elif status == TaskStatus.DEFERRED.value:
            if deferred is None:
                result.lost.append(task_id)
        elif status == TaskStatus.PARKED.value:
            if parked is None:
                result.lost.append(task_id)
        elif not message_id or message_id not in messages:
            result.lost.append(task_id)
    return result


def _start(settings: Settings, argv: list[str]) -> subprocess.Popen[str]:
    """A Python child with the exact test settings, in its own process group (SIGKILLed with
    :func:`kill_group`), stdout (and stderr) piped as text."""
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def start_python(settings: Settings, code: str, *args: str) -> subprocess.Popen[str]:
    """A child running ``code`` (see :func:`_start`)."""
    return _start(settings, ["-c", code, *args])


def start_gongq(settings: Settings, *args: str) -> subprocess.Popen[str]:
    """``gongq <args>`` as a child process (see :func:`_start`)."""
    return _start(settings, ["-m", "producer", *args])


def kill_group(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child and everything it started; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
