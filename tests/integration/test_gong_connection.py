"""The Gong connection lifecycle end to end, on real workers and the real Composio SDK.

Not connected → the task is parked (no attempt used, not a security violation, a reason naming
``gongq connect``) → ``gongq connect`` prints Composio's authorization link → a person opens it
(the sandbox's page stands for finishing OAuth) → the task runs by itself, attempts unchanged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.operations.examples import EXAMPLES
from worker.settings import Settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


def gongq(settings: Settings, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "producer", *args],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def disconnected(sandbox: httpx.Client, settings: Settings, recheck: float) -> Settings:
    """Settings for a fresh Composio user id whose Gong account is not connected."""
    user = f"user-{uuid.uuid4().hex[:8]}"
    sandbox.post(f"/_sandbox/composio/connections/{user}", json={"connected": False}).raise_for_status()
    return settings.model_copy(update={"user_id": user, "connection_recheck_seconds": recheck})


def parked(client: GongqClient, task_id: str) -> bool:
    return client.status(task_id).status is TaskStatus.PARKED


def park_one(processes: Processes, settings: Settings, worker: str) -> tuple[GongqClient, str]:
    """A worker of ``settings`` and one list_users task, waited for until it is parked."""
    processes.start_worker(settings, name=worker, concurrency=2)
    client = GongqClient(settings, source="test")
    task_id = client.enqueue("list_users", EXAMPLES["list_users"]).task_id
    wait_until(lambda: parked(client, task_id), 60, "the task to park")
    return client, task_id


@pytest.mark.parametrize("executor", ["hosted", "client"])
def test_a_task_without_a_gong_connection_parks_and_runs_once_a_person_connects(
    executor: str, own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    settings = disconnected(sandbox, prefixed.model_copy(update={"executor": executor}), recheck=2.0)
    client, task_id = park_one(own_processes, settings, f"connection-{executor}")
    record = client.status(task_id)
    assert record.attempts == 0, "parking used no attempt"
    assert record.parked_cause == "connection"
    assert "gongq connect" in (record.error or "")
    assert "security_violation" not in [e.fields["event"] for e in client.audit.events(task_id)]

    shown = gongq(settings, "connect", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["connected"] is False
    assert report["redirect_url"]

    httpx.get(report["redirect_url"], timeout=10).raise_for_status()  # the person finishes OAuth
    connected_at = time.monotonic()
    record = client.wait(task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.attempts == 1, "the parked period cost no attempt"
    assert time.monotonic() - connected_at < 60
    assert [e.fields["event"] for e in client.audit.events(task_id)].count("parked") == 1


def test_gongq_connect_wait_releases_parked_tasks_at_once(
    own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    # Workers would only look again in 10 minutes: what releases the task here is `gongq connect`.
    settings = disconnected(sandbox, prefixed, recheck=600.0)
    client, task_id = park_one(own_processes, settings, "connection-wait")

    waiting = subprocess.Popen(
        [sys.executable, "-m", "producer", "connect", "--wait", "--timeout", "60", "--json"],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert waiting.stderr is not None
    link = next(line.strip() for line in waiting.stderr if line.strip().startswith("http"))
    httpx.get(link, timeout=10).raise_for_status()  # the person finishes OAuth
    out, err = waiting.communicate(timeout=90)
    assert waiting.returncode == 0, err
    report = json.loads(out)
    assert report["connected"] is True
    assert report["released"] == 1
    record = client.wait(task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.attempts == 1


def test_the_worker_says_in_one_line_that_gong_is_not_connected(
    own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    settings = disconnected(sandbox, prefixed, recheck=600.0)
    own_processes.start_worker(settings, name="connection-preflight", concurrency=1)
    wait_until(
        lambda: "NOT connected" in own_processes.log_tail("connection-preflight", 200), 30, "the start line"
    )
    lines = [
        line
        for line in own_processes.log_tail("connection-preflight", 200).splitlines()
        if "NOT connected" in line
    ]
    assert len(lines) == 1
    assert "gongq connect" in lines[0]
    # The session it made has the remote workbench (code-running tools) off.
    sessions = sandbox.get("/_sandbox/composio/sessions").json()["sessions"]
    bodies = [s["body"] for s in sessions if s["user_id"] == settings.user_id]
    assert bodies and all(b.get("workbench", {}).get("enable") is False for b in bodies)


def test_once_one_task_met_no_connection_the_next_ones_park_without_model_requests(
    own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    settings = disconnected(sandbox, prefixed, recheck=30.0)
    client, first = park_one(own_processes, settings, "connection-many")
    others = [client.enqueue("list_users", EXAMPLES["list_users"]).task_id for _ in range(5)]
    wait_until(lambda: all(parked(client, t) for t in others), 60, "the other tasks to park")
    log = sandbox.get("/_sandbox/openai/requests").json()["requests"]
    assert not [r for r in log if any(t in r["user_text"] for t in others)], "no model request for them"
    assert all(client.status(t).attempts == 0 for t in [first, *others])
