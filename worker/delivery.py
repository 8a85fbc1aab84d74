"""What producers and the worker agree on about Celery messages, without importing Celery.

Producers write Celery's message format themselves (:mod:`worker.broker`), so the task name,
the lanes (queues) and the visibility timeout live here, where a ``gongq status`` can read them
without paying for Celery's import, or for the catalog's (most of a CLI command's start-up
otherwise; :mod:`worker.operations` assigns each operation its lane).
"""

from __future__ import annotations

from enum import StrEnum

from worker.settings import Settings


class Lane(StrEnum):
    """Celery queues; workers consume ``privacy`` first so erasures are never stuck behind bulk work."""

    PRIVACY = "privacy"
    DEFAULT = "default"


#: The one Celery task: its only argument is a task id (the payload stays in Redis).
RUN_TASK = "gongq.run"


def visibility_timeout_seconds(settings: Settings) -> int:
    """How long an unacked message waits before kombu itself puts it back: longer than the
    longest task (the sweeper puts a stopped worker's messages back far sooner)."""
    return int(settings.task_timeout_seconds * 4 + 60)
