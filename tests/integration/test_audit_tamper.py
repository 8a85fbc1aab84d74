"""Tampering with the audit trail by someone who can write to Redis but lacks GONGQ_AUDIT_KEY.

Each test is an attack that passed `gongq audit verify` while the chain was plain SHA-256 (or,
for the last ones, one that no check inside Redis can see, and an anchor kept outside does).
Real Redis; the attacker rewrites the stream as gongq writes it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial

import pytest
import redis

from worker.audit import ANCHOR_PREFIX, GENESIS, Anchor, AuditEvent, AuditLog, event_hash, legacy_event_hash
from worker.errors import ConfigurationError
from worker.keys import Keys
from worker.settings import Settings, settings_env

pytestmark = pytest.mark.integration

Digest = Callable[[str, Mapping[str, str]], str]


@pytest.fixture()
def redis_client(redis_url: str) -> Iterator[redis.Redis[str]]:
    client: redis.Redis[str] = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture()
def keys() -> Keys:
    return Keys(f"gongq-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture()
def audit(redis_client: redis.Redis[str], keys: Keys, settings: Settings) -> AuditLog:
    return AuditLog.from_settings(redis_client, keys, settings)


def lifecycle(audit: AuditLog, *task_ids: str) -> None:
    """Each task queued, running, then dead: interleaved, as concurrent tasks write them."""
    for event in ("queued", "running", "dead"):
        for task_id in task_ids:
            details = {"reason": "Gong API error 500"} if event == "dead" else {}
            audit.append(task_id, event, **details)


def forge(
    client: redis.Redis[str],
    keys: Keys,
    events: Sequence[AuditEvent],
    digest: Digest,
    *,
    bare_head: bool = False,
) -> None:
    """Rewrite the stream as ``events`` (same stream ids) and move the head to the new last one,
    as an attacker without the key does at best: events before the first change keep their
    hashes, every one from it on is re-chained with ``digest``. A changed event has no hash."""
    client.delete(keys.audit)
    prev = GENESIS
    for event in events:
        digest_now = event.hash if event.hash and event.prev == prev else digest(prev, event.fields)
        client.xadd(keys.audit, {**event.fields, "prev": prev, "hash": digest_now}, id=event.stream_id)
        prev = digest_now
    client.set(keys.audit_head, prev if bare_head else f"{len(events)}:{prev}")


def changed(original: AuditEvent, /, **fields: str) -> AuditEvent:
    """``original`` with ``fields`` replaced, its hash gone (for :func:`forge` to recompute)."""
    return AuditEvent(original.stream_id, {**original.fields, **fields}, original.prev, "")


def roll_back(client: redis.Redis[str], keys: Keys, audit: AuditLog, newest: int) -> None:
    """Delete the ``newest`` events and point the head at the last one kept (count and hash)."""
    events = audit.events()
    client.xdel(keys.audit, *[e.stream_id for e in events[-newest:]])
    kept = events[:-newest]
    client.set(keys.audit_head, f"{len(kept)}:{kept[-1].hash}")


def dead_to_succeeded(events: Sequence[AuditEvent], task_id: str) -> tuple[list[AuditEvent], str]:
    """The events with ``task_id``'s "dead" turned into "succeeded", and that event's stream id."""
    victim = next(e for e in events if e.fields["task_id"] == task_id and e.fields["event"] == "dead")
    return [changed(e, event="succeeded") if e is victim else e for e in events], victim.stream_id


def test_an_event_rewritten_and_rechained_with_plain_sha256_is_detected(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1", "t2", "t3")
    forged, victim = dead_to_succeeded(audit.events(), "t2")
    forge(redis_client, keys, forged, legacy_event_hash)
    check = audit.verify()
    assert not check.ok
    assert check.broken_at == victim
    assert "unkeyed SHA-256" in (check.reason or "")


def test_a_chain_recomputed_under_the_wrong_key_is_detected(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1", "t2")
    forged, victim = dead_to_succeeded(audit.events(), "t1")
    forge(redis_client, keys, forged, partial(event_hash, "a-guessed-key"))
    check = audit.verify()
    assert not check.ok
    assert check.broken_at == victim
    assert "another GONGQ_AUDIT_KEY" in (check.reason or "")


def test_removing_every_event_of_one_task_is_detected(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1", "t2", "t3")
    kept = [e for e in audit.events() if e.fields["task_id"] != "t2"]
    forge(redis_client, keys, kept, legacy_event_hash)
    check = audit.verify()
    assert not check.ok
    # t1 queued stays as it was; t3 queued lost its predecessor (t2 queued) and was re-chained.
    assert check.broken_at == kept[1].stream_id


def test_rolling_back_the_newest_event_with_the_head_is_detected_only_with_an_anchor(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1")
    before = audit.verify().head
    audit.append("t2", "dead", reason="write refused")
    after = audit.verify().head
    assert before is not None and after is not None
    roll_back(redis_client, keys, audit, 1)

    unanchored = audit.verify()
    assert unanchored.ok, "no check inside Redis can see this rollback"
    assert any("head rolled back" in limit for limit in unanchored.undetectable)
    older = audit.verify(before)
    assert older.ok, "an anchor taken before the rolled-back event cannot see it either"
    assert older.undetectable == [
        f"events after event {before.count} (the anchor) deleted together with the head rolled back "
        "(anchor again, more often)"
    ]
    check = audit.verify(after)
    assert not check.ok
    assert f"the anchor names event {after.count}" in (check.reason or "")


def test_deleting_the_stream_while_its_head_remains_is_detected(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1")
    redis_client.delete(keys.audit)
    check = audit.verify()
    assert not check.ok
    assert check.events == 0
    assert "stream is missing or empty" in (check.reason or "")


def test_deleting_the_stream_and_its_head_is_detected_with_an_anchor(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys
) -> None:
    lifecycle(audit, "t1", "t2")
    anchor = audit.verify().head
    assert anchor is not None
    redis_client.delete(keys.audit, keys.audit_head)

    unanchored = audit.verify()
    assert unanchored.ok and unanchored.events == 0
    assert "the whole stream deleted together with its head" in unanchored.undetectable
    check = audit.verify(anchor)
    assert not check.ok
    assert f"the stream has 0 events but the anchor names event {anchor.count}" in (check.reason or "")
    # Workers keep writing: a new, intact chain grows past the anchor's position, without it.
    lifecycle(audit, "t3", "t4", "t5")
    assert audit.verify().ok
    check = audit.verify(anchor)
    assert not check.ok
    assert "is not the anchored one" in (check.reason or "")


def test_an_intact_chain_verifies_with_and_without_an_anchor(audit: AuditLog) -> None:
    lifecycle(audit, "t1", "t2")
    first = audit.verify()
    assert first.ok and first.events == 6 and first.head is not None
    assert first.head.count == 6
    lifecycle(audit, "t3")
    check = audit.verify(first.head)
    assert check.ok, check
    assert check.events == 9
    assert check.anchor == first.head
    assert check.head is not None and audit.verify(check.head).ok
    assert Anchor.parse(str(check.head)) == check.head


def test_without_an_audit_key_events_are_neither_written_nor_verified(
    redis_client: redis.Redis[str], keys: Keys
) -> None:
    live = AuditLog.from_settings(redis_client, keys, Settings(sandbox=False, _env_file=None))
    with pytest.raises(ConfigurationError, match="GONGQ_AUDIT_KEY"):
        live.append("t1", "queued")
    with pytest.raises(ConfigurationError, match="GONGQ_AUDIT_KEY"):
        live.verify()
    assert live.events() == []
    placeholder = Settings(sandbox=False, audit_key="sandbox-audit-key", _env_file=None)
    with pytest.raises(ConfigurationError, match="GONGQ_AUDIT_KEY"):
        AuditLog.from_settings(redis_client, keys, placeholder).append("t1", "queued")


def test_events_from_before_the_key_verify_only_as_many_as_configured(
    redis_client: redis.Redis[str], keys: Keys, settings: Settings
) -> None:
    # A store written by the unkeyed version: plain SHA-256 chain, head a bare hash.
    legacy = [
        AuditEvent(f"{n}-0", {"task_id": f"old{n}", "event": "queued", "at": str(n)}, "", "")
        for n in (1, 2, 3)
    ]
    forge(redis_client, keys, legacy, legacy_event_hash, bare_head=True)
    unconfigured = AuditLog.from_settings(redis_client, keys, settings).verify()
    assert not unconfigured.ok
    assert unconfigured.broken_at == "1-0"
    assert "GONGQ_AUDIT_LEGACY_EVENTS" in (unconfigured.reason or "")

    upgraded = AuditLog.from_settings(
        redis_client, keys, settings.model_copy(update={"audit_legacy_events": 3})
    )
    upgraded.append("new1", "queued")
    upgraded.append("new2", "queued")
    check = upgraded.verify()
    assert check.ok, check
    assert (check.events, check.legacy_events) == (5, 3)
    assert redis_client.get(keys.audit_head) == f"5:{check.head.hash if check.head else ''}"

    # The first keyed event links to the last legacy hash: a rewritten legacy event breaks there.
    events = upgraded.events()
    rewritten = [events[0], changed(events[1], event="dead"), *events[2:]]
    forge(redis_client, keys, rewritten, legacy_event_hash)
    check = upgraded.verify()
    assert not check.ok
    assert check.broken_at == events[3].stream_id
    # Nor can keyed events be passed off as legacy ones beyond the configured number.
    forge(redis_client, keys, [*events[:3], *(changed(e) for e in events[3:])], legacy_event_hash)
    check = upgraded.verify()
    assert not check.ok
    assert check.broken_at == events[3].stream_id


def gongq_audit(settings: Settings, keys: Keys, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **settings_env(settings.model_copy(update={"key_prefix": keys.prefix})),
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
        "COLUMNS": "80",  # narrow: the one-line messages must not wrap
    }
    return subprocess.run(
        [sys.executable, "-m", "producer", "audit", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_gongq_audit_checkpoint_and_verify_anchor_catch_a_rollback(
    audit: AuditLog, redis_client: redis.Redis[str], keys: Keys, settings: Settings
) -> None:
    lifecycle(audit, "t1", "t2")
    taken = gongq_audit(settings, keys, "checkpoint")
    assert taken.returncode == 0, taken.stderr
    anchor = taken.stdout.strip()
    assert re.fullmatch(rf"{ANCHOR_PREFIX}:6:[0-9]+-[0-9]+:[0-9a-f]{{64}}", anchor), taken.stdout
    as_json = json.loads(gongq_audit(settings, keys, "checkpoint", "--json").stdout)
    assert as_json["anchor"] == anchor and as_json["events"] == 6

    verified = gongq_audit(settings, keys, "verify", "--anchor", anchor)
    assert verified.returncode == 0, verified.stderr
    assert "audit chain intact: 6 events; event 6 matches the anchor" in verified.stdout
    assert "not detectable past the anchor: events after event 6" in verified.stdout
    plain = gongq_audit(settings, keys, "verify")
    assert plain.returncode == 0
    assert (
        "not detectable without an anchor: the newest events deleted together with the head" in plain.stdout
    )
    assert json.loads(gongq_audit(settings, keys, "verify", "--json").stdout)["undetectable"] == list(
        audit.verify().undetectable
    )

    roll_back(redis_client, keys, audit, 2)
    assert gongq_audit(settings, keys, "verify").returncode == 0
    for command in ("verify", "checkpoint"):
        caught = gongq_audit(settings, keys, command, "--anchor", anchor)
        assert caught.returncode == 1, caught.stdout + caught.stderr
        lines = caught.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("audit chain broken at event "), caught.stderr
        assert "the anchor names event 6" in lines[0]
        assert caught.stdout == ""
    report = json.loads(gongq_audit(settings, keys, "verify", "--anchor", anchor, "--json").stdout)
    assert report["ok"] is False and report["anchor"] == anchor


def test_gongq_audit_refuses_a_malformed_anchor_and_an_empty_checkpoint(
    settings: Settings, keys: Keys
) -> None:
    bad = gongq_audit(settings, keys, "verify", "--anchor", "gongq-anchor:v1:6:oops")
    assert bad.returncode == 2
    assert "not a gongq anchor" in bad.stderr and "Traceback" not in bad.stderr
    empty = gongq_audit(settings, keys, "checkpoint")
    assert empty.returncode == 1
    assert "nothing to checkpoint" in empty.stderr
