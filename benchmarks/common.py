"""Shared plumbing of the benchmarks: a private Redis + sandbox, workers, task waits, RSS, stats.

Every benchmark starts its own ``redis-server`` on a free port and its own sandbox (through
:class:`producer.processes.Processes`), so it never reads or writes a developer's Redis, and
stops all of it when it ends.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from producer.client import GongqClient, TaskRequest
from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings

#: A goal counts as missed only when the figure is off by more than this fraction.
NOISE = 0.05

@dataclass
class Stack:
    """A private redis-server and sandbox, plus the processes started for one benchmark."""

    processes: Processes
    redis_url: str
    sandbox_url: str
    sandbox: httpx.Client

    def settings(self, **overrides: Any) -> Settings:
        """Sandbox-mode settings on this stack's Redis and sandbox (no .env is read)."""
        values: dict[str, Any] = {
            "redis_url": self.redis_url,
            "sandbox": True,
            "sandbox_url": self.sandbox_url,
            "openai_api_key": "sandbox-openai-key",
            "composio_api_key": "sandbox-composio-key",
            "key_prefix": "bench",
            "task_timeout_seconds": 120,
            "gong_daily_budget": 1_000_000,
            "log_format": "text",
        }
        values.update(overrides)
        return Settings(**values, _env_file=None)

    def configure_sandbox(self, latency: float, gong_per_second: float) -> None:
        """Reset the sandbox, then set the model latency and Gong's simulated limits."""
        self.sandbox.post("/_sandbox/reset").raise_for_status()
        self.sandbox.post("/_sandbox/model", json={"latency_seconds": latency}).raise_for_status()
        self.sandbox.post(
            "/_sandbox/gong/limits", json={"per_second": gong_per_second, "per_day": 1_000_000}
        ).raise_for_status()

    def start_workers(self, settings: Settings, count: int, concurrency: int, prefix: str = "w") -> list[str]:
        """Start ``count`` worker processes and wait until each says it is ready; their names."""
        names = [f"{prefix}{n}-{uuid.uuid4().hex[:6]}" for n in range(count)]
        for name in names:
            self.processes.start_worker(settings, name=name, concurrency=concurrency)
        for name in names:
            wait_until(
                lambda name=name: _ready(self.processes.log_dir / f"{name}.log"), 120, f"worker {name}"
            )
        return names

    def gong_log(self) -> list[dict[str, Any]]:
        return list(self.sandbox.get("/_sandbox/gong/requests").json()["requests"])

    def openai_log(self) -> list[dict[str, Any]]:
        return list(self.sandbox.get("/_sandbox/openai/requests").json()["requests"])


def _ready(log: Path) -> bool:
    return log.exists() and " ready." in log.read_text(errors="replace")


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    """A private redis-server and sandbox on free ports, stopped (with any worker) on exit."""
    with Processes() as processes:
        redis_url = processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
        sandbox_url = processes.ensure_sandbox(f"http://127.0.0.1:{free_port()}")
        with httpx.Client(base_url=sandbox_url, timeout=30) as sandbox:
            yield Stack(processes, redis_url, sandbox_url, sandbox)


def enqueue_and_wait(
    client: GongqClient, requests: Sequence[TaskRequest], timeout: float
) -> tuple[list[str], float]:
    """Enqueue ``requests`` as one batch, wait until all are terminal; task ids and enqueue start."""
    batch_id = f"bench-{uuid.uuid4().hex[:8]}"
    started = time.time()
    ids = [e.task_id for e in client.enqueue_many(requests, batch_id=batch_id, chunk_size=200)]
    wait_until(lambda: client.batch_status(batch_id).done, timeout, f"{len(ids)} tasks to finish", 0.5)
    return ids, started


def task_figures(client: GongqClient, ids: Sequence[str], started: float) -> dict[str, Any]:
    """Outcomes, tasks/s (enqueue start → last terminal update) and enqueue-to-result latencies."""
    records = [client.status(task_id) for task_id in ids]
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record.status.value] = statuses.get(record.status.value, 0) + 1
    finished = max(r.updated_at for r in records)
    latencies = [r.updated_at - r.created_at for r in records]
    return {
        "tasks": len(records),
        "statuses": statuses,
        "tasks_per_second": round(len(records) / (finished - started), 3),
        "wall_seconds": round(finished - started, 2),
        "latency_p50_s": round(percentile(latencies, 0.50), 4),
        "latency_p99_s": round(percentile(latencies, 0.99), 4),
    }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation), as the existing benchmarks compute p99."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def steady_rate(times: Sequence[float], middle: float = 0.8) -> tuple[float, float, int]:
    """Requests/s over the middle ``middle`` of the span of ``times``: (rate, window s, count).

    Ramp-up (workers filling up) and ramp-down (the last tasks) are cut off equally at both ends.
    """
    if len(times) < 2:
        return 0.0, 0.0, len(times)
    first, last = min(times), max(times)
    cut = (last - first) * (1 - middle) / 2
    start, end = first + cut, last - cut
    inside = sum(1 for t in times if start <= t <= end)
    span = end - start
    return (inside / span if span > 0 else 0.0), span, inside


def descendants(root: int | None = None) -> list[int]:
    """Pids of every live process under ``root`` (default: this one), from a /proc scan."""
    root = os.getpid() if root is None else root
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def worker_peak_rss_mib() -> tuple[float, int]:
    """Sum of VmHWM (peak RSS) of this process's gongq worker processes and their children.

    Workers are found by walking /proc from this process (``python -m producer worker`` in the
    command line), so workers of other people's test runs on the same machine are not counted.
    Returns (MiB, processes counted). Read it before the workers are stopped.
    """
    worker_pids: list[int] = []
    for pid in descendants():
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"producer" in cmdline and b"worker" in cmdline:
                worker_pids.append(pid)
    pids = set(worker_pids)
    for pid in worker_pids:
        pids.update(descendants(pid))
    total_kib = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kib += int(line.split()[1])
    return total_kib / 1024, len(pids)


def fresh_key(run: str, n: int) -> str:
    """An idempotency key no earlier run used, so every task is new work."""
    return f"bench-{run}-{n}"


def new_run_id() -> str:
    return uuid.uuid4().hex[:10]
