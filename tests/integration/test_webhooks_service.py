"""The webhook service against a real Redis: signatures gate everything, payloads are validated,
retries and repeated events are duplicates, and bad input is a 4xx that enqueues nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from producer.webhooks.app import create_app
from tests.conftest import TEST_REDIS_DB
from worker.keys import Keys
from worker.settings import Settings

pytestmark = pytest.mark.integration


#: Enqueue-only tests use their own Redis database, which no worker consumes: the session's real
#: worker (DB 13, or GONGQ_TEST_REDIS_DB) must not run their tasks against the sandbox while
#: other tests watch its log. The one below the session's, so side-by-side sessions keep apart.
ENQUEUE_ONLY_DB = (TEST_REDIS_DB - 1) % 16

#: A valid create_meeting payload (the sandbox's users).
MEETING = {
    "title": "Pipeline review",
    "start_time": "2026-12-10T15:00:00Z",
    "end_time": "2026-12-10T15:30:00Z",
    "organizer_email": "dana.lee@acme-robotics.example",
    "invitees": [{"email": "sam.ortiz@acme-robotics.example"}],
}


@pytest.fixture(scope="module")
def enqueue_settings(settings: Settings) -> Settings:
    """The session's test settings on Redis DB 12, flushed once per module."""
    url = f"{settings.redis_url.rsplit('/', 1)[0]}/{ENQUEUE_ONLY_DB}"
    redis.Redis.from_url(url).flushdb()
    return settings.model_copy(update={"redis_url": url})


HUBSPOT_URL = "http://testserver/webhooks/hubspot"


@pytest.fixture()
def api(enqueue_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(enqueue_settings)) as client:
        yield client


@pytest.fixture()
def store(enqueue_settings: Settings) -> redis.Redis[str]:
    return redis.Redis.from_url(enqueue_settings.redis_url, decode_responses=True)


def task_count(store: redis.Redis[str], enqueue_settings: Settings) -> int:
    """Tasks ever created under the enqueue_settings' prefix: nothing enqueued means this does not move."""
    return int(store.zcard(Keys(enqueue_settings.key_prefix).tasks_by_time))


# Signatures are computed here from the published schemes, never with the server's own code, so a
# bug shared by signer and verifier cannot hide.


def gongq_signature(secret: str, timestamp: str, target: str, body: bytes, method: str = "POST") -> str:
    """hex HMAC-SHA256(secret, "<t>.<METHOD>.<path?query>.<raw body>"), as the README documents."""
    message = f"{timestamp}.{method}.{target}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hubspot_v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp)), as HubSpot documents."""
    digest = hmac.new(
        secret.encode(), f"{method}{uri}".encode() + body + timestamp_ms.encode(), hashlib.sha256
    )
    return base64.b64encode(digest.digest()).decode()


def signed(
    enqueue_settings: Settings,
    body: bytes,
    target: str = "/webhooks/tasks",
    *,
    at: float | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """X-Gongq-Signature for a POST of ``body`` to ``target`` (path and query)."""
    t = str(int(at if at is not None else time.time()))
    key = secret or enqueue_settings.webhook_secret.get_secret_value()
    return {"X-Gongq-Signature": f"t={t},v2={gongq_signature(key, t, target, body)}"}


def hubspot_signed(
    enqueue_settings: Settings, body: bytes, *, uri: str = HUBSPOT_URL, at: float | None = None
) -> dict[str, str]:
    ms = str(int((at if at is not None else time.time()) * 1000))
    secret = enqueue_settings.hubspot_client_secret.get_secret_value()
    return {
        "X-HubSpot-Signature-v3": hubspot_v3_signature(secret, "POST", uri, body, ms),
        "X-HubSpot-Request-Timestamp": ms,
        "Content-Type": "application/json",
    }


def unique() -> str:
    return uuid.uuid4().hex[:12]


def contact_event(event_id: int, object_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 24511,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": object_id,
        "changeFlag": "CREATED",
        "changeSource": "CRM",
        **fields,
    }


# --- /webhooks/tasks --------------------------------------------------------------------------


def test_a_signed_task_is_validated_stored_and_queued(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps(
        {
            "operation": "erase_email",
            "payload": {"emailAddress": " Ana@Example.COM "},
            "idempotency_key": unique(),
        }
    ).encode()
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body))
    assert answer.status_code == 202, answer.text
    [accepted] = answer.json()["accepted"]
    record = store.hgetall(Keys(enqueue_settings.key_prefix).task(accepted["task_id"]))
    assert record["status"] == "queued"
    assert record["source"] == "webhook"
    assert json.loads(record["payload"]) == {"email_address": "ana@example.com"}
    assert answer.json()["duplicates"] == [] and answer.json()["ignored"] == []


