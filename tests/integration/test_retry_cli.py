"""`gongq retry ID` and `gongq retry --dead`: dead tasks back on the queue, same id, attempts reset.

A get_user for an unknown id gets Gong's 404, a Permanent failure, so the task is dead after one
attempt. Retrying changes nothing about the cause, which makes the second run easy to predict:
it is re-enqueued (audited "retried", attempts 0), runs again and is dead again after 1 attempt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import typer
from typer.testing import CliRunner

from producer.cli_reliability import register
from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.settings import Settings, get_settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


@pytest.fixture()
def worker_for(prefixed: Settings) -> Iterator[Processes]:
    with Processes() as started:
        started.start_worker(prefixed, name="retry-worker", concurrency=2)
        yield started


@pytest.fixture()
def gongq(prefixed: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, typer.Typer]]:
    """A CliRunner and a fresh app with only the reliability commands, on the test settings."""
    for name, value in settings_env(prefixed).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    app = typer.Typer()
    register(app)

    @app.command()
    def noop() -> None:
        """A second command, so Typer keeps `retry` as a subcommand."""

    yield CliRunner(), app
    get_settings.cache_clear()


def dead_task(client: GongqClient, processes: Processes) -> str:
    task_id = client.enqueue("get_user", {"id": "999"}).task_id
    try:
        wait_until(lambda: client.status(task_id).status is TaskStatus.DEAD, 60, "the 404 task to die")
    except Exception:
        print(processes.log_tail("retry-worker"))
        raise
    return task_id


def events(client: GongqClient, task_id: str) -> list[str]:
    return [e.fields["event"] for e in client.audit.events(task_id)]


def test_retry_by_id_requeues_with_attempts_reset(
    prefixed: Settings,
    worker_for: Processes,
    gongq: tuple[CliRunner, typer.Typer],
    sandbox: httpx.Client,
) -> None:
    runner, app = gongq
    client = GongqClient(prefixed, source="test")
    task_id = dead_task(client, worker_for)
    assert client.status(task_id).attempts == 1

    result = runner.invoke(app, ["retry", task_id, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [r["id"] for r in out["retried"]] == [task_id]
    assert out["retried"][0]["attempts"] == 0
    assert out["retried"][0]["status"] == "queued"
    assert "retried" in events(client, task_id)

    # Nothing was fixed: it runs once more (attempt 1 again, not 2) and dies again.
    wait_until(
        lambda: events(client, task_id)[-1] == "dead", 60, "the retried task to run and die again"
    )
    assert events(client, task_id)[-3:] == ["retried", "running", "dead"]
    assert client.status(task_id).attempts == 1
    assert client.audit.verify().ok


def test_retry_refuses_tasks_that_are_neither_dead_nor_parked(
    prefixed: Settings, gongq: tuple[CliRunner, typer.Typer]
) -> None:
    runner, app = gongq
    client = GongqClient(prefixed, source="test")
    # Never sent to a worker: created directly, so it stays queued.
    task_id = client.store.create("list_users", {}, source="test").task_id
    result = runner.invoke(app, ["retry", task_id])
    assert result.exit_code == 1
    assert "only dead or parked" in " ".join(result.output.split())
    result = runner.invoke(app, ["retry", "no-such-task", "--json"])
    assert result.exit_code == 1
    assert "no task" in json.loads(result.output)["error"]
    assert runner.invoke(app, ["retry"]).exit_code == 1
    assert runner.invoke(app, ["retry", task_id, "--dead"]).exit_code == 1


def test_retry_dead_selects_by_operation_and_since(
    prefixed: Settings,
    worker_for: Processes,
    gongq: tuple[CliRunner, typer.Typer],
    sandbox: httpx.Client,
) -> None:
    runner, app = gongq
    client = GongqClient(prefixed, source="test")
    task_id = dead_task(client, worker_for)
    # Another dead task, of another operation, that --operation get_user must leave alone.
    other = client.store.create("list_users", {}, source="test").task_id
    client.store.mark_dead(other, "test: dead by hand")

    later = runner.invoke(app, ["retry", "--dead", "--since", repr(time.time() + 3600), "--json"])
    assert later.exit_code == 0, later.output
    assert json.loads(later.output)["retried"] == []

    result = runner.invoke(
        app, ["retry", "--dead", "--operation", "get_user", "--since", "2020-01-01T00:00:00", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.output)["retried"]] == [task_id]
    assert client.status(other).status is TaskStatus.DEAD
    assert "retried" in events(client, task_id)
    assert "retried" not in events(client, other)

    bad = runner.invoke(app, ["retry", "--dead", "--operation", "no_such_op"])
    assert bad.exit_code == 1
