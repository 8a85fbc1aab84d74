"""Starting the real Flower (``python -m producer.flower``, as ``gongq flower`` does) in a test
and reading tasks back through its authenticated HTTP API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings, settings_env

PASSWORD = "flower-test-password-5f1c"
AUTH = ("gongq", PASSWORD)


def start_flower(processes: Processes, settings: Settings, db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    child = processes.start(
        f"flower-{port}",
        [sys.executable, "-m", "producer.flower", "--port", str(port)],
        env={**settings_env(settings), "GONGQ_FLOWER_PASSWORD": PASSWORD, "GONGQ_FLOWER_DB": str(db)},
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if child.poll() is not None:
            raise AssertionError(f"Flower exited: {processes.log_tail(f'flower-{port}')}")
        try:
            return httpx.get(f"{url}/healthcheck", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 30, f"Flower on port {port}")
    return child, url


def flower_task(url: str, task_id: str, *, state: str | None = None) -> dict[str, Any] | None:
    tasks = httpx.get(f"{url}/api/tasks", auth=AUTH, timeout=5).raise_for_status().json()
    for task in tasks.values():
        if task_id in str(task.get("args")) and (state is None or task.get("state") == state):
            return dict(task)
    return None


def wait_for_flower_task(
    url: str, task_id: str, state: str | None = None, timeout: float = 30
) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def seen() -> bool:
        task = flower_task(url, task_id, state=state)
        if task is not None:
            found.update(task)
        return task is not None

    wait_until(seen, timeout, f"task {task_id} in Flower's /api/tasks", interval=0.2)
    return found


def wait_for_flower_events(url: str) -> None:
    """Flower's event receiver is up once a worker heartbeat has reached it; enqueue only then."""
    wait_until(
        lambda: "flower_worker_online{" in httpx.get(f"{url}/metrics", timeout=5).text,
        30,
        "a worker heartbeat in Flower",
        interval=0.2,
    )
