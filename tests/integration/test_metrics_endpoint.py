"""GET /metrics on the webhook service reports what is in Redis: queue depth per lane, tasks by
status and operation, dead letters, the Gong budget left today and the model-token tally."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from producer.client import GongqClient
from producer.webhooks.app import create_app
from worker.keys import Keys
from worker.metrics import record_model_usage
from worker.settings import Settings

pytestmark = pytest.mark.integration

#: Enqueue-only Redis database, as in test_webhooks_service: no worker consumes it, so the
#: messages enqueued here stay in the Celery queue lists while /metrics counts them.
ENQUEUE_ONLY_DB = 12

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


def scrape(api: TestClient) -> Values:
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(values: Values, name: str, **labels: str) -> float:
    return values[(name, frozenset(labels.items()))]


def test_metrics_report_queue_depth_tasks_budget_and_tokens(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    keys = Keys(metrics_settings.key_prefix)
    with TestClient(create_app(metrics_settings)) as api:
        before = scrape(api)
        assert value(before, "gongq_tasks_recorded") == 0
        assert value(before, "gongq_gong_budget_remaining") == 500

        client = GongqClient(metrics_settings, source="test")
        erasures = [
            client.enqueue("erase_email", {"email_address": f"p{i}@customer.example"}) for i in range(3)
        ]
        client.enqueue("list_users", {})
        client.enqueue("list_users", {})

        # One task dead-lettered after three attempts, and Gong requests already spent today.
        dead = erasures[0].task_id
        store.hset(keys.task(dead), mapping={"status": "dead", "attempts": "3"})
        store.zadd(keys.dead, {dead: time.time()})
        seconds, _ = store.time()
        store.set(keys.ratelimit_day(time.strftime("%Y-%m-%d", time.gmtime(int(seconds)))), 120)
        record_model_usage(store, keys, input_tokens=1000, output_tokens=250, requests=2)

        after = scrape(api)

    assert (
        value(after, "gongq_queue_depth", lane="privacy") - value(before, "gongq_queue_depth", lane="privacy")
        == 3
    )
    assert (
        value(after, "gongq_queue_depth", lane="default") - value(before, "gongq_queue_depth", lane="default")
        == 2
    )
    assert value(after, "gongq_tasks_recorded") == 5
    assert value(after, "gongq_tasks_scanned") == 5
    assert value(after, "gongq_tasks", status="queued", operation="erase_email", lane="privacy") == 2
    assert value(after, "gongq_tasks", status="dead", operation="erase_email", lane="privacy") == 1
    assert value(after, "gongq_tasks", status="queued", operation="list_users", lane="default") == 2
    assert value(after, "gongq_tasks_by_status", status="queued") == 4
    assert value(after, "gongq_tasks_by_status", status="succeeded") == 0
    assert value(after, "gongq_task_retries", operation="erase_email", lane="privacy") == 2
    assert value(after, "gongq_dead_letters") == 1
    assert value(after, "gongq_gong_requests_today") == 120
    assert value(after, "gongq_gong_budget_remaining") == 380
    assert value(after, "gongq_model_tokens_total", kind="input") == 1000
    assert value(after, "gongq_model_tokens_total", kind="output") == 250
    assert value(after, "gongq_model_requests_total") == 2


def test_metrics_never_expose_payloads_or_task_ids(
    metrics_settings: Settings, store: redis.Redis[str]
) -> None:
    task = GongqClient(metrics_settings, source="test").enqueue(
        "erase_email", {"email_address": "secret.person@customer.example"}
    )
    with TestClient(create_app(metrics_settings)) as api:
        text = api.get("/metrics").text
    assert "secret.person" not in text
    assert task.task_id not in text
