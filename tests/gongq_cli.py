"""Running the real ``gongq`` command (``python -m producer``) with a test's settings."""

from __future__ import annotations

import os
import subprocess
import sys

from worker.settings import Settings, settings_env


def run_gongq(
    settings: Settings, *args: str, stdin: str = "", timeout: float = 180, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """``gongq ARGS`` as a user runs it, configured only through the environment (a wide
    terminal, so Rich does not wrap what the test reads)."""
    env = {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "producer", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
