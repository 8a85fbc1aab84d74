"""The baseline of the overhead benchmark: a bare Celery task making the same Gong call.

One Celery app on the benchmark's Redis (``BARE_REDIS_URL``), one task that does
``GET {BARE_GONG_BASE_URL}/v2/users`` with httpx and the sandbox company's Basic-auth
credentials (:class:`sandbox.config.SandboxConfig` defaults) and returns when it finished. No
task record, audit event, rate limiter, agent, Tool Router or model: whatever gongq costs on top
of this is its overhead. Started by ``bench_overhead`` as
``python -m celery -A benchmarks.bare_celery worker --pool=threads -Q bare``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from celery import Celery

from sandbox.config import SandboxConfig

QUEUE = "bare"
TASK_NAME = "bare.list_users"

_config = SandboxConfig()
app = Celery(
    "bare",
    broker=os.environ.get("BARE_REDIS_URL", "redis://127.0.0.1:6379/15"),
    backend=os.environ.get("BARE_REDIS_URL", "redis://127.0.0.1:6379/15"),
)
app.conf.update(
    task_default_queue=QUEUE, task_acks_late=True, worker_prefetch_multiplier=1, result_expires=3600
)
_gong = httpx.Client(
    base_url=os.environ.get("BARE_GONG_BASE_URL", "http://127.0.0.1:8765"),
    auth=(_config.gong_access_key, _config.gong_access_key_secret),
    timeout=30,
    limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
)


@app.task(name=TASK_NAME)
def list_users() -> dict[str, Any]:
    """The same Gong request gongq's list_users makes; the finish time is the result."""
    answer = _gong.get("/v2/users")
    answer.raise_for_status()
    return {"users": len(answer.json().get("users", [])), "finished_at": time.time()}
