"""Structured worker logs: one JSON object per line, keyed by the gongq task id.

Operators follow a task through many workers and attempts by its id, so every line carries
``task_id`` when one is known: from ``extra={"task_id": ...}`` (what gongq's own code passes), or
else from the Celery task being executed (``gongq.run``'s only argument *is* the task id).

Payloads hold personal data (emails, phone numbers, call contents) and must never reach a log
shipper. The formatter therefore writes an allowlist of fields, never the record's arbitrary
extras (Celery attaches its whole trace context as ``data``), and of an exception only its type
and stack frames — not its message, which may quote a payload value (a KeyError of an email, a
validation error's input). The message itself is what the code wrote; gongq's messages name
operations and ids, never payload values.

``GONGQ_LOG_FORMAT=text`` keeps Celery's usual human-readable lines.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from worker.delivery import RUN_TASK
from worker.settings import Settings, get_settings

#: Record attributes copied into the JSON object when present (the allowlist; order kept).
ALLOWED_EXTRAS = ("task_id", "operation", "lane", "attempt", "status", "batch_id", "source")


def _celery_task_context() -> dict[str, str]:
    """Ids of the Celery task this thread is executing, if any (empty outside a task)."""
    try:
        from celery._state import get_current_task
    except ImportError:  # pragma: no cover - celery is a dependency of the worker
        return {}
    task = get_current_task()
    if task is None:
        return {}
    request = getattr(task, "request", None)
    context: dict[str, str] = {}
    celery_id = getattr(request, "id", None)
    if celery_id:
        context["celery_task_id"] = str(celery_id)
    args = getattr(request, "args", None) or ()
    if getattr(task, "name", None) == RUN_TASK and args and isinstance(args[0], str):
        context["task_id"] = args[0]
    return context


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, task_id, allowlisted extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ALLOWED_EXTRAS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value if isinstance(value, (int, float, bool)) else str(value)
        for name, value in _celery_task_context().items():
            entry.setdefault(name, value)
        entry["process"] = record.process
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            entry["exc_type"] = exc_type.__name__
            entry["stack"] = "".join(traceback.format_tb(tb)) if tb else ""
        return json.dumps(entry, ensure_ascii=False, default=str)


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_gongq_json", False) is True


def configure_json_logging(level: int | str = logging.INFO) -> logging.Handler:
    """Send the root logger's records to stderr as JSON lines (for processes not run by Celery).

    Idempotent: a second call only changes the level, so a module calling it twice never doubles
    every line.
    """
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if _is_ours(handler):
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._gongq_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return handler


def setup_celery_logging(settings: Settings | None = None, **kwargs: Any) -> None:
    """Celery signal receiver: make the handlers Celery just set up write JSON lines.

    Connect it to ``celery.signals.after_setup_logger`` (root logger) and
    ``after_setup_task_logger`` (``celery.task``). Celery has already attached its handlers and
    formatters by then; this only swaps the formatters, so log files, levels and redirection
    keep working. Does nothing when ``GONGQ_LOG_FORMAT=text``.
    """
    settings = settings or get_settings()
    if settings.log_format != "json":
        return
    logger = kwargs.get("logger")
    target = logger if isinstance(logger, logging.Logger) else logging.getLogger()
    for handler in target.handlers:
        handler.setFormatter(JsonFormatter())
