"""Personal data stays in the records of unfinished tasks only (not in Redis elsewhere, the
audit stream, the worker's log or Flower's API), and erasures are verified with
Gong before the ledger says so. Real worker, real Redis, the sandbox's asynchronous erasure."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.media_server import serving, tone_wav
from producer.processes import Processes, wait_until
from tests.integration.flower_helpers import AUTH, start_flower, wait_for_flower_events, wait_for_flower_task
from worker.audit import AuditLog
from worker.keys import Keys
from worker.ledger import ErasureLedger, ErasureStatus
from worker.settings import Settings
from worker.store import TaskStatus, TaskStore

pytestmark = pytest.mark.integration

DANA = "234599484848423"


@pytest.fixture()
def ledger(settings: Settings) -> ErasureLedger:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    keys = Keys(settings.key_prefix)
    store = TaskStore(client, keys, AuditLog.from_settings(client, keys, settings))
    return ErasureLedger(client, keys, store, settings)


def wait_for_ledger(
    ledger: ErasureLedger, identifier: str, status: ErasureStatus, timeout: float = 60
) -> None:
    token = ledger.token(identifier)

    def settled() -> bool:
        entry = ledger.get(token)
        return entry is not None and entry.status is status

    wait_until(settled, timeout=timeout, what=f"ledger entry {token} {status.value}")


def test_an_erasure_is_verified_only_after_gong_has_carried_it_out(
    worker: Processes, client: GongqClient, sandbox: httpx.Client, ledger: ErasureLedger
) -> None:
    email = "alex.morgan@contoso.example"  # seeded: Gong holds calls, emails and CRM data on them
    record = client.wait(client.enqueue("erase_email", {"emailAddress": email}).task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    entry = ledger.get(ledger.token(email))
    assert entry is not None and entry.status is ErasureStatus.REQUESTED
    assert entry.gong_request_id == record.result["request_id"] if record.result else False
    wait_for_ledger(ledger, email, ErasureStatus.VERIFIED)
    verified = ledger.get(ledger.token(email))
    assert verified is not None and verified.verified_at is not None
    (erasure,) = [
        e for e in sandbox.get("/_sandbox/gong/erasures").json()["erasures"] if e["kind"] == "email"
    ]
    # The sandbox carries the erasure out ~2 s after the request; checks before then found data.
    assert verified.verified_at >= erasure["effective_at"]
    assert verified.checks >= 2, "the first check came before Gong had finished"
    assert verified.due_at - verified.requested_at == pytest.approx(30 * 24 * 3600)


def _values(client: redis.Redis[str]) -> Iterator[str]:
    """Every key name and every value in the database, whatever its type."""
    for key in client.scan_iter(count=1000):
        yield key
        kind = client.type(key)
        if kind == "string":
            yield str(client.get(key))
        elif kind == "hash":
            yield from (f"{k}={v}" for k, v in client.hgetall(key).items())
        elif kind == "list":
            yield from client.lrange(key, 0, -1)
        elif kind in ("set", "zset"):
            yield from (client.smembers(key) if kind == "set" else client.zrange(key, 0, -1))
        elif kind == "stream":
            yield from (json.dumps(fields) for _, fields in client.xrange(key))


def test_personal_data_is_nowhere_but_in_unfinished_task_records(
    worker: Processes,
    processes: Processes,
    client: GongqClient,
    sandbox: httpx.Client,
    settings: Settings,
    ledger: ErasureLedger,
    tmp_path: Path,
) -> None:
    _, flower = start_flower(processes, settings, tmp_path / "flower.db")
    wait_for_flower_events(flower)
    unique = uuid.uuid4().hex[:8]
    email = f"pii-{unique}@customer.example"
    phone = f"+1650{int(unique, 16) % 10**7:07d}"
    party = f"party-{unique}@customer.example"
    with serving(tone_wav(0.5)) as media:
        tasks = [
            client.enqueue("erase_email", {"emailAddress": email.upper()}),
            client.enqueue("erase_phone", {"phoneNumber": phone}),
            client.enqueue(
                "add_call",
                {
                    "title": f"Renewal with {party}",
                    "actualStart": "2026-10-30T10:00:00Z",
                    "primaryUser": DANA,
                    "downloadMediaUrl": media.url,
                    "parties": [{"emailAddress": party, "phoneNumber": phone}],
                },
            ),
        ]
        records = [client.wait(task.task_id, timeout=60) for task in tasks]
    assert [r.status for r in records] == [TaskStatus.SUCCEEDED] * 3, [r.error for r in records]
    wait_for_ledger(ledger, email, ErasureStatus.VERIFIED)
    wait_for_ledger(ledger, phone, ErasureStatus.VERIFIED)

    store = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    secrets = {email, email.upper(), phone, party, phone.removeprefix("+")}
    leaks = [value for value in _values(store) if any(secret in value for secret in secrets)]
    assert leaks == []
    worker_log = (processes.log_dir / "worker.log").read_text(errors="replace")
    assert not [secret for secret in secrets if secret in worker_log]
    # Flower: the task list, each task's details and the workers, as an operator sees them.
    shown = [wait_for_flower_task(flower, task.task_id, state="SUCCESS") for task in tasks]
    pages = [
        httpx.get(f"{flower}/api/tasks", auth=AUTH, timeout=5).text,
        httpx.get(f"{flower}/api/workers", auth=AUTH, timeout=10).text,
        *(httpx.get(f"{flower}/api/task/info/{t['uuid']}", auth=AUTH, timeout=5).text for t in shown),
    ]
    assert all(task.task_id in pages[0] for task in tasks)  # Flower did see the tasks
    assert all("gongq.run:" in page for page in pages[2:])  # and answered each task's details
    assert not [secret for secret in secrets for page in pages if secret in page]
    # What is kept instead: the keyed HMAC token, in the ledger and the finished record.
    finished = client.status(tasks[0].task_id)
    assert list(finished.payload.values()) == [ledger.token(email)]
