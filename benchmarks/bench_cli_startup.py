"""How long each producer-side ``gongq`` command takes, start to exit, vs. ``python -c pass``.

Standalone: ``.venv/bin/python -m benchmarks.bench_cli_startup [--runs N]``. Each command runs
``runs`` times as a fresh process (the installed ``gongq`` console script, as a user types it)
against a private Redis; the figure is the median wall time, and the goal is ≤ 0.5 s for each.
The commands do their real work: ``enqueue`` writes a task (no worker runs it), ``status``,
``batch``, ``retry`` and ``audit`` read it back, so the time includes settings, the Redis
round trips and the output, not only imports. ``python -c pass`` on the same interpreter is the
floor no command can go under.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import stack
from worker.settings import settings_env

GOAL_SECONDS = 0.5
GONGQ = str(Path(sys.executable).parent / "gongq")


def _timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall seconds of ``runs`` fresh runs of ``argv`` (each must exit 0 or 1 as expected)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1) or "Traceback" in done.stderr:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}")
    return statistics.median(times)


def run(quick: bool = False, runs: int | None = None) -> dict[str, Any]:
    """Median seconds per command; the commands run against a private Redis (no worker)."""
    n = runs or (3 if quick else 15)
    with stack() as s:
        settings = s.settings(key_prefix="cli-bench")
        env = {**os.environ, **settings_env(settings), "COLUMNS": "120"}
        enqueued = subprocess.run(
            [GONGQ, "enqueue", "list_users", "--json"], env=env, capture_output=True, text=True, check=True
        )
        task_id = json.loads(enqueued.stdout)["id"]
        commands: dict[str, list[str]] = {
            "gongq --help": ["--help"],
            "gongq ops": ["ops"],
            "gongq ops add_call": ["ops", "add_call"],
            "gongq enqueue list_users": ["enqueue", "list_users"],
            "gongq status ID": ["status", task_id],
            "gongq retry ID (refused: not dead)": ["retry", task_id],
            "gongq audit --task ID": ["audit", "--task", task_id],
            "gongq batch ID (unknown batch)": ["batch", "no-such-batch"],
            "gongq enqueue --help": ["enqueue", "--help"],
        }
        floor = _timed([sys.executable, "-c", "pass"], env, n)
        seconds = {name: _timed([GONGQ, *argv], env, n) for name, argv in commands.items()}
    return {"runs": n, "python_c_pass_s": floor, "commands_s": seconds, "goal_s": GOAL_SECONDS}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    figures = run(runs=args.runs)
    print(f"python -c pass: {figures['python_c_pass_s']:.3f} s (median of {figures['runs']})")
    for name, value in figures["commands_s"].items():
        print(f"{name}: {value:.3f} s")
    return 0 if all(v <= GOAL_SECONDS for v in figures["commands_s"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
