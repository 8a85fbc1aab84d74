"""The Celery application: broker and result backend on Redis, crash-safe delivery.

Importing this module does not import the task bodies (or the agent stack), so producers can
use the same app object to ``send_task`` by name.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from worker.delivery import RUN_TASK as RUN_TASK
from worker.delivery import visibility_timeout_seconds
from worker.logs import setup_celery_logging
from worker.operations import Lane
from worker.settings import Settings, get_settings


def create_celery(settings: Settings) -> Celery:
    """A Celery app configured for at-least-once delivery of long, I/O-bound agent tasks."""
    app = Celery("gongq", broker=settings.redis_url, backend=settings.redis_url, include=[])
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=Lane.DEFAULT.value,
        # Crash safety: ack after the task body returns, re-queue if the worker process dies,
        # and hold one task at a time so a dying worker takes nothing else down with it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            # Unacked tasks come back after this long; it must exceed the longest task.
            "visibility_timeout": visibility_timeout_seconds(settings),
        },
        broker_connection_retry_on_startup=True,
        # Ride out a Redis restart (AOF keeps the data): publishing a task or a retry, and
        # storing Celery's own result, try again for about as long as worker.connections does.
        task_publish_retry_policy={
            "max_retries": 40,
            "interval_start": 0,
            "interval_step": 0.25,
            "interval_max": 1,
        },
        result_backend_always_retry=True,
        result_backend_max_retries=40,
        result_backend_max_sleep_between_retries_ms=1000,
        result_expires=7 * 24 * 3600,
        task_track_started=True,
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
    )
    return app


celery_app = create_celery(get_settings())
# Worker logs are one JSON object per line keyed by task id (GONGQ_LOG_FORMAT=text to opt out).
after_setup_logger.connect(setup_celery_logging, weak=False)
after_setup_task_logger.connect(setup_celery_logging, weak=False)
