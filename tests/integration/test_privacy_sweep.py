"""The privacy sweep: after tasks of every lane have succeeded, failed, died and parked, and a
chat has quoted personal data, the test's addresses and phone numbers are found nowhere —
not in Redis, the worker's log, Flower's API or the CLI's output — except in the payloads of
unfinished task records (which still need them to be retried, within their retention).

Real worker, real Redis of the test's own, real Flower, the sandbox's Gong with faults.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from producer.client import Enqueued, GongqClient
from producer.media_server import serving, tone_wav
from producer.processes import Processes, free_port, wait_until
from tests.gongq_cli import run_gongq
from tests.integration.flower_helpers import AUTH, start_flower, wait_for_flower_events, wait_for_flower_task
from worker.keys import Keys
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

DANA = "234599484848423"
#: Statuses whose record may still hold the payload in clear (it is needed to run or retry).
UNFINISHED = {"queued", "running", "retrying", "deferred", "parked", "dead", "needs_review"}


@pytest.fixture()
def private(own_processes: Processes, settings: Settings) -> Settings:
    """Settings on a Redis of the test's own (everything in it was made by this test)."""
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    return settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"sweep-{uuid.uuid4().hex[:8]}",
            "chat_history_ttl_seconds": 60,
            # A failing read stays in `retrying` while the sweep looks.
            "retry_base_seconds": 60.0,
            "retry_max_seconds": 120.0,
            "connection_recheck_seconds": 1.0,
        }
    )


def _gongq(settings: Settings, *args: str, stdin: str = "") -> str:
    done = run_gongq(settings, *args, stdin=stdin)
    return done.stdout + done.stderr


def _entries(client: redis.Redis[str]) -> Iterator[tuple[str, str | None, str]]:
    """Every value in Redis as (key, hash field or None, text)."""
    for key in client.scan_iter("*"):
        kind = client.type(key)
        if kind == "string":
            yield key, None, str(client.get(key))
        elif kind == "hash":
            for name, value in client.hgetall(key).items():
                yield key, name, f"{name}={value}"
        elif kind == "list":
            yield from ((key, None, v) for v in client.lrange(key, 0, -1))
        elif kind == "set":
            yield from ((key, None, v) for v in client.smembers(key))
        elif kind == "zset":
            yield from ((key, None, v) for v in client.zrange(key, 0, -1))
        elif kind == "stream":
            yield from ((key, None, json.dumps(fields)) for _, fields in client.xrange(key))
        yield key, None, key  # the key's own name


