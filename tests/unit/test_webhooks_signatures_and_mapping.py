"""Signature schemes, the HubSpot event mapping and the refusal to serve with placeholder secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from producer.webhooks.app import create_app
from producer.webhooks.hubspot import DEFAULT_RULES, EventRule, HubSpotEvent, HubSpotMapping
from producer.webhooks.signatures import (
    SignatureError,
    gongq_signature,
    hubspot_v3_signature,
    verify_gongq,
    verify_hubspot_v3,
    verify_standard_webhook,
)
from worker.errors import ConfigurationError
from worker.settings import Settings

BODY = b'[{"eventId": 1}]'
URI = "https://hooks.example.com/webhooks/hubspot"


TARGET = "/webhooks/tasks"


def test_gongq_signature_accepts_a_fresh_signature_and_any_rotated_v2() -> None:
    now = time.time()
    t = str(int(now))
    good = gongq_signature("s3cret", t, "POST", TARGET, BODY)
    verify_gongq("s3cret", f"t={t},v2={good}", "POST", TARGET, BODY, now=now)
    verify_gongq("s3cret", f"t={t},v2={'0' * 64},v2={good}", "POST", TARGET, BODY, now=now)


def test_gongq_signature_is_the_documented_hmac_over_time_method_target_and_body() -> None:
    # The README's worked example: secret "s3cret", t=1764000000, POST /erasures?dry_run=true.
    expected = hmac.new(
        b"s3cret", b"1764000000.POST./erasures?dry_run=true.email\nana@example.com\n", hashlib.sha256
    )
    assert gongq_signature(
        "s3cret", "1764000000", "POST", "/erasures?dry_run=true", b"email\nana@example.com\n"
    ) == (expected.hexdigest())


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing"),
        ("v2=abc", "must be"),
        ("t=soon,v2=abc", "not a number"),
        ("t={old},v2={sig_old}", "5-minute"),
        ("t={t},v2={wrong}", "does not match"),
        ("t={t},v1={v1}", "v1 signatures"),
    ],
)
def test_gongq_signature_refuses_missing_malformed_stale_wrong_and_v1(
    header: str | None, message: str
) -> None:
    now = time.time()
    t, old = str(int(now)), str(int(now) - 301)
    values = {
        "t": t,
        "old": old,
        "sig_old": gongq_signature("s3cret", old, "POST", TARGET, BODY),
        "wrong": gongq_signature("other", t, "POST", TARGET, BODY),
        "v1": hmac.new(b"s3cret", t.encode() + b"." + BODY, hashlib.sha256).hexdigest(),
    }
    with pytest.raises(SignatureError, match=message):
        verify_gongq("s3cret", header.format(**values) if header else None, "POST", TARGET, BODY, now=now)


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("POST", TARGET, BODY + b" "),
        ("POST", "/erasures", BODY),
        ("POST", TARGET + "?dry_run=true", BODY),
        ("PUT", TARGET, BODY),
    ],
)
def test_gongq_signature_covers_method_path_query_and_body(method: str, target: str, body: bytes) -> None:
    t = str(int(time.time()))
    header = f"t={t},v2={gongq_signature('s3cret', t, 'POST', TARGET, BODY)}"
    with pytest.raises(SignatureError, match="does not match"):
        verify_gongq("s3cret", header, method, target, body)


def test_a_gongq_signature_fingerprint_is_the_same_for_the_same_request_and_differs_otherwise() -> None:
    now = time.time()
    t = str(int(now))
    header = f"t={t},v2={gongq_signature('s3cret', t, 'POST', TARGET, BODY)}"
    first = verify_gongq("s3cret", header, "POST", TARGET, BODY, now=now)
    assert verify_gongq("s3cret", header, "POST", TARGET, BODY, now=now) == first
    later = str(int(now) + 1)
    other = f"t={later},v2={gongq_signature('s3cret', later, 'POST', TARGET, BODY)}"
    assert verify_gongq("s3cret", other, "POST", TARGET, BODY, now=now) != first


def _standard(secret_bytes: bytes, webhook_id: str, t: str, body: bytes) -> str:
    """Standard Webhooks' signature, from its specification (not the server's code)."""
    digest = hmac.new(secret_bytes, f"{webhook_id}.{t}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_standard_webhooks_signatures_are_accepted_with_a_whsec_secret_and_keyed_by_webhook_id() -> None:
    key = b"0123456789abcdef0123456789abcdef"
    secret = "whsec_" + base64.b64encode(key).decode()
    now = time.time()
    t = str(int(now))
    signature = f"v1,{'A' * 44} " + _standard(key, "msg_1", t, BODY)
    fingerprint = verify_standard_webhook(secret, "msg_1", t, signature, BODY, "", now=now)
    assert fingerprint.startswith("standard:")
    assert verify_standard_webhook(secret, "msg_1", t, signature, BODY, "", now=now) == fingerprint


@pytest.mark.parametrize(
    ("webhook_id", "offset", "body", "query", "message"),
    [
        ("msg_2", 0, BODY, "", "does not match"),
        ("msg_1", 0, BODY + b" ", "", "does not match"),
        ("msg_1", -301, BODY, "", "5-minute"),
        ("msg_1", 0, BODY, "dry_run=true", "query string"),
    ],
)
def test_standard_webhooks_refuses_another_id_body_stale_time_or_a_query(
    webhook_id: str, offset: int, body: bytes, query: str, message: str
) -> None:
    now = time.time()
    t = str(int(now) + offset)
    signature = _standard(b"plain-secret", "msg_1", t, BODY)
    with pytest.raises(SignatureError, match=message):
        verify_standard_webhook("plain-secret", webhook_id, t, signature, body, query, now=now)


def test_hubspot_v3_signs_method_uri_body_and_millisecond_timestamp() -> None:
    now = time.time()
    ms = str(int(now * 1000))
    signature = hubspot_v3_signature("client-secret", "POST", URI, BODY, ms)
    verify_hubspot_v3("client-secret", "post", URI, BODY, signature, ms, now=now)
    for uri, body in ((URI + "?x=1", BODY), (URI, BODY + b" ")):
        with pytest.raises(SignatureError, match="does not match"):
            verify_hubspot_v3("client-secret", "POST", uri, body, signature, ms, now=now)


def test_hubspot_v3_refuses_a_timestamp_older_than_five_minutes() -> None:
    now = time.time()
    stale = str(int((now - 301) * 1000))
    signature = hubspot_v3_signature("client-secret", "POST", URI, BODY, stale)
    with pytest.raises(SignatureError, match="5-minute"):
        verify_hubspot_v3("client-secret", "POST", URI, BODY, signature, stale, now=now)
    with pytest.raises(SignatureError, match="missing"):
        verify_hubspot_v3("client-secret", "POST", URI, BODY, None, stale, now=now)


def _event(**fields: object) -> HubSpotEvent:
    return HubSpotEvent.model_validate({"eventId": 7, "objectId": 123, **fields})


def test_default_mapping_assigns_new_contacts_and_lifecycle_changes_to_the_flow() -> None:
    mapping = HubSpotMapping.from_settings(Settings(_env_file=None), DEFAULT_RULES)
    mapped, ignored = mapping.plan(
        [
            _event(eventId=1, subscriptionType="contact.creation"),
            _event(eventId=2, subscriptionType="contact.propertyChange", propertyName="lifecyclestage"),
            _event(eventId=3, subscriptionType="contact.propertyChange", propertyName="firstname"),
            _event(eventId=4, subscriptionType="deal.creation"),
        ]
    )
    assert [(m.event_id, m.request.idempotency_key) for m in mapped] == [
        ("1", "hubspot:1"),
        ("2", "hubspot:2"),
    ]
    assert mapped[0].request.operation == "assign_prospects"
    assert mapped[0].request.payload == {
        "crmProspectsIds": ["123"],
        "flowId": "1695493301223590792",
        "flowInstanceOwnerEmail": "dana.lee@acme-robotics.example",
    }
    assert [(i.event_id, i.reason) for i in ignored] == [
        ("3", "no mapping for contact.propertyChange of firstname"),
        ("4", "no mapping for deal.creation"),
    ]


def test_a_rule_whose_template_names_a_missing_field_ignores_the_event_with_the_reason() -> None:
    rule = EventRule("contact.creation", "list_users", {"note": "{dealId}"})
    mapped, ignored = HubSpotMapping.from_settings(Settings(_env_file=None), (rule,)).plan(
        [_event(subscriptionType="contact.creation")]
    )
    assert not mapped
    assert ignored[0].reason == "event has no dealId"


def test_sandbox_mode_fills_placeholder_webhook_secrets() -> None:
    settings = Settings(sandbox=True, _env_file=None)
    assert settings.webhook_secret.get_secret_value().startswith("sandbox-")
    assert settings.hubspot_client_secret.get_secret_value().startswith("sandbox-")
    settings.require_webhook_secrets()


@pytest.mark.parametrize("webhook_secret", ["", "changeme", "sandbox-webhook-secret"])
def test_the_service_refuses_to_start_with_placeholder_secrets_outside_sandbox_mode(
    webhook_secret: str,
) -> None:
    settings = Settings(
        sandbox=False,
        webhook_secret=webhook_secret,
        hubspot_client_secret="hs-real",
        audit_key="a-real-audit-key",
        pii_key="a-real-pii-key",
        _env_file=None,
    )
    with pytest.raises(ConfigurationError, match="GONGQ_WEBHOOK_SECRET"):
        create_app(settings)


def test_the_service_refuses_to_start_without_real_audit_and_pii_keys() -> None:
    settings = Settings(
        sandbox=False, webhook_secret="w-real", hubspot_client_secret="hs-real", _env_file=None
    )
    with pytest.raises(ConfigurationError, match="GONGQ_AUDIT_KEY, GONGQ_PII_KEY"):
        create_app(settings)


def test_the_service_starts_with_real_secrets_and_publishes_openapi_docs() -> None:
    settings = Settings(
        sandbox=False,
        webhook_secret="w-real",
        hubspot_client_secret="hs-real",
        audit_key="a-real-audit-key",
        pii_key="a-real-pii-key",
        _env_file=None,
    )
    schema = create_app(settings).openapi()
    assert {"/webhooks/hubspot", "/webhooks/tasks", "/erasures"} <= set(schema["paths"])
