"""Model requests and tokens per typed task, per executor and operation.

Standalone: ``.venv/bin/python -m benchmarks.bench_model_requests [--repeat N]``.
One worker, model latency 0, Gong limit lifted; each operation runs alone (one task at a time)
so every /v1/responses request and Gong request in the sandbox logs between two tasks belongs to
that task. Measured per operation: /v1/responses requests, input/output tokens as the sandbox
model reports them in ``usage``, prompt characters and Gong requests. The hosted executor takes 2
model requests per typed task: the first proposes the tool call, the pin guard approves it, the
second runs it (a security requirement: one request would need ``require_approval: "never"``,
and then nothing checks the model's arguments before Gong). The client executor takes 1: the
model asks for the call, the worker runs it (guarded) over MCP and the run stops at its result,
so Gong's answer is never sent to the model; goal ≤ 1,000 input tokens per typed task.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from benchmarks.bench_saturation import payload
from benchmarks.common import enqueue_and_wait, fresh_key, new_run_id, stack
from producer.client import GongqClient, TaskRequest

EXECUTORS = ("hosted", "client")
OPERATIONS = [
    "list_users",
    "get_user",
    "get_call_details",
    "create_meeting",
    "set_call_access",
    "erase_email",
]


def measure(executor: str, times: int) -> dict[str, Any]:
    """Per-operation figures for one executor, on a stack (sandbox, Redis, worker) of its own."""
    per_op: dict[str, Any] = {}
    with stack() as s:
        s.configure_sandbox(latency=0.0, gong_per_second=1000.0)
        settings = s.settings(gong_rate_per_second=1000.0, gong_rate_burst=1000.0, executor=executor)
        s.start_workers(settings, 1, 2, prefix=f"model-{executor}")
        client = GongqClient(settings, source="bench")
        run_id = new_run_id()
        seq = 0
        for op in OPERATIONS:
            samples = []
            for _ in range(times):
                model_before, gong_before = len(s.openai_log()), len(s.gong_log())
                seq += 1
                ids, _ = enqueue_and_wait(
                    client, [TaskRequest(op, payload(op, seq), fresh_key(run_id, seq))], 120
                )
                model = s.openai_log()[model_before:]
                samples.append(
                    {
                        "status": client.status(ids[0]).status.value,
                        "model_requests": len(model),
                        "input_tokens": sum(r["usage"]["input_tokens"] for r in model),
                        "output_tokens": sum(r["usage"]["output_tokens"] for r in model),
                        "prompt_chars": sum(r["prompt_chars"] for r in model),
                        "gong_requests": len(s.gong_log()) - gong_before,
                    }
                )
            per_op[op] = {
                "statuses": sorted({x["status"] for x in samples}),
                **{k: round(sum(x[k] for x in samples) / times, 1) for k in samples[0] if k != "status"},
            }
    requests = [v["model_requests"] for v in per_op.values()]
    tokens = [v["input_tokens"] + v["output_tokens"] for v in per_op.values()]
    return {
        "operations": per_op,
        "model_requests_per_task_min": min(requests),
        "model_requests_per_task_max": max(requests),
        "tokens_per_task_mean": round(sum(tokens) / len(tokens), 1),
    }


def run(quick: bool = False, repeat: int | None = None) -> dict[str, Any]:
    """Per-executor, per-operation request and token counts; the figures as a dict."""
    times = repeat or (1 if quick else 2)
    return {"repeat": times, "executors": {executor: measure(executor, times) for executor in EXECUTORS}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
