"""Worker logs are one JSON object per line, keyed by task id, and never carry payload data:
only allowlisted fields are written, and of an exception only its type and stack."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from worker.logs import JsonFormatter, configure_json_logging, setup_celery_logging
from worker.settings import Settings

SECRET_EMAIL = "jane.doe@customer.example"


@pytest.fixture()
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("gongq.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_time_level_logger_message_and_task_id(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("attempt %d of %s", 2, "erase_email", extra={"task_id": "t-123", "operation": "erase_email"})
    [entry] = lines(stream)
    assert entry["message"] == "attempt 2 of erase_email"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "gongq.test.logs"
    assert entry["task_id"] == "t-123"
    assert entry["operation"] == "erase_email"
    assert str(entry["time"]).endswith("+00:00")


def test_payload_and_other_extras_are_never_written(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info(
        "task received",
        extra={
            "task_id": "t-1",
            "payload": {"email_address": SECRET_EMAIL},
            "data": {"args": [SECRET_EMAIL], "kwargs": {}},  # what Celery's trace attaches
        },
    )
    [entry] = lines(stream)
    assert entry["task_id"] == "t-1"
    assert "payload" not in entry and "data" not in entry
    assert SECRET_EMAIL not in stream.getvalue()


def test_an_exception_keeps_its_type_and_stack_but_not_its_message(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        {}[SECRET_EMAIL]  # a KeyError quoting a payload value
    except KeyError:
        logger.exception("unexpected error in task", extra={"task_id": "t-9"})
    [entry] = lines(stream)
    assert entry["exc_type"] == "KeyError"
    assert "test_an_exception_keeps_its_type" in str(entry["stack"])
    assert SECRET_EMAIL not in stream.getvalue()


def test_configure_json_logging_twice_adds_one_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        first = configure_json_logging(logging.INFO)
        second = configure_json_logging(logging.DEBUG)
        assert first is second
        assert [h for h in root.handlers if h not in before] == [first]
        assert root.level == logging.DEBUG
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)


def test_celery_hook_switches_handlers_to_json_unless_text_is_configured() -> None:
    logger = logging.getLogger("gongq.test.celery-hook")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        setup_celery_logging(settings=Settings(log_format="text", _env_file=None), logger=logger)
        assert not isinstance(handler.formatter, JsonFormatter)
        setup_celery_logging(settings=Settings(log_format="json", _env_file=None), logger=logger, loglevel=20)
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        logger.removeHandler(handler)


def test_lines_logged_inside_a_celery_run_carry_its_gongq_task_id(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    from types import SimpleNamespace

    from celery._state import _task_stack

    _task_stack.push(SimpleNamespace(name="gongq.run", request=SimpleNamespace(id="celery-1", args=["t-77"])))
    try:
        captured[0].info("Task gongq.run[celery-1] succeeded")
    finally:
        _task_stack.pop()
    [entry] = lines(captured[1])
    assert entry["task_id"] == "t-77"
    assert entry["celery_task_id"] == "celery-1"
