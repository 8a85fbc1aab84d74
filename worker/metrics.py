"""Operational metrics of gongq, read from Redis at scrape time (``GET /metrics``).

Everything an operator needs to see whether gongq keeps up already lives in Redis: the Celery
queue lists, the dead and deferred sets, the task records, the rate limiter's daily counter. So
the metrics are computed from there when Prometheus scrapes, not kept in process memory: any
number of workers and webhook replicas report one consistent picture, and a restart loses
nothing. The only counter gongq keeps just for metrics is the model-token tally
(:func:`record_model_usage`), because tokens are not recorded anywhere else.

The text is Prometheus' exposition format 0.0.4, written here rather than with a client library:
it is a few lines, and it keeps the webhook service free of a dependency and of global state.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import redis

from worker.keys import Keys
from worker.operations import CATALOG, Lane
from worker.settings import Settings
from worker.store import TaskStatus

#: Content-Type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: The task scan reads at most this many of the newest task records per scrape. Counting by status
#: and operation needs each record's fields; a bounded scan (pipelined HMGETs, ~0.7 s per 50,000)
#: keeps a scrape cheap for Redis and for the scraper. ``gongq_tasks_scanned`` below
#: ``gongq_tasks_recorded`` says the counts cover only the newest tasks.
TASK_SCAN_LIMIT = 50_000

#: Task records fetched per pipeline round trip during the scan.
_SCAN_CHUNK = 1_000

#: kombu's Redis transport keeps a queue's prioritised messages in sibling lists
#: ``<queue>\x06\x16<step>`` (default steps 0, 3, 6, 9; step 0 is the bare queue name).
_KOMBU_PRIORITY_SEP = "\x06\x16"
_KOMBU_PRIORITY_STEPS = (3, 6, 9)

MetricType = Literal["gauge", "counter"]


@dataclass(frozen=True)
class Sample:
    """One value of a metric, with its labels."""

    value: float
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Metric:
    """One metric family: its name (``gongq_``-prefixed), help text, type and samples."""

    name: str
    help: str
    type: MetricType
    samples: tuple[Sample, ...]


def model_tokens_key(keys: Keys) -> str:
    """Hash (input, output, requests): model usage summed over every agent run of every worker."""
    return f"{keys.prefix}:stats:model_tokens"


def record_model_usage(
    client: redis.Redis[str], keys: Keys, input_tokens: int, output_tokens: int, *, requests: int = 0
) -> None:
    """Add one agent run's token usage to the shared tally that ``/metrics`` reports.

    Called by the worker after each run (tokens are what an OpenAI bill is made of, and nothing
    else records them). HINCRBY is atomic, so any number of workers can add at once.
    """
    pipe = client.pipeline(transaction=False)
    key = model_tokens_key(keys)
    if input_tokens:
        pipe.hincrby(key, "input", int(input_tokens))
    if output_tokens:
        pipe.hincrby(key, "output", int(output_tokens))
    if requests:
        pipe.hincrby(key, "requests", int(requests))
    pipe.execute()


def queue_depth(client: redis.Redis[str], queue: str) -> int:
    """Messages waiting in one Celery queue (all of kombu's priority lists of it)."""
    pipe = client.pipeline(transaction=False)
    pipe.llen(queue)
    for step in _KOMBU_PRIORITY_STEPS:
        pipe.llen(f"{queue}{_KOMBU_PRIORITY_SEP}{step}")
    return sum(int(n) for n in pipe.execute())


def _utc_date(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_seconds))


def gong_requests_today(client: redis.Redis[str], keys: Keys) -> int:
    """Gong requests the global limiter granted today, by Redis's clock as the limiter counts them."""
    seconds, _ = client.time()
    return int(client.get(keys.ratelimit_day(_utc_date(int(seconds)))) or 0)


@dataclass
class TaskScan:
    """Counts from the newest task records (see :data:`TASK_SCAN_LIMIT`)."""

    scanned: int = 0
    by_status_operation: Counter[tuple[str, str]] = field(default_factory=Counter)
    retries_by_operation: Counter[str] = field(default_factory=Counter)


def scan_tasks(client: redis.Redis[str], keys: Keys, limit: int = TASK_SCAN_LIMIT) -> TaskScan:
    """Read status, operation and attempts of the newest ``limit`` task records.

    Only these three fields are read: never the payload, so the metrics path cannot leak it.
    Ids whose record is gone (erased or expired) are skipped.
    """
    scan = TaskScan()
    ids: list[str] = client.zrevrange(keys.tasks_by_time, 0, max(limit, 0) - 1) if limit > 0 else []
    for start in range(0, len(ids), _SCAN_CHUNK):
        pipe = client.pipeline(transaction=False)
        for task_id in ids[start : start + _SCAN_CHUNK]:
            pipe.hmget(keys.task(task_id), ["status", "operation", "attempts"])
        for status, operation, attempts in pipe.execute():
            if status is None or operation is None:
                continue
            scan.scanned += 1
            scan.by_status_operation[(status, operation)] += 1
            try:
                retries = max(int(attempts or 0) - 1, 0)
            except ValueError:
                retries = 0
            if retries:
                scan.retries_by_operation[operation] += retries
    return scan


