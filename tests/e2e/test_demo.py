"""`gongq demo` end to end, as `make demo` runs it: its own worker, every task succeeds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from worker.settings import Settings, settings_env

pytestmark = pytest.mark.e2e


def test_demo_runs_every_operation_to_success(settings: Settings) -> None:
    env = {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "producer", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["succeeded"] == 6 and report["failed"] == 0
    assert sorted(t["operation"] for t in report["tasks"]) == sorted(
        ["add_call", "erase_email", "erase_phone", "assign_prospects", "list_users", "ask"]
    )
    assert all(t["status"] == "succeeded" and t["result"] for t in report["tasks"])


def test_demo_without_redis_or_sandbox_starts_both_and_keeps_task_ids_whole(tmp_path: object) -> None:
    """The table mode, in a terminal narrower than the table: each task id stays one copyable
    32-character word (``gongq status`` takes it), the other columns give way."""
    from producer.processes import free_port

    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "GONGQ_SANDBOX_URL": f"http://127.0.0.1:{free_port()}",
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
        "COLUMNS": "80",
    }
    done = subprocess.run(
        [sys.executable, "-m", "producer", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "6 of 6 tasks succeeded" in done.stdout
    task_ids = re.findall(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", done.stdout)
    assert len(set(task_ids)) == 6, done.stdout
