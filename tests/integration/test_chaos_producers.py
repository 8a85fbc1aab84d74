"""Producers killed, or Redis cut, between writing a task and publishing it lose no task.

Each test has a redis-server of its own, behind a TCP proxy that cuts every connection at a
chosen command (``tests.redis_cut_proxy``). A task's record is written by one script (with its
idempotency key), then its "queued" event and broker message go out in one MULTI/EXEC: cutting
at that EXEC and SIGKILLing the producer leaves the record in the outbox. A resubmission of the
same key (a re-run ``gongq enqueue -k``, a webhook redelivery, the same erasure list again)
publishes it and says so; with no resubmission the workers' sweeper publishes it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from tests.integration.chaos import census, kill_group, start_gongq, start_python
from tests.redis_cut_proxy import RedisCutProxy
from worker.keys import Keys
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

#: Quick sweeps, so a test sees the sweeper work within seconds (the defaults are 60/10/5 s).
FAST_SWEEP = {"lost_after_seconds": 1.0, "sweep_interval_seconds": 0.5, "heartbeat_seconds": 0.5}


@pytest.fixture()
def chaos(own_processes: Processes, settings: Settings) -> Iterator[tuple[Settings, Settings, RedisCutProxy]]:
    """(settings straight to a fresh redis-server, the same through a cutting proxy, the proxy)."""
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    direct = settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"chaos-{uuid.uuid4().hex[:8]}",
            "gong_rate_per_second": 1000.0,
        }
    )
    with RedisCutProxy("127.0.0.1", port) as proxy:
        yield direct, direct.model_copy(update={"redis_url": proxy.url()}), proxy


def _direct(settings: Settings) -> redis.Redis[str]:
    return redis.Redis.from_url(settings.redis_url, decode_responses=True)


def _worker(processes: Processes, settings: Settings, name: str = "chaos-worker") -> None:
    processes.start_worker(settings.model_copy(update=FAST_SWEEP), name=name, concurrency=4)


def _wait_all_succeeded(
    client: GongqClient, ids: list[str], processes: Processes, timeout: float = 120
) -> None:
    try:
        wait_until(
            lambda: all(client.status(t).status is TaskStatus.SUCCEEDED for t in ids),
            timeout,
            f"all {len(ids)} tasks to succeed",
            interval=0.2,
        )
    except Exception:
        print(processes.log_tail("chaos-worker"))
        raise


PRODUCER = """
import sys
from producer.client import GongqClient
client = GongqClient(source="chaos")
for i in range(int(sys.argv[1]), int(sys.argv[2])):
    client.enqueue("list_users", {}, idempotency_key=f"chaos-{i}")
    print(i, flush=True)
