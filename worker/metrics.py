"""Operational metrics of gongq, read from Redis at scrape time (``GET /metrics``).

Everything an operator needs to see whether gongq keeps up lives in Redis: the Celery queue
lists, the dead, deferred, parked and open sets, the rate limiter's daily counter. So the
metrics are read from there when Prometheus scrapes, not kept in process memory: any number of
workers and webhook replicas report one consistent picture, and a restart loses nothing.

A scrape costs a fixed number of Redis commands, whatever the number of tasks: it never reads
a task record. Counting tasks by status from the records (up to 50,000 HMGETs per scrape) made
eight scrapers push webhook latency from 31 to 517 ms. Instead, every status change counts
itself where it is written (``worker.store``: the create script and ``queue_statuses``, the one
path every status write takes) in one hash, reported as ``gongq_task_status_changes_total``;
how many tasks wait in each set now are ZCARDs. The other counter kept just for metrics is the
model-token tally (:func:`record_model_usage`), because tokens are not recorded anywhere else.

The text is Prometheus' exposition format 0.0.4, written here rather than with a client library:
it is a few lines, and it keeps the webhook service free of a dependency and of global state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import redis

from worker.keys import Keys
from worker.operations import CATALOG, Lane
from worker.settings import Settings

#: Content-Type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

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


def status_changes(counts: Mapping[str, str]) -> dict[tuple[str, str], int]:
    """(status, operation) → times a task entered that status, from the store's counter hash
    (``Keys.status_changes``: at most statuses x operations fields, however many tasks)."""
    changes: dict[tuple[str, str], int] = {}
    for name, count in counts.items():
        status, _, operation = name.partition(":")
        changes[(status, operation)] = int(count)
    return changes


def _lane_of(operation: str) -> str:
    op = CATALOG.get(operation)
    return op.lane.value if op is not None else "unknown"


def collect(client: redis.Redis[str], keys: Keys, settings: Settings) -> list[Metric]:
    """Every gongq metric, read from Redis now, in a fixed number of commands (no task record)."""
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
    pipe.zcard(keys.parked)
    pipe.zcard(keys.needs_review)
    pipe.zcard(keys.open)
    pipe.zcard(keys.tasks_by_time)
    pipe.hgetall(model_tokens_key(keys))
    pipe.hgetall(keys.status_changes)
    dead, deferred, parked, needs_review, open_tasks, recorded, usage, changes = pipe.execute()
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
    metrics.append(
        Metric(
            "gongq_parked_tasks",
            "Tasks parked until their cause clears (no Gong connection, a refused key).",
            "gauge",
            (Sample(int(parked)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_needs_review_tasks",
            "Writes whose outcome could not be judged, waiting for an operator (gongq retry --force).",
            "gauge",
            (Sample(int(needs_review)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_open_tasks",
            "Unfinished tasks: queued, running, retrying or deferred.",
            "gauge",
            (Sample(int(open_tasks)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_tasks_recorded",
            "Task records listed in Redis (all time); its increase is the rate tasks are created.",
            "gauge",
            (Sample(int(recorded)),),
        )
    )
    metrics.append(
        Metric(
            "gongq_task_status_changes_total",
            "Times a task entered each status, by operation and lane: a creation enters queued, "
            "every attempt start enters running, a retry, deferral or dead letter its status.",
            "counter",
            tuple(
                Sample(count, {"status": status, "operation": operation, "lane": _lane_of(operation)})
                for (status, operation), count in sorted(status_changes(changes).items())
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
