"""Unfinished tasks keep their personal data only for a retention; then they hold tokens and
say why they can no longer be retried. Errors are stored and shown with tokens from the start."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import redis

from producer.client import GongqClient
from tests.gongq_cli import run_gongq
from worker.broker import Broker
from worker.keys import Keys
from worker.pii import pii_token
from worker.settings import Settings
from worker.store import PayloadExpired, TaskStatus
from worker.sweeper import Sweeper

pytestmark = pytest.mark.integration

DAY = 86400.0


@pytest.fixture()
def settings(settings: Settings) -> Settings:
    """The session's settings under a prefix of this test's own: the sweep's mark is per prefix."""
    return settings.model_copy(update={"key_prefix": f"retention-{uuid.uuid4().hex[:8]}"})


def address() -> str:
    return f"retained-{uuid.uuid4().hex[:8]}@customer.example"


def broker(settings: Settings) -> Broker:
    return GongqClient(settings, source="test").broker


def test_a_dead_erasure_keeps_its_address_until_the_retention_ends_then_cannot_be_retried(
    settings: Settings,
) -> None:
    client = GongqClient(settings, source="test")
    email = address()
    created = client.store.create("erase_email", {"email_address": email}, source="test")
    client.store.mark_dead(created.task_id, f"Gong refused the erasure of {email}: 400")
    dead = client.status(created.task_id)
    assert dead.payload == {"email_address": email}  # retryable, so still in clear
    assert email not in (dead.error or "") and pii_token(settings.pii_key.get_secret_value(), email) in (
        dead.error or ""
    )
    sweeper = Sweeper(broker(settings), settings)
    assert created.task_id not in sweeper.expire_payloads(now=time.time() + 29 * DAY)
    assert created.task_id in sweeper.expire_payloads(now=time.time() + 31 * DAY)
    expired = client.status(created.task_id)
    token = pii_token(settings.pii_key.get_secret_value(), email)
    assert expired.status is TaskStatus.DEAD and expired.payload == {"email_address": token}
    assert expired.payload_expired is not None and "can no longer be retried" in expired.payload_expired
    with pytest.raises(PayloadExpired, match="can no longer be retried"):
        broker(settings).retry(created.task_id)
    assert [e.fields["event"] for e in client.audit.events(created.task_id)][-1] == "payload_expired"


def test_a_parked_task_past_its_retention_is_dead_lettered_with_tokens(settings: Settings) -> None:
    client = GongqClient(settings, source="test")
    email = address()
    created = client.store.create("erase_email", {"email_address": email}, source="test")
    client.store.mark_parked(created.task_id, "Gong is not connected", "connection")
    Sweeper(broker(settings), settings).expire_payloads(now=time.time() + 31 * DAY)
    record = client.status(created.task_id)
    assert record.status is TaskStatus.DEAD and email not in json.dumps(record.to_json())
    assert created.task_id not in client.store.parked_ids()


def test_a_sweep_looks_at_each_expired_task_once(settings: Settings) -> None:
    client = GongqClient(settings, source="test")
    created = client.store.create("erase_email", {"email_address": address()}, source="test")
    client.store.mark_dead(created.task_id, "refused")
    sweeper = Sweeper(broker(settings), settings)
    later = time.time() + 40 * DAY
    assert created.task_id in sweeper.expire_payloads(now=later)
    assert sweeper.expire_payloads(now=later + 1) == []


def test_the_retention_is_a_setting(settings: Settings) -> None:
    client = GongqClient(settings, source="test")
    created = client.store.create("erase_email", {"email_address": address()}, source="test")
    client.store.mark_dead(created.task_id, "refused")
    short = settings.model_copy(update={"failed_payload_retention_days": 2})
    assert created.task_id in Sweeper(broker(short), short).expire_payloads(now=time.time() + 3 * DAY)


def test_gongq_status_shows_tokens_where_an_error_quotes_an_address(settings: Settings) -> None:
    client = GongqClient(settings, source="test")
    email = address()
    created = client.store.create("erase_email", {"email_address": email}, source="test")
    # A record written by an older version, whose error was stored in clear.
    redis.Redis.from_url(settings.redis_url, decode_responses=True).hset(
        Keys(settings.key_prefix).task(created.task_id),
        mapping={"status": "dead", "error": f"GET .../data-for-email-address?emailAddress={email}: 404"},
    )
    for flags in ((), ("--json",)):
        shown = run_gongq(settings, "status", created.task_id, *flags, check=True).stdout
        assert email not in shown and pii_token(settings.pii_key.get_secret_value(), email) in shown
