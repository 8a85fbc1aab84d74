"""``gongq flower``: basic auth that cannot be forgotten, readable task labels, state kept across restarts.

The first tests are pure (no Redis): Flower must refuse to start without a real password
outside sandbox mode. The integration tests start the real Flower process
(``python -m producer.flower``, the same code as ``gongq flower``) against the session's real
worker, enqueue a task and read it back through Flower's HTTP API.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from producer.cli_operations import register
from producer.client import GongqClient
from producer.flower import (
    MIN_FLOWER_PASSWORD_LENGTH,
    SANDBOX_FLOWER_PASSWORD,
    FlowerConfig,
    flower_config,
    label_event,
    task_id_from_args,
)
from producer.processes import Processes, free_port
from tests.integration.flower_helpers import AUTH, start_flower, wait_for_flower_events, wait_for_flower_task
from worker.errors import ConfigurationError
from worker.settings import Settings


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


# --- auth policy (no Redis needed) -------------------------------------------------------------


@pytest.mark.parametrize("password", ["", "changeme", "placeholder", "sandbox-flower-password", "  "])
def test_outside_sandbox_a_missing_or_placeholder_password_refuses_to_start(password: str) -> None:
    with pytest.raises(ConfigurationError, match="GONGQ_FLOWER_PASSWORD"):
        flower_config(_settings(sandbox=False, flower_password=password))


@pytest.mark.parametrize("password", ["a", "hunter2", "elevenchars", "  short-one   "])
def test_outside_sandbox_a_password_shorter_than_12_characters_refuses_to_start(password: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        flower_config(_settings(sandbox=False, flower_password=password))
    assert str(refused.value) == (  # the same sentence whatever the password: it is never echoed
        "GONGQ_FLOWER_PASSWORD must be at least 12 characters long outside sandbox mode: Flower's "
        "basic auth has no lockout, and its API can revoke tasks"
    )


def test_a_password_of_exactly_the_minimum_length_is_accepted_outside_sandbox() -> None:
    password = "x" * MIN_FLOWER_PASSWORD_LENGTH
    config = flower_config(_settings(sandbox=False, flower_password=password))
    assert config.basic_auth == (f"gongq:{password}",)


def test_cli_refuses_a_short_password_outside_sandbox_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    settings = _settings(sandbox=False, flower_password="a")
    monkeypatch.setattr("producer.cli_operations.cli_settings", lambda: settings)
    result = CliRunner().invoke(app, ["flower", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "GONGQ_FLOWER_PASSWORD must be at least 12 characters" in result.output
    assert "Traceback" not in result.output


def test_sandbox_mode_accepts_a_short_password() -> None:
    assert flower_config(_settings(sandbox=True, flower_password="a")).basic_auth == ("gongq:a",)


def test_outside_sandbox_no_auth_needs_local_sandbox_and_loopback() -> None:
    settings = _settings(sandbox=False)
    with pytest.raises(ConfigurationError, match="--local-sandbox"):
        flower_config(settings, no_auth=True)
    with pytest.raises(ConfigurationError, match="loopback"):
        flower_config(settings, no_auth=True, local_sandbox=True, address="0.0.0.0")
    assert not flower_config(settings, no_auth=True, local_sandbox=True).auth


def test_outside_sandbox_a_real_password_turns_auth_on_and_state_persistent() -> None:
    config = flower_config(
        _settings(sandbox=False, flower_user="ops", flower_password="s3cret-enough", flower_db="x/f.db"),
        port=6000,
        address="0.0.0.0",
    )
    assert config.options() == {
        "port": 6000,
        "address": "0.0.0.0",
        "basic_auth": ["ops:s3cret-enough"],
        "persistent": True,
        "db": str(Path("x/f.db")),
        "state_save_interval": 60_000,
    }
    assert "s3cret" not in repr(config)


def test_sandbox_mode_keeps_auth_on_with_a_placeholder_unless_no_auth() -> None:
    assert flower_config(_settings(sandbox=True)).basic_auth == (f"gongq:{SANDBOX_FLOWER_PASSWORD}",)
    assert flower_config(_settings(sandbox=True, flower_password="changeme")).basic_auth == (
        "gongq:changeme",
    )
    assert flower_config(_settings(sandbox=True), no_auth=True, address="0.0.0.0") == FlowerConfig(
        port=5555, address="0.0.0.0", db=Path(".gongq/flower.db")
    )


def test_cli_refuses_without_a_password_outside_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``gongq flower`` (registered on a fresh app until producer/cli.py registers it)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    monkeypatch.setattr("producer.cli_operations.cli_settings", lambda: _settings(sandbox=False))
    result = CliRunner().invoke(app, ["flower", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "GONGQ_FLOWER_PASSWORD" in result.output


def test_module_entry_point_refuses_without_a_password_outside_sandbox(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "GONGQ_SANDBOX": "0", "GONGQ_FLOWER_PASSWORD": "changeme"}
    done = subprocess.run(
        [sys.executable, "-m", "producer.flower", "--port", str(free_port())],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "GONGQ_FLOWER_PASSWORD" in done.stderr


# --- labels (no Redis needed) ------------------------------------------------------------------


def test_task_id_is_read_from_celery_args_repr_only() -> None:
    assert task_id_from_args("['0a1b']") == "0a1b"
    assert task_id_from_args("('0a1b',)") == "0a1b"
    for bad in (None, "", "[1]", "['a', 'b']", "__import__('os')", "[" * 300):
        assert task_id_from_args(bad) is None


def test_gongq_events_are_labelled_other_events_are_not() -> None:
    def labels(task_id: str) -> tuple[str, str] | None:
        return ("erase_email", "webhook") if task_id == "t1" else None

    event = {"type": "task-received", "uuid": "c1", "name": "gongq.run", "args": "['t1']", "kwargs": "{}"}
    assert label_event(event, labels) == {
        **event,
        "name": "gongq.run:erase_email",
        "args": "task_id=t1, operation=erase_email, source=webhook",
    }
    unknown = {**event, "args": "['t2']"}
    assert label_event(unknown, labels) is unknown
    other = {**event, "name": "celery.ping"}
    assert label_event(other, labels) is other
    started = {"type": "task-started", "uuid": "c1"}
    assert label_event(started, labels) is started


# --- the real Flower process -------------------------------------------------------------------


@pytest.mark.integration
def test_flower_shows_the_operation_behind_auth_and_keeps_it_across_a_restart(
    worker: Processes, client: GongqClient, tmp_path: Path
) -> None:
    settings = client.settings
    db = tmp_path / "state" / "flower.db"  # the directory does not exist yet: Flower creates it
    flower, url = start_flower(worker, settings, db)

    assert httpx.get(f"{url}/api/tasks", timeout=5).status_code == 401
    assert httpx.get(f"{url}/api/tasks", auth=("gongq", "wrong"), timeout=5).status_code == 401
    assert httpx.get(f"{url}/tasks", timeout=5).status_code == 401

    wait_for_flower_events(url)
    email = "flower.audit.check@customer.example"
    enqueued = client.enqueue("erase_email", {"email_address": email})
    record = client.wait(enqueued.task_id, timeout=60)
    assert record.status.value == "succeeded", record.error

    task = wait_for_flower_task(url, enqueued.task_id, state="SUCCESS")
    assert task["name"] == "gongq.run:erase_email"
    assert task["args"] == f"task_id={enqueued.task_id}, operation=erase_email, source=test"
    assert task["kwargs"] == "{}"
    listing = httpx.get(f"{url}/api/tasks", auth=AUTH, timeout=5).text
    assert email not in listing  # only the task id crossed the broker; the label adds no payload
    by_name = httpx.get(
        f"{url}/api/tasks", params={"taskname": "gongq.run:erase_email"}, auth=AUTH, timeout=5
    ).json()
    assert task["uuid"] in by_name

    flower.terminate()  # SIGTERM, as `docker stop` sends: Flower saves its state on the way out
    assert flower.wait(timeout=30) == 0
    assert list(db.parent.iterdir()), "Flower wrote no state file"

    _, restarted = start_flower(worker, settings, db)
    again = wait_for_flower_task(restarted, enqueued.task_id, state="SUCCESS", timeout=10)
    assert again["uuid"] == task["uuid"]
    assert again["name"] == "gongq.run:erase_email"
