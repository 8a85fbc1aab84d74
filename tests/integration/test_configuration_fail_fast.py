"""Configuration errors fail fast: a worker refuses to start naming the setting, and a task never
burns its attempts on a refused key (it is parked, then runs once a worker starts with a good one)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest
from pydantic import SecretStr

from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.operations.examples import EXAMPLES
from worker.settings import Settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


def start_worker_and_wait(settings: Settings) -> subprocess.CompletedProcess[str]:
    """``gongq worker`` as an operator runs it, expected to exit on its own."""
    return subprocess.run(
        [sys.executable, "-m", "producer", "worker", "--concurrency", "1"],
        env={**settings_env(settings), "PATH": "/usr/bin:/bin", "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def revoke(
    sandbox: httpx.Client, *, composio: list[str] | None = None, openai: list[str] | None = None
) -> None:
    body = {"composio_revoked": composio or [], "openai_revoked": openai or []}
    sandbox.post("/_sandbox/keys", json=body).raise_for_status()


@pytest.mark.parametrize(
    ("field", "service", "setting"),
    [("composio_api_key", "composio", "COMPOSIO_API_KEY"), ("openai_api_key", "openai", "OPENAI_API_KEY")],
)
def test_a_worker_with_a_refused_key_does_not_start_and_names_the_setting(
    field: str, service: str, setting: str, prefixed: Settings, sandbox: httpx.Client
) -> None:
    key = f"revoked-{uuid.uuid4().hex[:6]}"
    revoke(sandbox, **{service: [key]})
    started = start_worker_and_wait(prefixed.model_copy(update={field: SecretStr(key)}))
    assert started.returncode != 0
    assert setting in started.stderr, started.stderr
    assert "Traceback" not in started.stderr


def test_a_worker_given_an_mcp_url_on_another_origin_does_not_start(
    prefixed: Settings, sandbox: httpx.Client
) -> None:
    sandbox.post(
        "/_sandbox/composio/shapes", json={"mcp_origin": "http://elsewhere.example:9"}
    ).raise_for_status()
    started = start_worker_and_wait(prefixed)
    assert started.returncode != 0
    assert "COMPOSIO_BASE_URL" in started.stderr, started.stderr


@pytest.mark.parametrize("executor", ["hosted", "client"])
def test_a_key_refused_mid_run_parks_the_task_without_using_attempts(
    executor: str, own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    settings = prefixed.model_copy(
        update={"executor": executor, "openai_api_key": SecretStr(f"soon-revoked-{uuid.uuid4().hex[:6]}")}
    )
    own_processes.start_worker(settings, name=f"keys-{executor}", concurrency=2)
    wait_until(lambda: "key accepted" in own_processes.log_tail(f"keys-{executor}", 100), 30, "worker start")
    revoke(sandbox, openai=[settings.openai_api_key.get_secret_value()])
    client = GongqClient(settings, source="test")
    task_id = client.enqueue("list_users", EXAMPLES["list_users"]).task_id
    wait_until(lambda: client.status(task_id).status is TaskStatus.PARKED, 60, "the task to park")
    record = client.status(task_id)
    assert record.attempts == 0
    assert record.parked_cause == "configuration"
    assert "OPENAI_API_KEY" in (record.error or "")

    revoke(sandbox)  # the operator fixed the key
    own_processes.terminate(f"keys-{executor}")
    own_processes.start_worker(settings, name=f"keys-{executor}", concurrency=2)
    record = client.wait(task_id, timeout=90)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.attempts == 1


@pytest.mark.parametrize("executor", ["hosted", "client"])
def test_a_composio_key_refused_by_the_mcp_server_mid_run_parks_the_task(
    executor: str, own_processes: Processes, prefixed: Settings, sandbox: httpx.Client
) -> None:
    settings = prefixed.model_copy(
        update={"executor": executor, "composio_api_key": SecretStr(f"soon-revoked-{uuid.uuid4().hex[:6]}")}
    )
    own_processes.start_worker(settings, name=f"mcp-keys-{executor}", concurrency=1)
    client = GongqClient(settings, source="test")
    warm = client.wait(client.enqueue("list_users", EXAMPLES["list_users"]).task_id, timeout=60)
    assert warm.status is TaskStatus.SUCCEEDED, warm.error  # the worker's session is cached now
    revoke(sandbox, composio=[settings.composio_api_key.get_secret_value()])
    task_id = client.enqueue("list_users", EXAMPLES["list_users"]).task_id
    wait_until(lambda: client.status(task_id).status is TaskStatus.PARKED, 60, "the task to park")
    record = client.status(task_id)
    assert record.attempts == 0
    assert record.parked_cause == "configuration"
    assert "COMPOSIO_API_KEY" in (record.error or "")
