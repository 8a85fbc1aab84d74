"""Workers killed and Redis cut mid-run lose no task and repeat no write Gong cannot de-duplicate.

- The deferred release, killed part-way through 300 due tasks, leaves each one sent or still
  deferred (each leaves ``deferred`` in the transaction that sends it).
- A SIGKILLed worker's tasks run again on another worker with no manual restore: its heartbeat
  lapses and the sweeper puts its unacked messages back (how fast with the default settings is
  measured by ``make bench``, benchmarks/bench_recovery.py).
- A create_meeting whose worker died after Gong created the meeting is not sent again by
  itself: it waits in ``needs_review`` with the evidence, and runs again on ``retry --force``.
- A 60 s Redis outage while tasks run: afterwards every task is finished, none lost, and no
  meeting was created twice.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from producer.cli_reliability import retry_task
from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from tests.integration.chaos import census
from tests.redis_cut_proxy import RedisCutProxy
from worker.keys import Keys
from worker.operations.examples import EXAMPLES
from worker.settings import Settings
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

FAST_SWEEP = {"lost_after_seconds": 2.0, "sweep_interval_seconds": 0.5, "heartbeat_seconds": 0.5}


@pytest.fixture()
def own(own_processes: Processes, settings: Settings) -> Settings:
    url = own_processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    return settings.model_copy(
        update={
            "redis_url": url,
            "key_prefix": f"chaos-{uuid.uuid4().hex[:8]}",
            "gong_rate_per_second": 1000.0,
        }
    )


@pytest.fixture()
def fast_gong(sandbox: httpx.Client) -> httpx.Client:
    sandbox.post("/_sandbox/gong/limits", json={"per_second": 1000, "per_day": 1_000_000}).raise_for_status()
    return sandbox


def _direct(settings: Settings) -> redis.Redis[str]:
    return redis.Redis.from_url(settings.redis_url, decode_responses=True)


def _meetings_created(sandbox: httpx.Client) -> int:
    log = sandbox.get("/_sandbox/gong/requests").json()["requests"]
    return sum(1 for e in log if e["method"] == "POST" and e["path"] == "/v2/meetings" and e["status"] == 200)


def _settled(client: GongqClient, ids: list[str]) -> Counter[TaskStatus]:
    return Counter(client.status(t).status for t in ids)


def _wait_showing_logs(
    processes: Processes, workers: list[str], condition: Callable[[], bool], timeout: float, what: str
) -> None:
    """wait_until, printing the workers' log tails if it times out."""
    try:
        wait_until(condition, timeout, what, interval=0.2)
    except Exception:
        print(*(processes.log_tail(name) for name in workers), sep="\n")
        raise


def test_deferred_release_killed_part_way_loses_no_task(
    own_processes: Processes, own: Settings, fast_gong: httpx.Client
) -> None:
    client = GongqClient(own, source="test")
    store = client.store
    ids = [store.create("list_users", {}, source="test").task_id for _ in range(300)]
    for task_id in ids:
        store.mark_deferred(task_id, "due now", time.time() - 1, refund_attempt=False)
    keys = Keys(own.key_prefix)
    r = _direct(own)
    own_processes.start_worker(own, name="releaser", concurrency=1)
    wait_until(lambda: r.zcard(keys.deferred) < 300, 60, "the release to start", interval=0.001)
    own_processes.kill("releaser")
    at_kill = census(r, keys)
    still_deferred = int(r.zcard(keys.deferred))
    assert at_kill.statuses["deferred"] == still_deferred  # every deferred one is still findable
    # Only what the killed worker had taken off the queue (one pool slot, one prefetched) may be
    # without a message now; the sweeper below brings those back.
    assert len(at_kill.lost) <= 2, at_kill
    own_processes.start_worker(own.model_copy(update=FAST_SWEEP), name="finisher", concurrency=8)
    _wait_showing_logs(
        own_processes,
        ["finisher"],
        lambda: _settled(client, ids)[TaskStatus.SUCCEEDED] == 300,
        240,
        "all 300 to succeed",
    )
    print(
        f"\ndeferred release killed: {300 - still_deferred} released, {still_deferred} still deferred, "
        f"{len(at_kill.lost)} in the killed worker's hands; all 300 succeeded"
    )


def test_a_sigkilled_workers_tasks_run_again_on_another_worker_without_a_manual_restore(
    own_processes: Processes, own: Settings, fast_gong: httpx.Client
) -> None:
    """Its heartbeat lapses; the survivor's sweeper puts its unacked messages back. (With the
    default settings the same takes about 80 s: ``make bench``, benchmarks/bench_recovery.py.)"""
    fast_gong.post("/_sandbox/model", json={"latency_seconds": 1.5}).raise_for_status()
    quick = own.model_copy(update=FAST_SWEEP)
    client = GongqClient(own, source="test")
    own_processes.start_worker(quick, name="survivor", concurrency=2)
    own_processes.start_worker(quick, name="victim", concurrency=6)
    ids = [client.enqueue("list_users", EXAMPLES["list_users"]).task_id for _ in range(16)]
    victim = f":{own_processes.child('victim').pid}"
    wait_until(
        lambda: (
            sum((client.status(t).runner or "").endswith(victim) for t in ids) >= 3
            and _settled(client, ids)[TaskStatus.RUNNING] >= 3
        ),
        60,
        "tasks running on the victim",
        interval=0.05,
    )
    own_processes.kill("victim")
    on_victim = [
        t
        for t in ids
        if client.status(t).status is TaskStatus.RUNNING and (client.status(t).runner or "").endswith(victim)
    ]
    _wait_showing_logs(
        own_processes,
        ["survivor"],
        lambda: _settled(client, ids)[TaskStatus.SUCCEEDED] == len(ids),
        120,
        "every task to succeed",
    )
    for task_id in on_victim:
        events = [e.fields["event"] for e in client.audit.events(task_id)]
        assert "recovered" in events and events.count("succeeded") == 1, events
    print(
        f"\nworker SIGKILL: {len(on_victim)} running on the killed worker, all put back; "
        f"all {len(ids)} succeeded"
    )


