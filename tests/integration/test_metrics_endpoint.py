"""GET /metrics on the webhook service reports what is in Redis: queue depth per lane, how many
tasks entered each status (counted as statuses change, never read from the task records),
dead letters, the Gong budget left today and the model-token tally; and only to a scraper
with the bearer token."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from producer.client import GongqClient
from producer.webhooks.app import create_app
from tests.conftest import TEST_REDIS_DB
from worker.keys import Keys
from worker.metrics import record_model_usage
from worker.settings import Settings

pytestmark = pytest.mark.integration

#: An enqueue-only Redis database next to the session's (12 beside the default 13): no worker
#: consumes it, so the messages enqueued here stay in the Celery queue lists while /metrics
#: counts them.
ENQUEUE_ONLY_DB = (TEST_REDIS_DB - 1) % 16

Values = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture()
def metrics_settings(settings: Settings) -> Settings:
    """The session's settings on the enqueue-only DB, under a key prefix of this test's own."""
    url = f"{settings.redis_url.rsplit('/', 1)[0]}/{ENQUEUE_ONLY_DB}"
    return settings.model_copy(
        update={"redis_url": url, "key_prefix": f"metrics-{uuid.uuid4().hex[:8]}", "gong_daily_budget": 500}
    )


@pytest.fixture()
def store(metrics_settings: Settings) -> Iterator[redis.Redis[str]]:
    client: redis.Redis[str] = redis.Redis.from_url(metrics_settings.redis_url, decode_responses=True)
    yield client
    for key in client.scan_iter(f"{metrics_settings.key_prefix}:*"):
        client.delete(key)


def bearer(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.metrics_token.get_secret_value()}"}


def scrape(api: TestClient, settings: Settings) -> Values:
    response = api.get("/metrics", headers=bearer(settings))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(values: Values, name: str, **labels: str) -> float:
    return values.get((name, frozenset(labels.items())), 0.0)


def changes(values: Values, status: str, operation: str, lane: str) -> float:
    return value(values, "gongq_task_status_changes_total", status=status, operation=operation, lane=lane)


def test_metrics_report_queue_depth_budget_and_tokens(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    keys = Keys(metrics_settings.key_prefix)
    with TestClient(create_app(metrics_settings)) as api:
        before = scrape(api, metrics_settings)
        assert value(before, "gongq_tasks_recorded") == 0
        assert value(before, "gongq_gong_budget_remaining") == 500

        client = GongqClient(metrics_settings, source="test")
        for i in range(3):
            client.enqueue("erase_email", {"email_address": f"p{i}@customer.example"})
        client.enqueue("list_users", {})
        client.enqueue("list_users", {})
        seconds, _ = store.time()
        store.set(keys.ratelimit_day(time.strftime("%Y-%m-%d", time.gmtime(int(seconds)))), 120)
        record_model_usage(store, keys, input_tokens=1000, output_tokens=250, requests=2)

        after = scrape(api, metrics_settings)

    def depth_change(lane: str) -> float:
        return value(after, "gongq_queue_depth", lane=lane) - value(before, "gongq_queue_depth", lane=lane)

    assert depth_change("privacy") == 3
    assert depth_change("default") == 2
    assert value(after, "gongq_tasks_recorded") == 5
    assert value(after, "gongq_open_tasks") == 5
    assert changes(after, "queued", "erase_email", "privacy") == 3
    assert changes(after, "queued", "list_users", "default") == 2
    assert value(after, "gongq_gong_requests_today") == 120
    assert value(after, "gongq_gong_budget_remaining") == 380
    assert value(after, "gongq_model_tokens_total", kind="input") == 1000
    assert value(after, "gongq_model_tokens_total", kind="output") == 250
    assert value(after, "gongq_model_requests_total") == 2


def test_metrics_count_every_status_change_including_retries_dead_letters_and_operator_retries(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    """Tasks moved through their lives by the store and broker the workers use: each entry into
    a status counts once per operation; publishing an already queued task counts nothing."""
    client = GongqClient(metrics_settings, source="test")
    tasks = client.store
    dies, succeeds, defers = (
        client.enqueue("erase_email", {"email_address": f"life{i}@customer.example"}, f"life-{i}").task_id
        for i in range(3)
    )
    again = client.enqueue("erase_email", {"email_address": "life0@customer.example"}, "life-0")
    assert again.duplicate  # a duplicate changes nothing
    for attempt in range(1, 4):  # three attempts, two retries, then the dead letter
        tasks.mark_running(dies)
        if attempt < 3:
            tasks.mark_retrying(dies, "Gong answered 503", time.time() + 1)
    tasks.mark_dead(dies, "Gong answered 503 three times")
    client.broker.retry(dies)  # the operator re-enqueues it: dead -> queued
    tasks.mark_running(succeeds)
    tasks.mark_running(succeeds)  # its worker died; the message put back runs it again
    tasks.mark_succeeded(succeeds, {"ok": True}, "erased")
    tasks.mark_deferred(defers, "daily budget spent", time.time() + 60, refund_attempt=True)
    client.broker.release([defers])

    with TestClient(create_app(metrics_settings)) as api:
        values = scrape(api, metrics_settings)

    expected = {
        "queued": 3 + 1 + 1,
        "running": 3 + 2,
        "retrying": 2,
        "dead": 1,
        "succeeded": 1,
        "deferred": 1,
    }
    for status, count in expected.items():
        assert changes(values, status, "erase_email", "privacy") == count, status
    assert changes(values, "failed", "erase_email", "privacy") == 0
    assert value(values, "gongq_dead_letters") == 0  # retried: it left the dead set
    assert value(values, "gongq_open_tasks") == 2  # the retried and the released task


def test_a_scrape_reads_no_task_record(metrics_settings: Settings, store: redis.Redis[str]) -> None:
    """The counts survive the records being gone, and a scrape sends the same Redis commands,
    none of them on a task record, for 5 tasks as for 505: its cost does not grow with the
    number of tasks (the old scan read up to 50,000 records per scrape)."""
    keys = Keys(metrics_settings.key_prefix)
    client = GongqClient(metrics_settings, source="test")
    ids = [client.enqueue("list_users", {}).task_id for _ in range(5)]
    client.store.mark_running(ids[0])
    client.store.mark_dead(ids[0], "gone")

    with TestClient(create_app(metrics_settings)) as api:
        few = scrape_commands(api, metrics_settings, store)
        client.enqueue_validated([("list_users", client.validate("list_users", {}), None)] * 500)
        many = scrape_commands(api, metrics_settings, store)
        store.delete(*(keys.task(task_id) for task_id in ids))
        values = scrape(api, metrics_settings)

    assert few == many
    assert not [c for c in many if f"{metrics_settings.key_prefix}:task:" in c]
    assert changes(values, "queued", "list_users", "default") == 505
    assert changes(values, "dead", "list_users", "default") == 1


def scrape_commands(api: TestClient, settings: Settings, store: redis.Redis[str]) -> list[str]:
    """The Redis commands (on this test's keys, arguments included) one scrape sends, as MONITOR
    sees them, in order."""
    marker = f"scrape-{uuid.uuid4().hex}"
    seen: list[str] = []
    listening = threading.Event()

    def watch() -> None:
        with store.monitor() as monitor:
            listening.set()
            while True:
                command = str(monitor.next_command()["command"])
                if marker in command:
                    if command.endswith("end"):
                        return
                    seen.clear()
                elif settings.key_prefix in command:
                    seen.append(command)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert listening.wait(10)
    store.echo(f"{marker} start")
    scrape(api, settings)
    store.echo(f"{marker} end")
    watcher.join(30)
    assert not watcher.is_alive(), "MONITOR never saw the end marker"
    return seen


def test_metrics_need_the_bearer_token(metrics_settings: Settings, store: redis.Redis[str]) -> None:
    with TestClient(create_app(metrics_settings)) as api:
        assert api.get("/metrics", headers=bearer(metrics_settings)).status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic c2FuZGJveA=="}):
            refused = api.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert "gongq_" not in refused.text


def live(settings: Settings, metrics_token: str) -> Settings:
    """``settings`` outside sandbox mode, with real secrets except the metrics token given."""
    return settings.model_copy(
        update={
            "sandbox": False,
            "metrics_token": SecretStr(metrics_token),
            "webhook_secret": SecretStr("a-real-webhook-secret"),
            "hubspot_client_secret": SecretStr("a-real-hubspot-secret"),
            "audit_key": SecretStr("a-real-audit-key"),
            "pii_key": SecretStr("a-real-pii-key"),
        }
    )


@pytest.mark.parametrize("token", ["", "changeme", "sandbox-metrics-token"])
def test_metrics_are_off_outside_sandbox_mode_without_a_real_token(
    metrics_settings: Settings, store: redis.Redis[str], token: str
) -> None:
    with TestClient(create_app(live(metrics_settings, token))) as api:
        answer = api.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    assert "GONGQ_METRICS_TOKEN" in answer.json()["detail"]


def test_metrics_outside_sandbox_mode_answer_the_configured_token_only(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    settings = live(metrics_settings, "a-long-random-metrics-token")
    with TestClient(create_app(settings)) as api:
        assert api.get("/metrics", headers=bearer(settings)).status_code == 200
        assert (
            api.get("/metrics", headers={"Authorization": "Bearer sandbox-metrics-token"}).status_code == 401
        )


def test_metrics_never_expose_payloads_or_task_ids(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    task = GongqClient(metrics_settings, source="test").enqueue(
        "erase_email", {"email_address": "secret.person@customer.example"}
    )
    with TestClient(create_app(metrics_settings)) as api:
        text = api.get("/metrics", headers=bearer(metrics_settings)).text
    assert "gongq_task_status_changes_total" in text
    assert "secret.person" not in text
    assert task.task_id not in text
