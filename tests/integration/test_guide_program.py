"""Composio's integration-guide program, unmodified, answers against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GUIDE = Path(__file__).resolve().parents[2] / "examples" / "gong_agent_chat.py"


def test_unmodified_guide_program_lists_the_simulated_users(sandbox_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"{sandbox_url}/v1",
        "COMPOSIO_BASE_URL": sandbox_url,
        "OPENAI_API_KEY": "sk-placeholder",
        "COMPOSIO_API_KEY": "placeholder",
        "USER_ID": "guide-user",
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
    }
    done = subprocess.run(
        [sys.executable, str(GUIDE)],
        input="list all users\nexit\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{sandbox_url}/tool_router/trs_" in done.stdout
    answer = done.stdout.split("You: ", 1)[1]
    for person in (
        "Dana Lee <dana.lee@acme-robotics.example>",
        "Aisha Khan <aisha.khan@acme-robotics.example>",
    ):
        assert person in answer
    assert "Found 12 users" in answer
    assert "Goodbye!" in done.stdout