def test_a_meeting_created_just_before_its_worker_died_is_kept_for_review_not_created_again(
    own_processes: Processes, own: Settings, fast_gong: httpx.Client
) -> None:
    # The hosted executor: the provider runs the approved call, then the model writes its answer
    # in the same response; the model's latency is the window in which Gong holds the meeting
    # and gongq has not recorded it. (The client executor stops at the tool's result, so its
    # window is only the worker's own bookkeeping.)
    fast_gong.post("/_sandbox/model", json={"latency_seconds": 3}).raise_for_status()
    worker_settings = own.model_copy(update={**FAST_SWEEP, "executor": "hosted"})
    client = GongqClient(own, source="test")
    own_processes.start_worker(worker_settings, name="meeting-victim", concurrency=1)
    task_id = client.enqueue("create_meeting", EXAMPLES["create_meeting"]).task_id
    wait_until(lambda: _meetings_created(fast_gong) == 1, 60, "Gong to create the meeting", interval=0.01)
    own_processes.kill("meeting-victim")
    assert client.status(task_id).status is TaskStatus.RUNNING  # the kill caught it unrecorded
    own_processes.start_worker(worker_settings, name="meeting-reviewer", concurrency=1)
    _wait_showing_logs(
        own_processes,
        ["meeting-reviewer"],
        lambda: client.status(task_id).status.is_terminal,
        60,
        "the task to settle",
    )
    record = client.status(task_id)
    assert record.status is TaskStatus.NEEDS_REVIEW, (record.status, record.error)
    assert "attempt 1 sent this create_meeting to Gong" in (record.error or "")
    assert _meetings_created(fast_gong) == 1  # not created twice
    # On the operator's word it runs again.
    fast_gong.post("/_sandbox/model", json={"latency_seconds": 0}).raise_for_status()
    retry_task(own, task_id, force=True)
    assert client.wait(task_id, timeout=60).status is TaskStatus.SUCCEEDED
    assert _meetings_created(fast_gong) == 2


@pytest.fixture()
def proxied(own: Settings) -> Iterator[tuple[Settings, RedisCutProxy]]:
    port = int(own.redis_url.rsplit(":", 1)[1].split("/")[0])
    with RedisCutProxy("127.0.0.1", port) as proxy:
        yield own.model_copy(update={"redis_url": proxy.url()}), proxy


def test_a_60_second_redis_outage_loses_no_task_and_creates_no_meeting_twice(
    own_processes: Processes, own: Settings, proxied: tuple[Settings, RedisCutProxy], fast_gong: httpx.Client
) -> None:
    through_proxy, proxy = proxied
    fast_gong.post("/_sandbox/model", json={"latency_seconds": 1}).raise_for_status()
    worker_settings = through_proxy.model_copy(
        update={"lost_after_seconds": 10.0, "sweep_interval_seconds": 2.0, "heartbeat_seconds": 1.0}
    )
    own_processes.start_worker(worker_settings, name="outage-1", concurrency=4)
    own_processes.start_worker(worker_settings, name="outage-2", concurrency=4)
    client = GongqClient(own, source="test")
    ids = [client.enqueue("create_meeting", EXAMPLES["create_meeting"]).task_id for _ in range(8)]
    ids += [client.enqueue("list_users", EXAMPLES["list_users"]).task_id for _ in range(8)]
    wait_until(lambda: _settled(client, ids)[TaskStatus.RUNNING] >= 4, 60, "tasks in flight", interval=0.05)
    proxy.cut_now(down_for=60)
    cut_at = time.monotonic()
    wait_until(lambda: time.monotonic() - cut_at >= 60, 70, "the 60 s outage to pass", interval=1)
    back_at = time.monotonic()
    _wait_showing_logs(
        own_processes,
        ["outage-1", "outage-2"],
        lambda: all(s.is_terminal for s in _settled(client, ids)),
        180,
        "every task to settle",
    )
    for name in ("outage-1", "outage-2"):  # while the proxy is still there to say goodbye through
        own_processes.terminate(name)
    settled = _settled(client, ids)
    after = census(_direct(own), Keys(own.key_prefix))
    meetings = _meetings_created(fast_gong)
    reviewed = settled[TaskStatus.NEEDS_REVIEW]
    assert after.lost == [] and after.unfinished == 0, after
    assert set(settled) <= {TaskStatus.SUCCEEDED, TaskStatus.NEEDS_REVIEW}, settled
    # Every meeting Gong created is one task's: each succeeded task's once, a reviewed one's at most once.
    done = sum(client.status(t).status is TaskStatus.SUCCEEDED for t in ids[:8])
    assert done <= meetings <= done + reviewed, (done, meetings, reviewed)
    print(
        f"\nRedis outage 60 s: {dict(settled)}, {meetings} meetings for 8 create_meeting tasks, "
        f"0 lost, settled {time.monotonic() - back_at:.0f} s after Redis came back"
    )
