"""``gongq demo``: one task of each operation, end to end, on the embedded offline default.

It starts what is not already running (Redis, the sandbox, a worker), enqueues one task per
operation, waits for them with a progress bar, prints a table (or one JSON object) and stops
what it started. The exit code is 0 only if every task succeeded.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from producer.client import Enqueued, GongqClient, TaskRequest
from producer.media_server import serving, tone_wav
from producer.processes import Processes
from worker.settings import Settings
from worker.store import TaskRecord

#: Records of the sandbox's seeded company (sandbox/gong/seed.py) the demo acts on.
DEMO_PRIMARY_USER = "234599484848423"
DEMO_FLOW_ID = "1695493301223590792"
DEMO_FLOW_OWNER = "dana.lee@acme-robotics.example"
DEMO_PROSPECTS = ("0035g00000AbCd001", "0035g00000AbCd002")
DEMO_ERASE_EMAIL = "jamie.rivera@northwind.example"
DEMO_ERASE_PHONE = "+14155550123"

DEMO_TIMEOUT_SECONDS = 180.0


def demo_requests(media_url: str, run_id: str) -> list[TaskRequest]:
    """One task per operation; idempotency keys are per run so a second demo runs again."""
    payloads: list[tuple[str, dict[str, Any]]] = [
        (
            "add_call",
            {
                "title": "Demo discovery call",
                "actual_start": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "primary_user": DEMO_PRIMARY_USER,
                "direction": "Outbound",
                "media_url": media_url,
            },
        ),
        ("erase_email", {"email_address": DEMO_ERASE_EMAIL}),
        ("erase_phone", {"phone_number": DEMO_ERASE_PHONE}),
        (
            "assign_prospects",
            {
                "crm_prospects_ids": list(DEMO_PROSPECTS),
                "flow_id": DEMO_FLOW_ID,
                "flow_instance_owner_email": DEMO_FLOW_OWNER,
            },
        ),
        ("list_users", {}),
        ("ask", {"prompt": "list all users"}),
    ]
    return [TaskRequest(op, payload, idempotency_key=f"demo-{run_id}-{op}") for op, payload in payloads]


def _wait_all(client: GongqClient, enqueued: list[Enqueued], quiet: bool) -> list[TaskRecord]:
    deadline = time.monotonic() + DEMO_TIMEOUT_SECONDS
    console = Console(stderr=True, quiet=quiet)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("demo tasks", total=len(enqueued))
        while True:
            records = [client.status(e.task_id) for e in enqueued]
            done = sum(r.status.is_terminal for r in records)
            progress.update(bar, completed=done)
            if done == len(records) or time.monotonic() >= deadline:
                return records
            time.sleep(0.1)


def _brief(record: TaskRecord) -> str:
    """One line per result: list fields as counts, short scalars as key=value."""
    if record.result is None:
        return record.error or record.status.value
    parts = []
    for key, value in record.result.items():
        if isinstance(value, list):
            parts.append(f"{len(value)} {key.replace('_', ' ')}")
        elif isinstance(value, str):
            first_line = value.splitlines()[0] if value else ""
            parts.append(f"{key}={first_line[:40]}")
    return ", ".join(parts)


def run_demo(settings: Settings, *, as_json: bool = False) -> int:
    """Run the demo; returns the process exit code."""
    console = Console()
    with Processes() as processes, serving(tone_wav()) as media:
        redis_url = processes.ensure_redis(settings.redis_url)
        sandbox_url = processes.ensure_sandbox(settings.sandbox_url)
        effective = settings.model_copy(
            update={
                "redis_url": redis_url,
                "sandbox_url": sandbox_url,
                "sandbox": True,
                "openai_base_url": None,
                "composio_base_url": None,
            }
        )
        processes.start_worker(effective)
        client = GongqClient(effective, source="demo")
        enqueued = client.enqueue_many(demo_requests(media.url, uuid.uuid4().hex[:12]))
        records = _wait_all(client, enqueued, quiet=as_json)
        if any(not r.status.is_terminal for r in records):
            Console(stderr=True).print(f"worker log ({processes.log_dir}):\n{processes.log_tail('worker')}")
    succeeded = sum(r.status.value == "succeeded" for r in records)
    failed = len(records) - succeeded
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "tasks": [
                        {"id": r.id, "operation": r.operation, "status": r.status.value, "result": r.result}
                        for r in records
                    ],
                    "succeeded": succeeded,
                    "failed": failed,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )
    else:
        table = Table(title="gongq demo")
        table.add_column("operation", no_wrap=True)
        table.add_column("status", no_wrap=True)
        # Whole and unwrapped however narrow the terminal: it is what `gongq status` takes.
        table.add_column("task id", no_wrap=True, min_width=len(records[0].id) if records else 32)
        table.add_column("result", overflow="fold")
        for r in records:
            style = "green" if r.status.value == "succeeded" else "red"
            table.add_row(r.operation, f"[{style}]{r.status.value}[/{style}]", r.id, _brief(r))
        console.print(table)
        console.print(f"{succeeded} of {len(records)} tasks succeeded")
    return 0 if failed == 0 else 1