def test_a_list_of_tasks_is_enqueued_and_a_repeated_key_names_the_same_task(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    key = unique()
    body = json.dumps(
        [
            {"operation": "list_users", "payload": {}, "idempotency_key": key},
            {"operation": "ask", "payload": {"prompt": "Who ran the most calls this week?"}},
            {"operation": "list_users", "payload": {}, "idempotency_key": key},
        ]
    ).encode()
    before = task_count(store, enqueue_settings)
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body)).json()
    assert [a["operation"] for a in answer["accepted"]] == ["list_users", "ask"]
    assert [d["task_id"] for d in answer["duplicates"]] == [answer["accepted"][0]["task_id"]]
    assert task_count(store, enqueue_settings) == before + 2


def test_a_payload_that_fails_its_model_is_422_naming_the_field_and_nothing_is_enqueued(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps(
        [
            {"operation": "list_users", "payload": {}},
            {"operation": "erase_email", "payload": {"email_address": "not-an-email"}},
        ]
    ).encode()
    before = task_count(store, enqueue_settings)
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body))
    assert answer.status_code == 422
    assert "email_address" in answer.json()["detail"]
    assert answer.json()["errors"][0]["loc"] == ["body", 1, "payload", "email_address"]
    assert task_count(store, enqueue_settings) == before


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        (b'{"operation": "list_users", "payload": ', 400, "not valid JSON"),
        (b'"list_users"', 422, "JSON object or a list"),
        (b'{"operation": "teleport", "payload": {}}', 422, "unknown operation 'teleport'"),
        (b'{"operation": "list_users", "payload": {}, "priority": 9}', 422, "body.priority"),
        (b'{"payload": {}}', 422, "body.operation"),
        (b"[]", 422, "at least 1 item"),
    ],
)
def test_malformed_bodies_get_a_4xx_with_a_message_and_enqueue_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str], body: bytes, status: int, names: str
) -> None:
    before = task_count(store, enqueue_settings)
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body))
    assert answer.status_code == status, answer.text
    assert names in answer.json()["detail"]
    assert task_count(store, enqueue_settings) == before


# --- signatures on every route ----------------------------------------------------------------

TASK = json.dumps({"operation": "list_users", "payload": {}}).encode()
ERASURES = b"email\nsigned.only@example.com\n"


#: When each forged case claims to have been signed: 5 minutes ago is too old, and so is a
#: clock 5 minutes ahead (a request signed "in the future" could be replayed later).
SIGNED_AT = {"stale": -301.0, "future": 301.0}


def _forged(route: str, enqueue_settings: Settings, body: bytes, case: str) -> dict[str, str]:
    if case == "missing":
        return {}
    at = time.time() + SIGNED_AT[case] if case in SIGNED_AT else None
    if route == "/webhooks/hubspot":
        headers = hubspot_signed(enqueue_settings, body, at=at)
        if case == "wrong":
            headers["X-HubSpot-Signature-v3"] = hubspot_v3_signature(
                "not-the-secret", "POST", HUBSPOT_URL, body, headers["X-HubSpot-Request-Timestamp"]
            )
        return headers
    if case in SIGNED_AT:
        return signed(enqueue_settings, body, route, at=at)
    return signed(enqueue_settings, body, route, secret="not-the-secret")


@pytest.mark.parametrize("case", ["missing", "wrong", "stale", "future"])
@pytest.mark.parametrize("route", ["/webhooks/tasks", "/erasures", "/webhooks/hubspot"])
def test_a_missing_wrong_or_stale_signature_is_401_and_enqueues_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str], route: str, case: str
) -> None:
    body = {
        "/webhooks/tasks": TASK,
        "/erasures": ERASURES,
        "/webhooks/hubspot": json.dumps([contact_event(int(time.time_ns() % 10**12), 42)]).encode(),
    }[route]
    before = task_count(store, enqueue_settings)
    answer = api.post(route, content=body, headers=_forged(route, enqueue_settings, body, case))
    assert answer.status_code == 401, answer.text
    assert answer.json()["detail"].startswith("signature rejected")
    assert task_count(store, enqueue_settings) == before