"""


def test_producers_sigkilled_at_random_lose_no_task(
    own_processes: Processes, chaos: tuple[Settings, Settings, RedisCutProxy], sandbox: httpx.Client
) -> None:
    """A sender re-sends what it has no answer for: up to 25 kills over 120 keys; every key one
    task, none lost, all run."""
    direct, _, _ = chaos
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 1000, "per_day": 100000}).raise_for_status()
    total, kills, next_key = 120, 0, 0
    rng = random.Random(2026)
    while next_key < total and kills < 25:
        child = start_python(direct, PRODUCER, str(next_key), str(total))
        answered: list[int] = []
        reader = threading.Thread(
            target=lambda c=child, a=answered: a.extend(
                int(line) for line in c.stdout or [] if line.strip().isdigit()
            ),
            daemon=True,
        )
        reader.start()
        wait_until(lambda a=answered: bool(a), 30, "the producer's first answer", interval=0.01)
        threading.Event().wait(rng.uniform(0.0, 0.03))  # the chaos: a kill at a random moment
        kill_group(child)
        reader.join(timeout=10)
        kills += 1
        # The sender had no answer for the key in flight: it sends it again.
        next_key = (answered[-1] + 1) if answered else next_key
    child = start_python(direct, PRODUCER, str(next_key), str(total))
    assert child.wait(timeout=120) == 0
    keys = Keys(direct.key_prefix)
    at_rest = census(_direct(direct), keys)
    assert at_rest.lost == [], at_rest
    assert at_rest.total == total  # one task per key: no key made a second task
    _worker(own_processes, direct)
    client = GongqClient(direct, source="test")
    ids = _direct(direct).zrange(keys.tasks_by_time, 0, -1)
    _wait_all_succeeded(client, ids, own_processes)
    print(
        f"\nproducer kill loop: {kills} kills, {total} keys, {at_rest.total} tasks, "
        f"{len(at_rest.in_outbox)} left in the outbox by a kill, 0 lost, all {len(ids)} succeeded"
    )


def _cut_and_kill(proxy: RedisCutProxy, child: subprocess.Popen[str]) -> None:
    """Once the armed cut happened, SIGKILL the producer (it would otherwise retry for ~35 s)."""
    wait_until(proxy.cut_done.is_set, 60, "Redis to be cut at the publishing EXEC", interval=0.01)
    kill_group(child)
    proxy.restore()


def test_enqueue_cut_between_record_and_publish_is_sent_by_a_retry_or_by_the_sweeper(
    own_processes: Processes, chaos: tuple[Settings, Settings, RedisCutProxy], sandbox: httpx.Client
) -> None:
    """Two `gongq enqueue` runs cut at the publishing EXEC and killed: the one whose sender sends
    its key again is published by that retry (and says so); the other, sent by nobody, by the
    workers' sweeper."""
    direct, proxied, proxy = chaos
    keys = Keys(direct.key_prefix)
    proxy.cut_at("EXEC")
    _cut_and_kill(proxy, start_gongq(proxied, "enqueue", "list_users", "-k", "cli-key-1"))
    [retried] = census(_direct(direct), keys).in_outbox
    proxy.cut_at("EXEC")
    _cut_and_kill(proxy, start_gongq(proxied, "enqueue", "list_users"))
    cut = census(_direct(direct), keys)
    assert cut.total == 2 and len(cut.in_outbox) == 2 and cut.lost == [], cut
    [abandoned] = set(cut.in_outbox) - {retried}
    again = start_gongq(direct, "enqueue", "list_users", "-k", "cli-key-1", "--json")
    out, _ = again.communicate(timeout=120)
    answer = json.loads(out)
    assert (answer["id"], answer["duplicate"], answer["published"]) == (retried, True, True)
    _worker(own_processes, direct)
    client = GongqClient(direct, source="test")
    _wait_all_succeeded(client, [retried, abandoned], own_processes)
    events = [e.fields["event"] for e in client.audit.events(abandoned)]
    assert events[:2] == ["queued", "recovered"], events
    assert "recovered" not in [e.fields["event"] for e in client.audit.events(retried)]


def _signed(settings: Settings, body: bytes) -> dict[str, str]:
    t = str(int(time.time()))
    key = settings.webhook_secret.get_secret_value().encode()
    digest = hmac.new(key, f"{t}.POST./webhooks/tasks.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Gongq-Signature": f"t={t},v2={digest}", "Content-Type": "application/json"}