def _lane_of(operation: str) -> str:
    op = CATALOG.get(operation)
    return op.lane.value if op is not None else "unknown"


def collect(
    client: redis.Redis[str], keys: Keys, settings: Settings, *, scan_limit: int = TASK_SCAN_LIMIT
) -> list[Metric]:
    """Every gongq metric, read from Redis now."""
    started = time.perf_counter()
    metrics: list[Metric] = []

    metrics.append(
        Metric(
            "gongq_queue_depth",
            "Messages waiting in the Celery queue of each lane (not yet taken by a worker).",
            "gauge",
            tuple(Sample(queue_depth(client, lane.value), {"lane": lane.value}) for lane in Lane),
        )
    )

    pipe = client.pipeline(transaction=False)
    pipe.zcard(keys.dead)
    pipe.zcard(keys.deferred)
    pipe.zcard(keys.tasks_by_time)
    pipe.hgetall(model_tokens_key(keys))
    dead, deferred, recorded, usage = pipe.execute()
    metrics.append(
        Metric(
            "gongq_dead_letters",
            "Tasks dead-lettered and waiting for an operator (gongq retry ID / gongq retry --dead).",
            "gauge",
            (Sample(int(dead)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_deferred_tasks",
            "Tasks parked until a later time (Gong's daily budget spent, or a long Retry-After).",
            "gauge",
            (Sample(int(deferred)),),
        )
    )

    scan = scan_tasks(client, keys, scan_limit)
    metrics.append(
        Metric(
            "gongq_tasks_recorded",
            "Task records listed in Redis (all time).",
            "gauge",
            (Sample(int(recorded)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_tasks_scanned",
            f"Newest task records the task counts cover (at most {scan_limit} per scrape).",
            "gauge",
            (Sample(scan.scanned),),
        )
    )
    by_status: Counter[str] = Counter()
    for (status, _operation), count in scan.by_status_operation.items():
        by_status[status] += count
    metrics.append(
        Metric(
            "gongq_tasks_by_status",
            "Scanned tasks by status (every status is reported, zero included).",
            "gauge",
            tuple(Sample(by_status.get(s.value, 0), {"status": s.value}) for s in TaskStatus),
        )
    )
    metrics.append(
        Metric(
            "gongq_tasks",
            "Scanned tasks by status, operation and lane (combinations with no task are omitted).",
            "gauge",
            tuple(
                Sample(count, {"status": status, "operation": operation, "lane": _lane_of(operation)})
                for (status, operation), count in sorted(scan.by_status_operation.items())
            ),
        )
    )
    metrics.append(
        Metric(
            "gongq_task_retries",
            "Attempts beyond the first, summed over the scanned tasks of each operation.",
            "gauge",
            tuple(
                Sample(count, {"operation": operation, "lane": _lane_of(operation)})
                for operation, count in sorted(scan.retries_by_operation.items())
            ),
        )
    )

    used = gong_requests_today(client, keys)
    metrics.append(
        Metric(
            "gongq_gong_daily_budget",
            "Gong requests allowed per UTC day for all workers together (GONGQ_GONG_DAILY_BUDGET).",
            "gauge",
            (Sample(settings.gong_daily_budget),),
        )
    )
    metrics.append(
        Metric(
            "gongq_gong_requests_today",
            "Gong requests the global rate limiter granted since 00:00 UTC.",
            "gauge",
            (Sample(used),),
        )
    )
    metrics.append(
        Metric(
            "gongq_gong_budget_remaining",
            "Gong requests left today before tasks are deferred to the next UTC day.",
            "gauge",
            (Sample(max(settings.gong_daily_budget - used, 0)),),
        )
    )

    metrics.append(
        Metric(
            "gongq_model_tokens_total",
            "Model tokens used by agent runs, by kind (input, output).",
            "counter",
            tuple(Sample(int(usage.get(kind, 0)), {"kind": kind}) for kind in ("input", "output")),
        )
    )
    metrics.append(
        Metric(
            "gongq_model_requests_total",
            "Model (Responses API) requests made by agent runs.",
            "counter",
            (Sample(int(usage.get("requests", 0))),),
        )
    )
    metrics.append(
        Metric(
            "gongq_metrics_collect_seconds",
            "How long reading these metrics from Redis took.",
            "gauge",
            (Sample(time.perf_counter() - started),),
        )
    )
    return metrics


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _format_labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{name}="{_escape_label(str(value))}"' for name, value in labels.items())
    return "{" + inner + "}"


def render(metrics: Iterable[Metric]) -> str:
    """The metrics in Prometheus' text exposition format (HELP and TYPE before each family)."""
    lines: list[str] = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
        lines.append(f"# TYPE {metric.name} {metric.type}")
        for sample in metric.samples:
            lines.append(f"{metric.name}{_format_labels(sample.labels)} {_format_value(sample.value)}")
    return "\n".join(lines) + "\n"
