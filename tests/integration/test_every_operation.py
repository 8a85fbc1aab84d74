"""Every one of the 53 typed operations, enqueued with its catalog example, run by a real
Celery worker through the Agents SDK and the Composio SDK against the sandbox: it succeeds,
its result validates against its model, and Gong saw the tool's request. Each runs twice: with
the tool's data flat at ``response.data`` (seen live) and nested at ``response.data.response.data``
(Composio's documented example, docs/fidelity.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from producer.client import GongqClient
from producer.media_server import serving, tone_wav
from producer.processes import Processes
from sandbox.toolrouter.catalog import gong_tools
from worker.operations import CATALOG
from worker.operations.examples import example
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

TYPED = sorted(name for name, op in CATALOG.items() if not op.is_free_form)
RECORDING = tone_wav(seconds=1.0, frequency=330.0)
ACCOUNTS = [
    {"objectId": "0015g00000Acc101", "name": "Initech", "domain": "initech.example"},
    {"objectId": "0015g00000Acc102", "name": "Globex", "domain": "globex.example"},
]


def _without_integration(sandbox: httpx.Client) -> None:
    """Gong allows one active CRM integration; registering needs the seeded one gone."""
    sandbox.delete("/_sandbox/gong/crm/integration").raise_for_status()


SETUP: dict[str, Callable[[httpx.Client], None]] = {"register_crm_integration": _without_integration}


@pytest.fixture(scope="module")
def media_url() -> Iterator[str]:
    with serving(RECORDING) as media:
        yield media.url


@pytest.fixture(scope="module")
def crm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm") / "accounts.ldjson"
    path.write_text("".join(json.dumps(account) + "\n" for account in ACCOUNTS))
    return path


def _path_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{\w+\\}", r"[^/]+", re.escape(path)) + "$")


@pytest.mark.parametrize("success_data", ["flat", "nested"])
@pytest.mark.parametrize("name", TYPED)
def test_operation_succeeds_through_a_worker_with_a_result_of_its_model(
    name: str,
    success_data: str,
    worker: Processes,
    client: GongqClient,
    sandbox: httpx.Client,
    media_url: str,
    crm_file: Path,
) -> None:
    operation = CATALOG[name]
    sandbox.post("/_sandbox/composio/shapes", json={"success_data": success_data}).raise_for_status()
    if name in SETUP:
        SETUP[name](sandbox)
    task = client.enqueue(name, example(name, media_url=media_url, crm_file=str(crm_file)))
    record = client.wait(task.task_id, timeout=90)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result is not None
    operation.result_model.model_validate(record.result)
    tool = gong_tools()[operation.slug]
    pattern = _path_pattern(tool.path)
    answered = [
        entry
        for entry in sandbox.get("/_sandbox/gong/requests").json()["requests"]
        if entry["method"] == tool.method and pattern.match(entry["path"])
    ]
    # Background erasure-verification lookups of earlier tests may add to the log; every
    # request to this tool must have succeeded, and there is at least the task's own.
    assert answered and all(entry["status"] in (200, 201) for entry in answered)


def test_staged_call_media_reaches_gong_byte_for_byte(
    worker: Processes, client: GongqClient, sandbox: httpx.Client, media_url: str
) -> None:
    task = client.enqueue("add_call_media", example("add_call_media", media_url=media_url))
    record = client.wait(task.task_id)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    received = sandbox.get("/_sandbox/gong/calls/7782342274025937800/media").json()
    assert received["sha256"] == hashlib.sha256(RECORDING).hexdigest()
    logged = sandbox.get("/_sandbox/openai/requests").json()["requests"]
    prompts = [r for r in logged if task.task_id in r["user_text"]]
    assert len(prompts) == 2  # propose, then run the approved call
    # The agent saw a storage key, never the recording: each prompt is smaller than the file.
    assert all(prompt["prompt_chars"] < len(RECORDING) for prompt in prompts)
