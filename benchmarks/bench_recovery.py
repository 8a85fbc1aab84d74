"""Recovery: how long after a worker is SIGKILLed its tasks have run on another worker.

Standalone: ``.venv/bin/python -m benchmarks.bench_recovery [--quick]``. Default settings
(``GONGQ_LOST_AFTER_SECONDS`` 60, sweep every 10 s, heartbeat every 5 s), no manual restore:
two workers, 16 list_users tasks at 1.5 s of model latency; once both workers run tasks, one is
SIGKILLed with its whole process group. Measured: tasks running on the killed worker, seconds
from the kill until every task succeeded, how many were put back by the sweeper (audit
``recovered``), and the tasks lost (never finished) and run twice (more than one ``succeeded``
event). Goal: recovery within 120 s, 0 lost, 0 run twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

from benchmarks.common import stack
from producer.client import GongqClient
from producer.processes import wait_until
from worker.operations.examples import EXAMPLES
from worker.store import TaskStatus


def run(quick: bool = False) -> dict[str, Any]:
    tasks = 8 if quick else 16
    with stack() as s:
        s.configure_sandbox(latency=1.5, gong_per_second=1000)
        settings = s.settings(gong_rate_per_second=1000.0, gong_rate_burst=1000.0)
        _survivor, victim = s.start_workers(settings, 2, concurrency=4, prefix="recovery-")
        client = GongqClient(settings, source="bench")
        ids = [client.enqueue("list_users", EXAMPLES["list_users"]).task_id for _ in range(tasks)]

        def statuses() -> Counter[TaskStatus]:
            return Counter(client.status(t).status for t in ids)

        wait_until(lambda: statuses()[TaskStatus.RUNNING] >= 6, 60, "tasks running on both workers")
        victim_pid = s.processes.child(victim).pid
        on_victim = sum(1 for t in ids if (client.status(t).runner or "").endswith(f":{victim_pid}"))
        s.processes.kill(victim)
        killed = time.monotonic()
        deadline = 300
        wait_until(
            lambda: statuses()[TaskStatus.SUCCEEDED] == tasks, deadline, "every task to succeed", interval=0.5
        )
        recovery = time.monotonic() - killed
        events = {t: [e.fields["event"] for e in client.audit.events(t)] for t in ids}
    return {
        "tasks": tasks,
        "running_on_killed_worker": on_victim,
        "recovery_seconds": round(recovery, 1),
        "recovered_by_sweeper": sum(1 for ev in events.values() if "recovered" in ev),
        "lost": sum(1 for ev in events.values() if "succeeded" not in ev),
        "run_twice": sum(1 for ev in events.values() if ev.count("succeeded") > 1),
        "settings": {"lost_after_seconds": 60, "sweep_interval_seconds": 10, "heartbeat_seconds": 5},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(parser.parse_args(argv).quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