def test_webhook_cut_between_record_and_publish_is_sent_by_the_redelivery(
    own_processes: Processes, chaos: tuple[Settings, Settings, RedisCutProxy], sandbox: httpx.Client
) -> None:
    direct, proxied, proxy = chaos
    body = json.dumps({"operation": "list_users", "payload": {}, "idempotency_key": "crm-event-7"}).encode()
    port = free_port()
    service = start_gongq(proxied, "webhooks", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(base), 60, "the webhook service to listen", interval=0.1)
    proxy.cut_at("EXEC")
    with pytest.raises(httpx.HTTPError):
        # The service hangs on the cut Redis; the sender gives up (and will redeliver).
        httpx.post(f"{base}/webhooks/tasks", content=body, headers=_signed(direct, body), timeout=5)
    _cut_and_kill(proxy, service)
    [task_id] = census(_direct(direct), Keys(direct.key_prefix)).in_outbox
    service = start_gongq(direct, "webhooks", "--port", str(port))
    try:
        wait_until(lambda: _answers(base), 60, "the webhook service to listen again", interval=0.1)
        again = httpx.post(f"{base}/webhooks/tasks", content=body, headers=_signed(direct, body), timeout=30)
    finally:
        kill_group(service)
    assert again.status_code == 202, again.text
    answer = again.json()
    assert answer.get("accepted", []) == []
    assert answer["duplicates"][0]["task_id"] == task_id and answer["duplicates"][0]["published"] is True
    _worker(own_processes, direct)
    _wait_all_succeeded(GongqClient(direct, source="test"), [task_id], own_processes)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_erasure_list_cut_half_way_is_repaired_by_submitting_it_again(
    chaos: tuple[Settings, Settings, RedisCutProxy], tmp_path: Path
) -> None:
    """300 rows: the second publishing transaction is cut, the producer killed; the same file
    again publishes the 50 written but unsent rows and makes no new task."""
    direct, proxied, proxy = chaos
    rows = [f"chaos.person{i}@example.com" for i in range(300)]
    listing = tmp_path / "erase.csv"
    listing.write_text("email\n" + "\n".join(rows) + "\n")
    proxy.cut_at("EXEC", occurrence=2)
    child = start_gongq(proxied, "erase", str(listing))
    _cut_and_kill(proxy, child)
    keys = Keys(direct.key_prefix)
    cut = census(_direct(direct), keys)
    assert cut.lost == [] and cut.total == 300 and len(cut.in_outbox) == 50, cut
    again = start_gongq(direct, "erase", str(listing), "--json")
    out, _ = again.communicate(timeout=120)
    summary = json.loads(out)
    assert (summary["accepted"], summary["duplicates"], summary["repaired"]) == (0, 300, 50), summary
    repaired = census(_direct(direct), keys)
    assert repaired.total == 300 and repaired.lost == [] and repaired.in_outbox == [], repaired
    print(f"\nerasure list cut half-way: 300 rows, {len(cut.in_outbox)} unsent, all sent by the resubmission")


def _vanish_message(settings: Settings) -> str:
    """Enqueue one task, then delete its message (as if its worker died holding it) and wait
    until it has been unchanged for ``lost_after_seconds``."""
    client = GongqClient(settings, source="test")
    task_id = client.enqueue("list_users", {}, "vanish-1").task_id
    r = _direct(settings)
    assert r.delete("default") == 1
    keys = Keys(settings.key_prefix)
    wait_until(
        lambda: float(r.zscore(keys.open, task_id) or 0) < time.time() - settings.lost_after_seconds,
        10,
        "the task to be unchanged for lost_after_seconds",
        interval=0.05,
    )
    assert census(r, keys).lost == [task_id]
    return task_id


def test_resubmitting_a_key_whose_message_vanished_sends_it_again(
    chaos: tuple[Settings, Settings, RedisCutProxy],
) -> None:
    direct = chaos[0].model_copy(update={"lost_after_seconds": 0.5})
    task_id = _vanish_message(direct)
    again = GongqClient(direct, source="test").enqueue("list_users", {}, "vanish-1")
    assert (again.task_id, again.duplicate, again.published) == (task_id, True, True)
    assert census(_direct(direct), Keys(direct.key_prefix)).lost == []


def test_the_sweeper_sends_again_a_task_whose_message_vanished(
    own_processes: Processes, chaos: tuple[Settings, Settings, RedisCutProxy], sandbox: httpx.Client
) -> None:
    direct = chaos[0].model_copy(update={"lost_after_seconds": 0.5})
    task_id = _vanish_message(direct)
    _worker(own_processes, direct)
    client = GongqClient(direct, source="test")
    _wait_all_succeeded(client, [task_id], own_processes)
    recovered = [e.fields for e in client.audit.events(task_id) if e.fields["event"] == "recovered"]
    assert recovered and "nowhere" in recovered[0]["how"], recovered
