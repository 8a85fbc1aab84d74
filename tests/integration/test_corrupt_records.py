"""A record that cannot be decoded is dead-lettered with the reason, never silently acked, and
every CLI command that reads it answers with one clear line (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from typer.testing import CliRunner

from producer.cli import app
from producer.client import GongqClient
from producer.processes import Processes, wait_until
from worker.keys import Keys
from worker.settings import Settings, get_settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

#: How each record is broken, and the words its dead-letter reason must contain.
CORRUPTIONS: dict[str, tuple[dict[str, str] | str, str]] = {
    "payload not JSON": ({"payload": "{not json"}, "field 'payload' cannot be read"),
    "payload not an object": ({"payload": "[1, 2]"}, "field 'payload' cannot be read"),
    "no operation": ("operation", "field 'operation' is missing"),
    "unknown status": ({"status": "exploded"}, "field 'status' cannot be read"),
    "attempts not a number": ({"attempts": "many"}, "field 'attempts' cannot be read"),
}


@pytest.fixture()
def gongq(prefixed: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name, value in settings_env(prefixed).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_corrupt_records_are_dead_lettered_with_the_reason_and_the_cli_says_so_in_one_line(
    own_processes: Processes, prefixed: Settings, gongq: CliRunner
) -> None:
    client = GongqClient(prefixed, source="test")
    r = redis.Redis.from_url(prefixed.redis_url, decode_responses=True)
    keys = Keys(prefixed.key_prefix)
    broken: dict[str, str] = {}
    for name, (change, _) in CORRUPTIONS.items():
        task_id = client.enqueue("list_users", {}).task_id  # published: its message waits on "default"
        if isinstance(change, str):
            r.hdel(keys.task(task_id), change)
        else:
            r.hset(keys.task(task_id), mapping=change)
        broken[name] = task_id
    healthy = client.enqueue("list_users", {}).task_id
    own_processes.start_worker(prefixed, name="corrupt-worker", concurrency=2)
    try:
        wait_until(
            lambda: all(r.hget(keys.task(t), "status") == "dead" for t in broken.values()),
            60,
            "every corrupt record to be dead-lettered",
            interval=0.1,
        )
    except AssertionError:
        print(own_processes.log_tail("corrupt-worker"))
        raise
    assert client.wait(healthy, timeout=60).status is TaskStatus.SUCCEEDED
    for name, task_id in broken.items():
        reason = r.hget(keys.task(task_id), "error") or ""
        assert f"task {task_id} has a corrupt record" in reason and CORRUPTIONS[name][1] in reason, (
            name,
            reason,
        )
        assert r.zscore(keys.dead, task_id) is not None
        events = [e.fields["event"] for e in client.audit.events(task_id)]
        assert events[-1] == "dead", (name, events)
    still_broken = broken["payload not JSON"]
    for argv in (["status", still_broken], ["status", still_broken, "--json"], ["retry", still_broken]):
        result = gongq.invoke(app, argv)
        assert result.exit_code == 1, (argv, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "corrupt record" in lines[0] and "Traceback" not in result.output, (
            argv,
            result.output,
        )
