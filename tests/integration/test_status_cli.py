"""`gongq status` tells when a deferred task (daily Gong budget spent) will run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from producer.client import GongqClient
from worker.settings import Settings, settings_env

pytestmark = pytest.mark.integration


def gongq_status(settings: Settings, task_id: str, *flags: str) -> str:
    env = {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "producer", "status", task_id, *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_status_shows_when_a_deferred_task_runs_again(settings: Settings) -> None:
    # A record only (no broker message), parked as the worker parks it when the budget is spent.
    client = GongqClient(settings, source="test")
    created = client.store.create("list_users", {}, source="test")
    due = time.time() + 3600
    client.store.mark_deferred(created.task_id, "Gong's daily budget is spent", due, refund_attempt=False)
    text = gongq_status(settings, created.task_id)
    assert "deferred" in text and "runs again" in text and "UTC" in text
    record = json.loads(gongq_status(settings, created.task_id, "--json"))
    assert record["status"] == "deferred" and record["next_attempt_at"] == pytest.approx(due)
