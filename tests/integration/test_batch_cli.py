"""`gongq batch ID`: live counts per status of an erasure list's tasks, and proof that the
pipelined bulk path writes broker messages a real worker runs."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from typer.testing import CliRunner

from producer.cli import app
from producer.client import GongqClient, TaskRequest
from producer.processes import Processes
from worker.app import RUN_TASK, create_celery
from worker.broker import celery_message
from worker.settings import Settings, get_settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.integration


#: Enqueue-only tests use their own Redis database, which no worker consumes: the session's real
#: worker (DB 13) must not run their tasks against the sandbox while other tests watch its log.
ENQUEUE_ONLY_DB = 12


@pytest.fixture(scope="module")
def enqueue_settings(settings: Settings) -> Settings:
    """The session's test settings on Redis DB 12, flushed once per module."""
    url = f"{settings.redis_url.rsplit('/', 1)[0]}/{ENQUEUE_ONLY_DB}"
    redis.Redis.from_url(url).flushdb()
    return settings.model_copy(update={"redis_url": url})


def _cli_with(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CliRunner whose `gongq` sees ``settings`` through the environment, like a shell would."""
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture()
def gongq(enqueue_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    yield from _cli_with(enqueue_settings, monkeypatch)


@pytest.fixture()
def gongq_with_worker(
    worker: Processes, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """`gongq` on the session's settings, which the session's real worker consumes."""
    yield from _cli_with(settings, monkeypatch)


def submit(runner: CliRunner, tmp_path: Path, lines: list[str]) -> dict[str, Any]:
    path = tmp_path / f"{uuid.uuid4().hex}.txt"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["erase", str(path), "--json"])
    assert result.exit_code == 0, result.output
    submitted: dict[str, Any] = json.loads(result.stdout)
    return submitted


def batch(runner: CliRunner, batch_id: str) -> dict[str, Any]:
    result = runner.invoke(app, ["batch", batch_id, "--json"])
    assert result.exit_code == 0, result.output
    state: dict[str, Any] = json.loads(result.stdout)
    return state


def test_batch_counts_every_task_of_the_list_by_status(gongq: CliRunner, tmp_path: Path) -> None:
    t = uuid.uuid4().hex[:8]
    submitted = submit(gongq, tmp_path, [f"n{i}.{t}@example.com" for i in range(4)] + ["bad"])
    state = batch(gongq, submitted["batch_id"])
    assert state["total"] == 4
    assert sum(state["counts"].values()) == 4
    assert set(state["counts"]) == {status.value for status in TaskStatus}
    assert (state["accepted"], state["duplicates"], state["rejected"]) == (4, 0, 1)


def test_a_resubmitted_list_counts_the_tasks_of_its_first_submission(
    gongq: CliRunner, tmp_path: Path
) -> None:
    lines = [f"again{i}.{uuid.uuid4().hex[:8]}@example.com" for i in range(3)]
    submit(gongq, tmp_path, lines)
    second = submit(gongq, tmp_path, lines)
    state = batch(gongq, second["batch_id"])
    assert (state["total"], state["accepted"], state["duplicates"]) == (3, 0, 3)


def test_an_unknown_batch_exits_1_with_a_message(gongq: CliRunner) -> None:
    result = gongq.invoke(app, ["batch", "no-such-batch"])
    assert result.exit_code == 1
    assert "no batch with id" in result.stderr


def test_a_real_worker_runs_the_pipelined_erasures_to_success(
    gongq_with_worker: CliRunner, tmp_path: Path
) -> None:
    gongq = gongq_with_worker
    t = uuid.uuid4().hex[:8]
    submitted = submit(gongq, tmp_path, [f"worker.{t}@example.com", "+1 (415) 555-0142"])
    deadline = time.monotonic() + 90
    while not (state := batch(gongq, submitted["batch_id"]))["done"] and time.monotonic() < deadline:
        time.sleep(0.25)
    assert state["counts"]["succeeded"] == state["total"], state


def test_bulk_messages_have_the_shape_celery_send_task_produces(enqueue_settings: Settings) -> None:
    """If a Celery upgrade changes its message, this fails before any worker misreads one."""
    queue = f"gongq-shape-{uuid.uuid4().hex}"
    store = redis.Redis.from_url(enqueue_settings.redis_url, decode_responses=True)
    try:
        create_celery(enqueue_settings).send_task(RUN_TASK, args=["t-1"], queue=queue)
        sent = json.loads(store.rpop(queue) or "{}")
    finally:
        store.delete(queue)
    ours = json.loads(celery_message("t-1", queue, message_id="m-1", origin="gen1@host", reply_to="r"))
    assert set(ours) == set(sent)
    assert set(ours["headers"]) == set(sent["headers"])
    assert set(ours["properties"]) == set(sent["properties"])
    for key in ("content-type", "content-encoding"):
        assert ours[key] == sent[key]
    for key in ("task", "lang", "retries", "argsrepr", "kwargsrepr", "timelimit"):
        assert ours["headers"][key] == sent["headers"][key]
    for key in ("delivery_info", "priority", "body_encoding", "delivery_mode"):
        assert ours["properties"][key] == sent["properties"][key]
    assert json.loads(base64.b64decode(ours["body"])) == json.loads(base64.b64decode(sent["body"]))


def test_enqueue_many_keeps_its_small_typed_api(enqueue_settings: Settings) -> None:
    client = GongqClient(enqueue_settings, source="test")
    key = f"batch-api-{uuid.uuid4().hex}"
    first, again = client.enqueue_many(
        [TaskRequest("list_users", {}, key), TaskRequest("list_users", {"includeAvatars": False}, key)]
    )
    assert not first.duplicate and again.duplicate and again.task_id == first.task_id
    assert client.status(first.task_id).status.value == "queued"
