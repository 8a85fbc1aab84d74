"""Run every benchmark and write benchmarks/results.json and docs/benchmarks.md (``make bench``).

``.venv/bin/python -m benchmarks.run [--quick] [--write]``: the full run always writes both
files; ``--quick`` (small sizes, for development) writes them only with ``--write``. Each goal
counts as missed only when the figure is off by more than the noise allowance (5 %); the exit
status is 1 if any goal is missed. Figures are from a shared 2-core machine on which other test
runs may be going on, so they are noisy; the table says which machine and when.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_cli_startup,
    bench_metrics,
    bench_model_requests,
    bench_overhead,
    bench_recovery,
    bench_saturation,
    bench_scaling,
)
from benchmarks.common import NOISE, stack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> dict[str, Any]:
    """Cores and memory of this machine, as the table reports them."""
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _script(name: str, args: list[str]) -> tuple[int, str, float]:
    """Run one of the older standalone scripts on a private redis-server; (rc, output, seconds)."""
    with stack() as s:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / name),
                "--redis-url",
                s.redis_url.rsplit("/", 1)[0] + "/14",
                *args,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        return done.returncode, (done.stdout + done.stderr).strip(), time.perf_counter() - started


def bulk(quick: bool) -> dict[str, Any]:
    """benchmarks/bench_bulk_erasure.py: an erasure list of 100,000 addresses to queued."""
    rows = 5000 if quick else 100_000
    rc, out, _ = _script("bench_bulk_erasure.py", ["--rows", str(rows)])
    m = re.search(r"in ([\d.]+) s .*peak RSS (\d+) MB", out)
    return {
        "rows": rows,
        "seconds": float(m[1]) if m else None,
        "producer_peak_rss_mib": int(m[2]) if m else None,
        "exit_code": rc,
        "output": out.splitlines()[-1:],
    }


def webhooks(quick: bool) -> dict[str, Any]:
    """benchmarks/bench_webhooks.py: signed HubSpot batches, open loop at 200 requests/s."""
    seconds = 3 if quick else 30
    rc, out, _ = _script("bench_webhooks.py", ["--rate", "200", "--seconds", str(seconds)])
    m = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms, non-2xx (\d+)", out)
    return {
        "rate": 200,
        "seconds": seconds,
        "p50_ms": float(m[1]) if m else None,
        "p99_ms": float(m[2]) if m else None,
        "max_ms": float(m[3]) if m else None,
        "non_2xx": int(m[4]) if m else None,
        "exit_code": rc,
        "output": out.splitlines()[-1:],
    }


BENCHES: dict[str, Callable[[bool], dict[str, Any]]] = {
    "saturation": bench_saturation.run,
    "saturation_client": bench_saturation.run_client,
    "overhead": bench_overhead.run,
    "model_requests": bench_model_requests.run,
    "bulk": bulk,
    "webhooks": webhooks,
    "scaling": bench_scaling.run,
    "recovery": bench_recovery.run,
    "metrics": bench_metrics.run,
    "cli_startup": bench_cli_startup.run,
}


def verdict(value: float | None, goal: float, kind: str) -> str:
    """'met', 'met (within noise)' or 'not met' for a ≥ / ≤ / = goal with the noise allowance."""
    if value is None:
        return "not met"
    if kind == ">=":
        return (
            "met" if value >= goal else "met (within 5% noise)" if value >= goal * (1 - NOISE) else "not met"
        )
    if kind == "<=":
        return (
            "met" if value <= goal else "met (within 5% noise)" if value <= goal * (1 + NOISE) else "not met"
        )
    return "met" if value == goal else "not met"


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark figure, measured, goal, status) for the table; status 'info' has no goal."""
    out: list[tuple[str, str, str, str]] = []

    def add(
        name: str,
        value: float | None,
        fmt: str,
        goal: float | None = None,
        kind: str = "",
        goal_text: str = "",
    ) -> None:
        shown = "error" if value is None else fmt.format(value)
        if goal is None:
            out.append((name, shown, goal_text or "—", "info"))
        else:
            out.append(
                (
                    name,
                    shown,
                    goal_text or f"{kind.replace('>=', '≥').replace('<=', '≤')} {goal:g}",
                    verdict(value, goal, kind),
                )
            )

    for key in ("saturation", "saturation_client"):
        if not (s := results.get(key)):
            continue
        executor = s.get("executor", "hosted")
        head = (
            f"Saturation, {executor} executor ({s['tasks']} mixed tasks, {s['workers']} workers x "
            f"{s['concurrency']} threads, model {s['model_latency_s']:g} s)"
        )
        short = f"Saturation, {executor}"
        add(f"{head}: Gong requests/s, middle 80 %", s["gong_requests_per_second"], "{:.2f}", 2.97, ">=")
        add(f"{short}: Gong 429 answers", s["gong_429"], "{:d}", 0, "=")
        add(f"{short}: peak worker RSS total (MiB)", s["worker_peak_rss_mib"], "{:.0f}", 1024, "<=")
        add(f"{short}: model requests per task", s["model_requests_total"] / s["tasks"], "{:.2f}")
        add(f"{short}: tasks/s", s["tasks_per_second"], "{:.2f}")
        add(f"{short}: tasks not succeeded", s["tasks"] - s["statuses"].get("succeeded", 0), "{:d}")
    if o := results.get("overhead"):
        head = f"Overhead ({o['tasks']} list_users, concurrency {o['concurrency']}, model 0 s, Gong 1000/s)"
        add(f"{head}: throughput gongq/bare Celery", o["throughput_ratio"], "{:.3f}", 0.5, ">=")
        for side in ("gongq", "bare_celery"):
            f = o[side]
            add(f"Overhead: {side} tasks/s", f["tasks_per_second"], "{:.1f}")
            add(
                f"Overhead: {side} enqueue→result p50 / p99 (ms)",
                f["latency_p50_s"] * 1000,
                "{:.0f}" + f" / {f['latency_p99_s'] * 1000:.0f}",
            )
    if m := results.get("model_requests"):
        #: executor → (requests goal, its text); the client's input tokens must stay ≤ 1,000.
        goals = {
            "hosted": (2.0, "= 2 (the pin guard's approval is the second request)"),
            "client": (1.0, "= 1"),
        }
        for executor, figures in m["executors"].items():
            goal, goal_text = goals[executor]
            for op, f in figures["operations"].items():
                add(
                    f"Model requests per task, {executor} executor: {op}",
                    f["model_requests"],
                    "{:g}" + f" ({f['gong_requests']:g} Gong req.)",
                    goal,
                    "=",
                    goal_text,
                )
                add(
                    f"Input / output tokens per task, {executor} executor: {op}",
                    f["input_tokens"],
                    "{:g}" + f" / {f['output_tokens']:g}",
                    *((1000.0, "<=", "input ≤ 1,000") if executor == "client" else (None, "", "")),
                )
    if b := results.get("bulk"):
        add(f"Bulk erasure list: {b['rows']:,} addresses to queued (s)", b["seconds"], "{:.2f}", 20, "<=")
        add("Bulk erasure list: producer peak RSS (MiB)", b["producer_peak_rss_mib"], "{:d}")
    if w := results.get("webhooks"):
        add(f"Webhooks ({w['rate']}/s for {w['seconds']} s): p99 (ms)", w["p99_ms"], "{:.1f}", 20, "<=")
        add("Webhooks: p50 (ms)", w["p50_ms"], "{:.1f}")
        add("Webhooks: non-2xx answers", w["non_2xx"], "{:d}", 0, "=")
    if sc := results.get("scaling"):
        for r in sc["runs"]:
            head = (
                f"Scaling ({sc['tasks_per_run']} tasks, {sc['concurrency']} threads/worker, "
                f"model {sc['model_latency_s']:g} s, Gong 50/s): {r['workers']} worker(s)"
            )
            add(f"{head} Gong requests/s (whole run)", r["gong_requests_per_second"], "{:.2f}")
            add(f"{head} tasks/s", r["tasks_per_second"], "{:.2f}")
    if mt := results.get("metrics"):
        head = f"Metrics with {mt['records']:,} task records"
        add(f"{head}: scrape p50 (ms)", mt["scrape_p50_ms_with_records"], "{:.1f}", 50, "<=")
        add(
            f"{head}: Redis commands per scrape beyond those with 0 records",
            mt["redis_commands_per_scrape_with_records"] - mt["redis_commands_per_scrape_empty"],
            "{:d}" + f" ({mt['redis_commands_per_scrape_with_records']} in all)",
            0,
            "=",
        )
        hammered, alone = mt["webhooks_with_scrapers"], mt["webhooks_alone"]
        load = f"{mt['scrapers']} scrapers every {mt['scrape_interval_seconds']:g} s"
        versus = f" (alone {alone['p50_ms']:.1f}; p99 {hammered['p99_ms']:.1f} vs {alone['p99_ms']:.1f})"
        add(
            f"Webhooks ({mt['webhooks_rate']:g}/s) p50 while {load} (ms)",
            hammered["p50_ms"],
            "{:.1f}" + versus,
            20,
            "<=",
        )
        add(f"Webhooks while {load}: non-2xx answers", hammered["non_2xx"], "{:d}", 0, "=")
    if cli := results.get("cli_startup"):
        floor = cli["python_c_pass_s"]
        add(f"CLI start-up: python -c pass, the floor (s, median of {cli['runs']})", floor, "{:.3f}")
        for command, seconds in cli["commands_s"].items():
            add(
                f"CLI start-up: {command} (s, start to exit)",
                seconds,
                "{:.3f}" + f" ({seconds / floor:.0f}x the floor)",
                cli["goal_s"],
                "<=",
            )
    if rc := results.get("recovery"):
        head = f"Worker SIGKILL ({rc['tasks']} tasks, default sweep settings)"
        add(f"{head}: seconds until all succeeded", rc["recovery_seconds"], "{:.0f}", 120, "<=")
        add(f"{head}: tasks lost", rc["lost"], "{:d}", 0, "=")
        add(f"{head}: tasks run twice", rc["run_twice"], "{:d}", 0, "=")
        add(f"{head}: tasks running on the killed worker", rc["running_on_killed_worker"], "{:d}")
        add(f"{head}: tasks put back by the sweeper", rc["recovered_by_sweeper"], "{:d}")
    return out