def test_an_unsigned_malformed_body_is_401_not_400(api: TestClient, enqueue_settings: Settings) -> None:
    assert api.post("/webhooks/tasks", content=b"{nope").status_code == 401


def test_a_signature_over_another_body_is_refused(api: TestClient, enqueue_settings: Settings) -> None:
    headers = signed(enqueue_settings, TASK)
    assert api.post("/webhooks/tasks", content=TASK + b" ", headers=headers).status_code == 401
    tampered = TASK.replace(b"list_users", b"list_flows")
    assert api.post("/webhooks/tasks", content=tampered, headers=headers).status_code == 401


def test_a_replayed_signed_request_creates_nothing_new(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps(
        {
            "operation": "erase_email",
            "payload": {"emailAddress": f"replay-{unique()}@example.com"},
            "idempotency_key": f"replay-{unique()}",
        }
    ).encode()
    headers = signed(enqueue_settings, body)
    first = api.post("/webhooks/tasks", content=body, headers=headers)
    assert first.status_code == 202, first.text
    before = task_count(store, enqueue_settings)
    again = api.post("/webhooks/tasks", content=body, headers=headers)
    assert again.status_code == 202 and again.json()["accepted"] == []
    assert [d["task_id"] for d in again.json()["duplicates"]] == [first.json()["accepted"][0]["task_id"]]
    assert task_count(store, enqueue_settings) == before


# --- replays: a signature binds method, path, query and body, and is accepted once -------------


def delivery_keys(store: redis.Redis[str], enqueue_settings: Settings) -> list[str]:
    """The remembered deliveries (accepted signed requests) under the test prefix."""
    return list(store.scan_iter(f"{enqueue_settings.key_prefix}:webhook:delivery:*"))


def test_an_erasure_list_signed_as_a_dry_run_is_refused_without_the_query_and_enqueues_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = f"email\ndry.{unique()}@example.com\nother.{unique()}@example.com\n".encode()
    headers = {**signed(enqueue_settings, body, "/erasures?dry_run=true"), "Content-Type": "text/csv"}
    before = task_count(store, enqueue_settings)
    refused = api.post("/erasures", content=body, headers=headers)
    assert refused.status_code == 401, refused.text
    assert "does not match" in refused.json()["detail"]
    dry = api.post("/erasures?dry_run=true", content=body, headers=headers)
    assert dry.status_code == 202 and dry.json()["dry_run"] is True, dry.text
    assert task_count(store, enqueue_settings) == before


@pytest.mark.parametrize(
    ("signed_for", "sent_to"), [("/webhooks/tasks", "/erasures"), ("/erasures", "/webhooks/tasks")]
)
def test_a_body_signed_for_one_route_is_refused_on_another(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str], signed_for: str, sent_to: str
) -> None:
    body = json.dumps({"operation": "list_users", "payload": {}}).encode()
    before = task_count(store, enqueue_settings)
    answer = api.post(sent_to, content=body, headers=signed(enqueue_settings, body, signed_for))
    assert answer.status_code == 401, answer.text
    assert task_count(store, enqueue_settings) == before