def test_personal_data_is_found_only_in_unfinished_task_payloads_after_every_kind_of_outcome(
    own_processes: Processes, private: Settings, sandbox: httpx.Client, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    digits = f"{int(tag, 16) % 10**7:07d}"
    emails = {name: f"{name}-{tag}@customer.example" for name in ("erased", "party", "asked", "dead", "chat")}
    phones = {
        name: f"+1650{digits[:-1]}{i}" for i, name in enumerate(("erased", "chat", "failing", "parked"))
    }
    secrets = {*emails.values(), *(e.upper() for e in emails.values())}
    secrets |= {*phones.values(), *(p.removeprefix("+") for p in phones.values())}

    _, flower = start_flower(own_processes, private, tmp_path / "flower.db")
    own_processes.start_worker(private, name="sweep-worker", concurrency=4)
    wait_for_flower_events(flower)
    client = GongqClient(private, source="test")
    store = redis.Redis.from_url(private.redis_url, decode_responses=True)

    # A chat that reads the test's phone number and address (its history expires after 60 s).
    chat = _gongq(
        private,
        "ask",
        "--json",
        stdin=f"Show all contacts linked to this phone number\n{phones['chat']}\n"
        f"Show the data Gong holds for {emails['chat']}\nquit\n",
    )
    assert chat.count('"error": null') == 3, chat[-2000:]

    # Succeeded, in both lanes: erasures, a call with parties, a free-form question.
    with serving(tone_wav(0.5)) as media:
        succeeded = [
            client.enqueue("erase_email", {"emailAddress": emails["erased"]}),
            client.enqueue("erase_phone", {"phoneNumber": phones["erased"]}),
            client.enqueue(
                "add_call",
                {
                    "title": f"Renewal with {emails['party']}",
                    "actualStart": "2026-10-30T10:00:00Z",
                    "primaryUser": DANA,
                    "downloadMediaUrl": media.url,
                    "parties": [{"emailAddress": emails["party"], "phoneNumber": phones["erased"]}],
                },
            ),
            client.enqueue("ask", {"prompt": f"Show the data Gong holds for {emails['asked']}"}),
        ]
        done = [client.wait(t.task_id, timeout=90) for t in succeeded]
    assert [r.status for r in done] == [TaskStatus.SUCCEEDED] * 4, [r.error for r in done]

    # Dead (Gong refuses the erasure), failing (Gong answers 503: retrying), parked (no connection).
    sandbox.post(
        "/_sandbox/gong/faults",
        json={
            "faults": [
                {"status": 400, "rate": 1.0, "path_prefix": "/v2/data-privacy/erase-data-for-email-address"},
                {"status": 503, "rate": 1.0, "path_prefix": "/v2/data-privacy/data-for-phone-number"},
            ]
        },
    ).raise_for_status()
    dead = client.enqueue("erase_email", {"emailAddress": emails["dead"]})
    failing = client.enqueue("get_privacy_data_for_phone", {"phoneNumber": phones["failing"]})
    assert client.wait(dead.task_id, timeout=60).status is TaskStatus.DEAD
    wait_until(lambda: client.status(failing.task_id).status is TaskStatus.RETRYING, 60, "the read to fail")
    connection = f"/_sandbox/composio/connections/{private.user_id}"
    sandbox.post(connection, json={"connected": False}).raise_for_status()
    try:
        parked = client.enqueue("erase_phone", {"phoneNumber": phones["parked"]})
        wait_until(
            lambda: client.status(parked.task_id).status is TaskStatus.PARKED, 60, "the erasure to park"
        )
        _sweep(own_processes, private, store, client, flower, secrets, [*succeeded, dead, failing, parked])
    finally:
        sandbox.post(connection, json={"connected": True}).raise_for_status()


def _sweep(
    own_processes: Processes,
    private: Settings,
    store: redis.Redis[str],
    client: GongqClient,
    flower: str,
    secrets: set[str],
    tasks: list[Enqueued],
) -> None:
    """Look everywhere for ``secrets``; ``tasks[-3:]`` are the unfinished ones (dead, failing, parked)."""

    # The chat's history is kept for its TTL, then gone.
    conversations = f"{private.key_prefix}:conversation:*"
    assert all(0 < store.ttl(k) <= 60 for k in store.scan_iter(conversations))
    wait_until(lambda: not list(store.scan_iter(conversations)), 90, "the chat history to expire")
    shown = [
        _gongq(private, "status", t.task_id) + _gongq(private, "status", t.task_id, "--json") for t in tasks
    ]
    shown += [_gongq(private, "audit", "--json"), _gongq(private, "erasures", "--json")]
    assert all(t.task_id in "".join(shown) for t in tasks)  # the commands did answer

    # Redis: only payload fields of unfinished task records may hold them.
    leaks, kept = [], []
    for key, name, text in _entries(store):
        if not any(secret in text for secret in secrets):
            continue
        is_task = key.startswith(Keys(private.key_prefix).task(""))
        if is_task and name == "payload" and store.hget(key, "status") in UNFINISHED:
            kept.append(key)
        else:
            leaks.append((key, name, text[:300]))
    assert leaks == []
    # The three still need their data; so may erasure checks still waiting on the failing read.
    assert {Keys(private.key_prefix).task(t.task_id) for t in tasks[-3:]} <= set(kept)
    log = (own_processes.log_dir / "sweep-worker.log").read_text(errors="replace")
    assert [s for s in secrets if s in log] == []
    assert [s for s in secrets for output in shown if s in output] == []
    seen = [wait_for_flower_task(flower, t.task_id) for t in tasks]  # Flower saw every task
    pages = [httpx.get(f"{flower}/api/tasks", auth=AUTH, timeout=10).text]
    pages += [httpx.get(f"{flower}/api/task/info/{t['uuid']}", auth=AUTH, timeout=10).text for t in seen]
    pages.append(httpx.get(f"{flower}/api/workers", auth=AUTH, timeout=10).text)
    assert [s for s in secrets for page in pages if s in page] == []