def markdown(results: dict[str, Any], table: list[tuple[str, str, str, str]], total_s: float) -> str:
    mc = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`benchmarks/run.py`); do not edit by hand.",
        "",
        f"Machine: {mc['cpu_count']} cores, {mc['memory_gib']} GiB memory, Python {mc['python']}; "
        f"run {mc['date']}, {total_s / 60:.1f} min in total"
        + (" — QUICK MODE (small sizes; not representative)" if results["quick"] else "")
        + ".",
        "The machine is shared with other engineers' test runs, so figures are noisy. A goal is missed",
        f"only when the figure is off by more than {NOISE:.0%}. Raw figures: `benchmarks/results.json`.",
        "",
        "| Benchmark / figure | Measured | Goal | Status |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table],
        "",
        "Notes:",
        "- Gong requests/s are counted from the sandbox's Gong request log, over the middle 80 % of the",
        "  span of requests (ramp-up and ramp-down excluded); tasks/s is enqueue of the first task to",
        "  the last result. Peak RSS is the sum of VmHWM of the worker processes and their children.",
        "- The hosted executor takes 2 /v1/responses requests per typed task: the first proposes the",
        "  tool call, the pin guard approves it, the second runs it. One request would need",
        "  `require_approval: never`, and then nothing would check the model's arguments before Gong.",
        "  Its output tokens include the `mcp_call` item carrying Gong's answer (the sandbox bills",
        "  every output item). The client executor takes 1: the model calls the planned tool, the",
        "  worker runs it (guarded) and the run stops at the result, so Gong's answer never goes to",
        "  the model; the tool is offered without the server's prose (~4,400 characters less).",
        "- The overhead baseline is `benchmarks/bare_celery.py`: one Celery task doing the same",
        "  `GET /v2/users` with httpx and Basic auth, same Redis, same thread concurrency.",
        "  gongq's side also pays for the stand-ins of OpenAI and Composio on the same 2 cores: per",
        "  task, measured with 300 tasks, the worker spent ~31 ms of CPU (two agent turns, MCP",
        "  approval, Redis records, audit chain) and the sandbox ~30 ms (two Responses requests, an",
        "  MCP session, Composio and Gong). Both are single processes near one core each, so the",
        "  0.5 goal is out of reach by design of the agent path, not by queueing overhead.",
        "- Scaling has no goal; it shows where 2 cores stop adding throughput.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes, for development.")
    parser.add_argument("--write", action="store_true", help="Write the outputs in quick mode too.")
    parser.add_argument("--only", nargs="*", choices=list(BENCHES), help="Run only these benchmarks.")
    parser.add_argument(
        "--render", action="store_true", help="Only rewrite docs/benchmarks.md from benchmarks/results.json."
    )
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(RESULTS.read_text())
        DOC.write_text(markdown(saved, rows(saved), float(saved["total_seconds"])))
        print(f"wrote {DOC.relative_to(ROOT)} from {RESULTS.relative_to(ROOT)}")
        return 0

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "seconds": {}}
    for name, bench in BENCHES.items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        print(f"== {name} ...", flush=True)
        try:
            results[name] = bench(args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            results[name + "_error"] = f"{type(exc).__name__}: {exc}"
            print(f"   {name} failed: {exc}", flush=True)
        results["seconds"][name] = round(time.perf_counter() - t0, 1)
        print(f"   {name}: {results['seconds'][name]} s", flush=True)
    total = time.perf_counter() - started
    results["total_seconds"] = round(total, 1)
    table = rows(results)
    results["table"] = [dict(zip(("figure", "measured", "goal", "status"), r, strict=True)) for r in table]
    errors = [k for k in results if k.endswith("_error")]
    doc = markdown(results, table, total)
    if errors:
        doc += "\nErrors: " + "; ".join(f"{k}: {results[k]}" for k in errors) + "\n"
    print(doc)
    if not args.quick or args.write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        DOC.write_text(doc)
        print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    missed = [r[0] for r in table if r[3] == "not met"]
    if missed or errors:
        print("goals missed: " + "; ".join(missed + errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