def test_a_signed_request_without_idempotency_key_sent_ten_times_makes_one_task(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps(
        {"operation": "create_meeting", "payload": MEETING | {"title": f"Replay {unique()}"}}
    ).encode()
    headers = signed(enqueue_settings, body)
    before = task_count(store, enqueue_settings)
    answers = [api.post("/webhooks/tasks", content=body, headers=headers) for _ in range(10)]
    assert [a.status_code for a in answers] == [202] * 10
    [task] = answers[0].json()["accepted"]
    for replay in answers[1:]:
        assert replay.json()["replayed"] is True and replay.json()["accepted"] == []
        assert [d["task_id"] for d in replay.json()["duplicates"]] == [task["task_id"]]
    assert task_count(store, enqueue_settings) == before + 1


def test_a_replayed_erasure_list_enqueues_nothing_and_its_remembered_answer_holds_no_address(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    tag = unique()
    body = f"email\nreplayed.{tag}@example.com\nnot-an-address-{tag}@\n".encode()
    headers = {**signed(enqueue_settings, body, "/erasures"), "Content-Type": "text/csv"}
    first = api.post("/erasures", content=body, headers=headers).json()
    before = task_count(store, enqueue_settings)
    again = api.post("/erasures", content=body, headers=headers)
    assert again.status_code == 202 and again.json()["replayed"] is True
    assert [d["task_id"] for d in again.json()["duplicates"]] == [a["task_id"] for a in first["accepted"]]
    assert task_count(store, enqueue_settings) == before
    remembered = " ".join(str(store.get(k)) for k in delivery_keys(store, enqueue_settings))
    assert "pii:" in remembered and f"replayed.{tag}@example.com" not in remembered
    assert f"not-an-address-{tag}@" not in remembered


def test_a_replayed_hubspot_delivery_is_answered_as_a_replay(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps([contact_event(int(time.time_ns() % 10**12), 4242)]).encode()
    headers = hubspot_signed(enqueue_settings, body)
    first = api.post("/webhooks/hubspot", content=body, headers=headers).json()
    again = api.post("/webhooks/hubspot", content=body, headers=headers).json()
    assert again["replayed"] is True and again["accepted"] == []
    assert [d["task_id"] for d in again["duplicates"]] == [a["task_id"] for a in first["accepted"]]


def standard_signed(enqueue_settings: Settings, body: bytes, webhook_id: str) -> dict[str, str]:
    """Standard Webhooks headers, computed from its specification (the secret used as raw bytes)."""
    t = str(int(time.time()))
    key = enqueue_settings.webhook_secret.get_secret_value().encode()
    digest = hmac.new(key, f"{webhook_id}.{t}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": t,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def test_standard_webhooks_deliveries_are_accepted_once_and_never_with_a_query(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps({"operation": "list_users", "payload": {}}).encode()
    headers = standard_signed(enqueue_settings, body, f"msg_{unique()}")
    first = api.post("/webhooks/tasks", content=body, headers=headers)
    assert first.status_code == 202 and len(first.json()["accepted"]) == 1, first.text
    before = task_count(store, enqueue_settings)
    again = api.post("/webhooks/tasks", content=body, headers=headers)
    assert again.json()["replayed"] is True
    erasures = f"email\nstd.{unique()}@example.com\n".encode()
    with_query = api.post(
        "/erasures?dry_run=true", content=erasures, headers=standard_signed(enqueue_settings, erasures, "m2")
    )
    assert with_query.status_code == 401 and "query string" in with_query.json()["detail"]
    assert task_count(store, enqueue_settings) == before


def test_a_refused_delivery_gives_its_claim_back_so_a_corrected_retry_is_processed(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    body = json.dumps({"operation": "list_users", "payload": {"unexpected": 1}}).encode()
    before = set(delivery_keys(store, enqueue_settings))
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body))
    assert answer.status_code == 422, answer.text
    assert set(delivery_keys(store, enqueue_settings)) == before


# --- /webhooks/hubspot ------------------------------------------------------------------------


def test_a_hubspot_batch_repeating_an_event_makes_one_task_per_event(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    base = int(time.time_ns() % 10**12)
    events = [
        contact_event(base, 901),
        contact_event(base, 901),
        contact_event(
            base + 1,
            902,
            subscriptionType="contact.propertyChange",
            propertyName="lifecyclestage",
            propertyValue="salesqualifiedlead",
        ),
        contact_event(base + 2, 903, subscriptionType="contact.propertyChange", propertyName="firstname"),
    ]
    body = json.dumps(events).encode()
    before = task_count(store, enqueue_settings)
    answer = api.post("/webhooks/hubspot", content=body, headers=hubspot_signed(enqueue_settings, body))
    assert answer.status_code == 202, answer.text
    result = answer.json()
    assert [(a["event_id"], a["idempotency_key"]) for a in result["accepted"]] == [
        (str(base), f"hubspot:{base}"),
        (str(base + 1), f"hubspot:{base + 1}"),
    ]
    assert [d["task_id"] for d in result["duplicates"]] == [result["accepted"][0]["task_id"]]
    assert [(i["event_id"], i["subscription_type"]) for i in result["ignored"]] == [
        (str(base + 2), "contact.propertyChange")
    ]
    assert task_count(store, enqueue_settings) == before + 2
    record = store.hgetall(Keys(enqueue_settings.key_prefix).task(result["accepted"][0]["task_id"]))
    assert record["operation"] == "assign_prospects"
    assert json.loads(record["payload"]) == {
        "crm_prospects_ids": ["901"],
        "flow_id": enqueue_settings.hubspot_flow_id,
        "flow_instance_owner_email": enqueue_settings.hubspot_flow_owner_email,
    }


def test_a_hubspot_retry_of_a_delivered_event_is_a_duplicate(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    event = contact_event(int(time.time_ns() % 10**12), 777)
    first = json.dumps([event]).encode()
    retry = json.dumps([{**event, "attemptNumber": 1}]).encode()
    accepted = api.post(
        "/webhooks/hubspot", content=first, headers=hubspot_signed(enqueue_settings, first)
    ).json()
    before = task_count(store, enqueue_settings)
    again = api.post(
        "/webhooks/hubspot",
        content=retry,
        headers=hubspot_signed(enqueue_settings, retry, at=time.time() + 1),
    )
    assert again.status_code == 202
    assert again.json()["accepted"] == []
    assert [d["task_id"] for d in again.json()["duplicates"]] == [accepted["accepted"][0]["task_id"]]
    assert task_count(store, enqueue_settings) == before


def test_behind_a_proxy_the_signature_covers_the_public_url(enqueue_settings: Settings) -> None:
    public = enqueue_settings.model_copy(update={"public_url": "https://hooks.acme-robotics.example/gongq"})
    body = json.dumps([contact_event(int(time.time_ns() % 10**12), 55)]).encode()
    with TestClient(create_app(public)) as api:
        internal = api.post("/webhooks/hubspot", content=body, headers=hubspot_signed(enqueue_settings, body))
        assert internal.status_code == 401
        answer = api.post(
            "/webhooks/hubspot",
            content=body,
            headers=hubspot_signed(
                enqueue_settings, body, uri="https://hooks.acme-robotics.example/gongq/webhooks/hubspot"
            ),
        )
    assert answer.status_code == 202, answer.text


def test_a_hubspot_body_that_is_not_a_list_of_events_is_422(
    api: TestClient, enqueue_settings: Settings
) -> None:
    body = json.dumps([{"objectId": 1}]).encode()
    answer = api.post("/webhooks/hubspot", content=body, headers=hubspot_signed(enqueue_settings, body))
    assert answer.status_code == 422
    assert "body[0].eventId" in answer.json()["detail"]


# --- /erasures --------------------------------------------------------------------------------


def test_an_uploaded_erasure_list_is_enqueued_and_bad_rows_are_reported_by_line(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    tag = unique()
    csv = f'\ufeffName,EMAIL,Phone\r\n"Lee, Ana",ana.{tag}@example.com,\r\nBob,bob-at-example,\r\n'.encode()
    boundary = "gongq-boundary"
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="list.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        **signed(enqueue_settings, multipart, "/erasures"),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    answer = api.post("/erasures", content=multipart, headers=headers)
    assert answer.status_code == 202, answer.text
    result = answer.json()
    assert [(a["line"], a["operation"]) for a in result["accepted"]] == [(2, "erase_email")]
    assert result["rejected"] == [
        {"line": 3, "value": "bob-at-example", "reason": "not an email address: 'bob-at-example'"}
    ]
    assert (
        store.hget(Keys(enqueue_settings.key_prefix).task(result["accepted"][0]["task_id"]), "batch_id")
        == result["batch_id"]
    )

    again = api.post(
        "/erasures",
        content=csv,
        headers={**signed(enqueue_settings, csv, "/erasures"), "Content-Type": "text/csv"},
    )
    assert again.status_code == 202
    assert again.json()["accepted"] == []
    assert [d["task_id"] for d in again.json()["duplicates"]] == [result["accepted"][0]["task_id"]]


def test_an_upload_without_a_file_field_or_rows_is_400(api: TestClient, enqueue_settings: Settings) -> None:
    empty = b"\n\n"
    assert (
        api.post("/erasures", content=empty, headers=signed(enqueue_settings, empty, "/erasures")).status_code
        == 400
    )
    boundary = "b"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--{boundary}--\r\n'
    ).encode()
    headers = {
        **signed(enqueue_settings, form, "/erasures"),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    answer = api.post("/erasures", content=form, headers=headers)
    assert answer.status_code == 400
    assert "'file'" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (
            "email\nJörg@Müller.example\n".encode("cp1252"),
            "Latin-1/Windows-1252): byte 0xF6 at offset 7 (line 2)",
        ),
        ("email\njane@example.com\n".encode("utf-16-le"), "UTF-16 without BOM)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary: a PDF document"),
    ],
    ids=["latin-1", "utf-16-without-bom", "pdf"],
)
def test_an_erasure_list_that_is_not_utf8_is_400_in_one_line_and_enqueues_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str], content: bytes, looks_like: str
) -> None:
    before = task_count(store, enqueue_settings)
    boundary = "gongq-boundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="list.csv"\r\n\r\n'.encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    for body, content_type in (
        (content, "text/csv"),
        (multipart, f"multipart/form-data; boundary={boundary}"),
    ):
        headers = {**signed(enqueue_settings, body, "/erasures"), "Content-Type": content_type}
        answer = api.post("/erasures", content=body, headers=headers)
        assert answer.status_code == 400, answer.text
        detail = answer.json()["detail"]
        assert detail.startswith(f"the erasure list is not UTF-8 (looks like {looks_like}"), detail
        assert "\n" not in detail
    assert task_count(store, enqueue_settings) == before


def test_an_erasure_list_with_a_utf16_byte_order_mark_is_enqueued(
    api: TestClient, enqueue_settings: Settings
) -> None:
    body = f"\ufeffEmail\r\nutf16.{unique()}@example.com\r\n".encode("utf-16-le")
    headers = {**signed(enqueue_settings, body, "/erasures"), "Content-Type": "text/csv"}
    answer = api.post("/erasures", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    assert [(a["line"], a["operation"]) for a in answer.json()["accepted"]] == [(2, "erase_email")]


def test_a_task_whose_email_holds_a_nul_is_422_naming_the_field_and_enqueues_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str]
) -> None:
    before = task_count(store, enqueue_settings)
    body = json.dumps(
        {"operation": "erase_email", "payload": {"emailAddress": "jane\u0000@example.com"}}
    ).encode()
    answer = api.post("/webhooks/tasks", content=body, headers=signed(enqueue_settings, body))
    assert answer.status_code == 422, answer.text
    assert "emailAddress" in answer.json()["detail"]
    assert "NUL character (U+0000) at position 5" in answer.json()["detail"]
    assert task_count(store, enqueue_settings) == before


def test_the_openapi_docs_are_served(api: TestClient) -> None:
    assert api.get("/docs").status_code == 200
    assert "/erasures" in api.get("/openapi.json").json()["paths"]


# --- bodies nested too deeply -----------------------------------------------------------------


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


#: 100,000 levels made json.loads raise RecursionError: a 500. 65 levels parse, but nest deeper
#: than any payload may (pydantic's serializer, json.dumps and Redis' cjson would fail later).
DEEP_BODIES = {
    "100000-levels": _nested(100_000).encode(),
    "65-levels": _nested(65).encode(),
    "65-levels-in-a-payload": (
        '{"operation": "list_users", "payload": {"filter": ' + _nested(63) + "}}"
    ).encode(),
}


@pytest.mark.parametrize("shape", list(DEEP_BODIES))
@pytest.mark.parametrize("route", ["/webhooks/tasks", "/webhooks/hubspot"])
def test_a_body_nested_too_deeply_is_400_and_enqueues_nothing(
    api: TestClient, enqueue_settings: Settings, store: redis.Redis[str], route: str, shape: str
) -> None:
    body = DEEP_BODIES[shape]
    headers = (
        hubspot_signed(enqueue_settings, body)
        if route == "/webhooks/hubspot"
        else signed(enqueue_settings, body)
    )
    before = task_count(store, enqueue_settings)
    answer = api.post(route, content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"] == "body is nested too deeply (more than 64 levels of arrays and objects)"
    assert task_count(store, enqueue_settings) == before


def test_an_erasure_list_line_nested_too_deeply_is_a_rejected_line(
    api: TestClient, enqueue_settings: Settings
) -> None:
    jsonl = ('{"email": "deep.ok@example.com"}\n{"email": ' + _nested(100_000) + "}\n").encode()
    headers = {**signed(enqueue_settings, jsonl, "/erasures"), "Content-Type": "application/jsonl"}
    answer = api.post("/erasures", content=jsonl, headers=headers)
    assert answer.status_code == 202, answer.text
    assert len(answer.json()["accepted"]) == 1
    assert [(r["line"], r["reason"]) for r in answer.json()["rejected"]] == [
        (2, "invalid JSON: nested too deeply (more than 64 levels of arrays and objects)")
    ]
