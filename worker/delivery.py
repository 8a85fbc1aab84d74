"""What producers and the worker agree on about Celery messages, without importing Celery.

Producers write Celery's message format themselves (:mod:`worker.broker`), so the task name and
the visibility timeout live here, where a ``gongq status`` or ``gongq enqueue`` can read them
without paying for Celery's import (most of a CLI command's start-up otherwise).
"""

from __future__ import annotations

from worker.settings import Settings

#: The one Celery task: its only argument is a task id (the payload stays in Redis).
RUN_TASK = "gongq.run"


def visibility_timeout_seconds(settings: Settings) -> int:
    """How long an unacked message waits before kombu itself puts it back: longer than the
    longest task (the sweeper puts a stopped worker's messages back far sooner)."""
    return int(settings.task_timeout_seconds * 4 + 60)
