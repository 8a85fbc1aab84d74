"""Task records, idempotency and the hash-chained audit stream on a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from worker.audit import AuditLog
from worker.errors import UnknownTask
from worker.keys import Keys
from worker.settings import Settings, settings_env
from worker.store import TaskStatus, TaskStore

pytestmark = pytest.mark.integration


@pytest.fixture()
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture()
def keys() -> Keys:
    return Keys(f"gongq-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture()
def audit(redis_client: redis.Redis, keys: Keys, settings: Settings) -> AuditLog:
    return AuditLog.from_settings(redis_client, keys, settings)


@pytest.fixture()
def store(redis_client: redis.Redis, keys: Keys, audit: AuditLog) -> TaskStore:
    return TaskStore(redis_client, keys, audit)


def test_same_idempotency_key_never_makes_a_second_task(store: TaskStore) -> None:
    first = store.create("list_users", {}, source="test", idempotency_key="k1")
    second = store.create("list_users", {}, source="test", idempotency_key="k1")
    assert not first.duplicate
    assert second.duplicate
    assert second.task_id == first.task_id


def test_racing_producers_with_one_key_get_one_task(store: TaskStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda _: store.create("list_users", {}, source="t", idempotency_key="race"), range(32))
        )
    assert len({o.task_id for o in outcomes}) == 1
    assert sum(not o.duplicate for o in outcomes) == 1


def test_record_keeps_payload_and_history_through_dead_letter(
    store: TaskStore, redis_client: redis.Redis, keys: Keys
) -> None:
    task_id = store.create("erase_email", {"email_address": "a@b.io"}, source="test").task_id
    assert store.mark_running(task_id) == 1
    store.mark_retrying(task_id, "Gong API error 503", next_attempt_at=123.0)
    assert store.mark_running(task_id) == 2
    store.mark_dead(task_id, "gave up")
    record = store.get(task_id)
    assert record.status is TaskStatus.DEAD
    assert record.payload == {"email_address": "a@b.io"}
    assert record.attempts == 2
    assert record.error == "gave up"
    assert redis_client.zscore(keys.dead, task_id) is not None


def test_unknown_task_is_a_clear_error(store: TaskStore) -> None:
    with pytest.raises(UnknownTask, match="no task with id"):
        store.get("nope")


def test_every_state_change_is_an_audit_event_without_payload(store: TaskStore, audit: AuditLog) -> None:
    task_id = store.create("erase_email", {"email_address": "secret@b.io"}, source="test").task_id
    store.mark_running(task_id)
    store.mark_succeeded(task_id, {"requestId": "r"}, "done")
    events = audit.events(task_id)
    assert [e.fields["event"] for e in events] == ["queued", "running", "succeeded"]
    assert all("secret@b.io" not in str(e.to_json()) for e in events)


def test_audit_chain_verifies_under_concurrent_writers(audit: AuditLog) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.append(f"t{i}", "queued"), range(64)))
    check = audit.verify()
    assert check.ok, check
    assert check.events == 64


def test_audit_verify_names_the_altered_event(audit: AuditLog, redis_client: redis.Redis, keys: Keys) -> None:
    for i in range(5):
        audit.append(f"t{i}", "queued")
    events = audit.events()
    victim = events[2]
    # A stream entry cannot be edited in place: rewrite the stream with one field changed.
    redis_client.delete(keys.audit)
    for event in events:
        fields = {**event.fields, "prev": event.prev, "hash": event.hash}
        if event is victim:
            fields["event"] = "succeeded"
        redis_client.xadd(keys.audit, fields, id=event.stream_id)
    check = audit.verify()
    assert not check.ok
    assert check.broken_at == victim.stream_id
    assert "does not match its hash" in (check.reason or "")


def test_audit_verify_detects_a_deleted_event(audit: AuditLog, redis_client: redis.Redis, keys: Keys) -> None:
    for i in range(4):
        audit.append(f"t{i}", "queued")
    events = audit.events()
    redis_client.xdel(keys.audit, events[1].stream_id)
    check = audit.verify()
    assert not check.ok
    assert check.broken_at == events[2].stream_id


def test_audit_verify_detects_an_inserted_event(
    audit: AuditLog, redis_client: redis.Redis, keys: Keys
) -> None:
    for i in range(3):
        audit.append(f"t{i}", "queued")
    events = audit.events()
    # Rebuild the stream with a forged event, chained onto the second one, inserted after it.
    redis_client.delete(keys.audit)
    forged_id = ""
    for event in events:
        redis_client.xadd(keys.audit, {**event.fields, "prev": event.prev, "hash": event.hash})
        if event is events[1]:
            forged = {
                "task_id": "forged",
                "event": "succeeded",
                "at": "0",
                "prev": event.hash,
                "hash": "f" * 64,
            }
            forged_id = redis_client.xadd(keys.audit, forged)
    check = audit.verify()
    assert not check.ok
    assert check.broken_at == forged_id


def test_gongq_audit_verify_exits_1_and_names_the_altered_event(
    audit: AuditLog, redis_client: redis.Redis, keys: Keys, settings: Settings
) -> None:
    for i in range(3):
        audit.append(f"t{i}", "queued")
    events = audit.events()
    redis_client.delete(keys.audit)
    for event in events:
        fields = {**event.fields, "prev": event.prev, "hash": event.hash}
        if event is events[1]:
            fields["task_id"] = "someone-else"
        redis_client.xadd(keys.audit, fields, id=event.stream_id)
    env = {
        **os.environ,
        **settings_env(settings.model_copy(update={"key_prefix": keys.prefix})),
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "producer", "audit", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert events[1].stream_id in done.stdout
