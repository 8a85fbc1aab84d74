"""The README's first hour, as written: its Python example, its signed webhook, the start lines
of the long-running commands, and one clear line for each missing piece.

The README's code is read from README.md itself (not copied here), so a change there that
breaks it fails here. Only the ports differ: the test's own Redis, sandbox and webhook service
run on free ports, as every test does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from producer.processes import Processes, free_port, wait_until
from tests.gongq_cli import run_gongq
from worker.settings import Settings, settings_env

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(after: str, language: str) -> str:
    """The first ``language`` code block of the README after the line containing ``after``."""
    text = README.read_text()
    start = text.index(after)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(text, start)
    assert match is not None, f"no {language} block after {after!r} in README.md"
    return match.group(1)


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1", "COLUMNS": "200"}


def test_the_readme_python_example_prints_the_task_id_status_and_result(
    settings: Settings, worker: Processes
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", readme_block("From Python:", "python")],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Assigned now, or (run again on the same sandbox) already in the flow: succeeded either way.
    assert re.match(
        r"[0-9a-f]{32} succeeded \{'assigned': \[.*'crm_prospect_id': '0035g00000AbCd001'", done.stdout
    ), done.stdout


def _start_webhooks(processes: Processes, settings: Settings) -> tuple[str, str]:
    port = free_port()
    name = f"webhooks-{port}"
    processes.start(
        name, [sys.executable, "-m", "producer", "webhooks", "--port", str(port)], env=_env(settings)
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, 30, f"gongq webhooks on {port}")
    return url, name


def test_the_readme_signed_webhook_is_accepted_with_the_sandbox_secret_webhooks_prints(
    settings: Settings, processes: Processes
) -> None:
    url, name = _start_webhooks(processes, settings)
    started = processes.log_tail(name)
    assert f"listening on {url} (API docs at {url}/docs)" in started
    assert "GONGQ_WEBHOOK_SECRET = sandbox-webhook-secret (the sandbox placeholder)" in started
    script = readme_block("and a signed webhook", "bash").replace("http://127.0.0.1:8780", url)
    done = subprocess.run(
        ["bash", "-c", script], env=_env(settings), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert '"accepted":[{"task_id":' in done.stdout.replace(" ", ""), done.stdout


def test_the_sandbox_says_where_it_listens_on_start(processes: Processes, settings: Settings) -> None:
    port = free_port()
    name = f"sandbox-banner-{port}"
    processes.start(
        name, [sys.executable, "-m", "producer", "sandbox", "--port", str(port)], env=_env(settings)
    )
    expected = f"Gong, Composio and OpenAI stand-ins on http://127.0.0.1:{port} (any API key works)"
    wait_until(lambda: expected in processes.log_tail(name), 30, "the sandbox's start line")
    # This sandbox is not where the settings point: it says which variable would make it so.
    assert f"set GONGQ_SANDBOX_URL=http://127.0.0.1:{port}" in processes.log_tail(name)


def test_a_command_without_redis_fails_in_one_line_naming_the_url_within_seconds(settings: Settings) -> None:
    nowhere = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    for args in (
        ("enqueue", "list_users"),
        ("status", "some-task"),
        ("audit", "verify"),
        ("retry", "--dead"),
    ):
        started = time.monotonic()
        done = run_gongq(nowhere, *args, timeout=30)
        elapsed = time.monotonic() - started
        assert done.returncode == 1, args
        assert done.stderr.strip().splitlines() == [
            f"error: Redis at {nowhere.redis_url} is unreachable (Error 111 connecting to 127.0.0.1:"
            f"{nowhere.redis_url.rsplit(':', 1)[1].split('/')[0]}. Connection refused.); start it "
            "(`redis-server`, or `docker compose up -d redis`) or point GONGQ_REDIS_URL at one"
        ], args
        assert elapsed < 10, (args, elapsed)  # generous: the point is not the ~35 s of retries


@pytest.fixture()
def own_processes() -> Iterator[Processes]:
    with Processes() as started:
        yield started


def test_a_worker_started_before_the_sandbox_names_each_missing_service_once(
    settings: Settings, own_processes: Processes
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    own_processes.start_worker(settings.model_copy(update={"sandbox_url": nowhere}), name="no-sandbox")
    for service, url in (("Composio", nowhere), ("OpenAI", f"{nowhere}/v1")):
        line = f"gongq worker: {service} at {url} is unreachable (ConnectError) (sandbox mode: is `gongq"
        wait_until(lambda line=line: line in own_processes.log_tail("no-sandbox", 400), 30, f"{service} line")
    wait_until(lambda: " ready." in own_processes.log_tail("no-sandbox", 400), 60, "the worker ready")
    log = own_processes.log_tail("no-sandbox", 400)
    assert log.count("is unreachable") == 2
    assert f"gongq worker: Redis at {settings.redis_url}: answering" in log  # one line per dependency


def test_a_worker_started_before_redis_says_so_once_and_starts_when_it_comes(
    settings: Settings, own_processes: Processes
) -> None:
    port = free_port()
    later = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    own_processes.start_worker(later, name="no-redis")
    wait_until(
        lambda: f"Redis at redis://127.0.0.1:{port}/0 is unreachable" in own_processes.log_tail("no-redis"),
        30,
        "the worker's Redis line",
    )
    own_processes.start(
        "redis-late",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    )
    wait_until(lambda: " ready." in own_processes.log_tail("no-redis", 400), 60, "the worker ready")
    log = own_processes.log_tail("no-redis", 400)
    assert log.count("is unreachable") == 1
    assert f"Redis at redis://127.0.0.1:{port}/0 answered" in log


def test_enqueue_warns_when_no_worker_consumes_the_lane(settings: Settings) -> None:
    alone = settings.model_copy(update={"key_prefix": f"nolane{free_port()}"})  # no worker beats here
    done = run_gongq(alone, "enqueue", "list_users")
    assert done.returncode == 0, done.stderr
    assert "warning: no live worker consumes the 'default' lane" in done.stderr
    as_json = run_gongq(alone, "enqueue", "list_users", "--json")
    assert '"worker_consumes_lane": false' in as_json.stdout


def test_enqueue_does_not_warn_while_a_worker_consumes_the_lane(
    settings: Settings, worker: Processes
) -> None:
    wait_until(lambda: "ready." in worker.log_tail("worker", 400), 60, "the session worker")
    done = run_gongq(settings, "enqueue", "list_users", "--json")
    assert done.returncode == 0, done.stderr
    assert '"worker_consumes_lane": true' in done.stdout
    assert "warning" not in done.stderr


def test_a_redis_failure_in_the_middle_of_a_command_is_one_line_not_a_traceback(
    settings: Settings, own_processes: Processes
) -> None:
    port = free_port()
    # A Redis that answers PING (so the command starts) but refuses the read `gongq status` makes.
    own_processes.start(
        "redis-no-hgetall",
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--rename-command",
            "HGETALL",
            "",
        ],
    )
    broken = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    wait_until(lambda: "Ready to accept" in own_processes.log_tail("redis-no-hgetall"), 10, "redis-server")
    done = run_gongq(broken, "status", "some-task")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: Redis at redis://127.0.0.1:{port}/0 failed during the command: ResponseError: "
        "unknown command 'HGETALL', with args beginning with: 'gongq:task:some-task'"
    ]


def test_an_invalid_setting_is_one_line_naming_its_variable(settings: Settings) -> None:
    env = {**_env(settings), "GONGQ_WORKER_CONCURRENCY": "lots"}
    done = subprocess.run(
        [sys.executable, "-m", "producer", "status", "some-task"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: the settings are invalid: GONGQ_WORKER_CONCURRENCY: Input should be a valid integer, unable "
        "to parse string as an integer"
    ]


def test_the_sandbox_refuses_an_unreadable_calendar_day_in_one_line(settings: Settings) -> None:
    env = {**_env(settings), "GONGQ_SANDBOX_TODAY": "yesterday"}
    done = subprocess.run(
        [sys.executable, "-m", "producer", "sandbox", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: GONGQ_SANDBOX_TODAY='yesterday' is not a date: give it as YYYY-MM-DD (e.g. 2026-11-02), "
        "or unset it to use today's UTC date"
    ]


def test_flower_says_where_it_listens_and_the_sandbox_login_on_start(
    settings: Settings, own_processes: Processes, tmp_path: Path
) -> None:
    port = free_port()
    env = {**_env(settings), "GONGQ_FLOWER_DB": str(tmp_path / "flower.db")}
    env.pop("GONGQ_FLOWER_PASSWORD", None)  # unset in sandbox mode: the published default
    own_processes.start(
        "flower-banner", [sys.executable, "-m", "producer", "flower", "--port", str(port)], env=env
    )
    expected = (
        f"Flower on http://127.0.0.1:{port} (basic auth: user gongq, password sandbox-flower-password "
        "(the sandbox default))"
    )
    wait_until(lambda: expected in own_processes.log_tail("flower-banner"), 30, "Flower's start line")
    assert httpx.get(
        f"http://127.0.0.1:{port}/api/workers", auth=("gongq", "sandbox-flower-password")
    ).is_success
