"""`gongq ask` as a user scripts it (stdin piped, --json), and `gongq ops --json`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from worker.settings import Settings, settings_env

pytestmark = pytest.mark.e2e

GUIDE_REQUESTS = [
    "Create a new Gong meeting with my team",
    "List user activity statistics for last week",
    "Add call recording media to a specific call",
    "Show all contacts linked to this phone number",
    "+1 415 555 0123",
]


def gongq(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "producer", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def ask(settings: Settings, *lines: str, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    done = gongq(settings, "ask", "--json", *extra, stdin="\n".join([*lines, "quit", "never read"]) + "\n")
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_ops_json_lists_53_tool_operations_and_ask(settings: Settings) -> None:
    done = gongq(settings, "ops", "--json")
    assert done.returncode == 0, done.stderr
    operations = json.loads(done.stdout)["operations"]
    assert len(operations) == 54
    typed = [op for op in operations if op["slugs"]]
    assert len(typed) == 53 and len({op["slugs"][0] for op in typed}) == 53
    assert [op["name"] for op in operations if not op["slugs"]] == ["ask"]
    assert all(isinstance(op["example"], dict) for op in typed)
    assert next(op for op in typed if op["name"] == "erase_email")["example"] == {
        "emailAddress": "jamie.rivera@northwind.example"
    }


def test_scripted_chat_answers_the_guides_four_requests_from_gong_data(
    settings: Settings, sandbox: httpx.Client
) -> None:
    meeting, stats, media, phone_question, phone = ask(settings, *GUIDE_REQUESTS, extra=("--allow-writes",))
    # The owner's (Dana Lee's) direct reports are invited, and Gong created the meeting.
    assert "Created Gong meeting" in meeting["answer"] and "Omar Haddad" in meeting["answer"]
    created = [
        r for r in sandbox.get("/_sandbox/gong/requests").json()["requests"] if r["path"] == "/v2/meetings"
    ]
    assert [r["json"]["organizerEmail"] for r in created] == ["dana.lee@acme-robotics.example"]
    assert {i["email"] for i in created[0]["json"]["invitees"]} >= {"omar.haddad@acme-robotics.example"}
    # Last week's statistics come from the seeded calls of that week.
    assert "dana.lee@acme-robotics.example" in stats["answer"] and "calls hosted" in stats["answer"]
    assert "GONG_AGGREGATE_USER_ACTIVITY_STATISTICS" in json.dumps(stats["tools_used"])
    # Adding media needs a call and a file: the assistant lists recent calls and says how.
    assert "7782342274025937819" in media["answer"] and "add_call_media" in media["answer"]
    # "this phone number" is unknown until the user gives it; then the contact is found.
    assert "phoneNumber" in phone_question["answer"]
    assert "Jamie Rivera" in phone["answer"] and "+14155550123" in phone["answer"]
    assert all(turn["error"] is None for turn in (meeting, stats, media, phone_question, phone))


def test_conversation_history_is_kept_in_redis_per_conversation_id(settings: Settings) -> None:
    ask(settings, "hello", extra=("--conversation", "conv-history-test"))
    ask(settings, "list all users", extra=("--conversation", "conv-history-test"))
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    messages = client.lrange(f"{settings.key_prefix}:conversation:conv-history-test:messages", 0, -1)
    user_turns = [json.loads(m)["content"] for m in messages if json.loads(m).get("role") == "user"]
    assert user_turns == ["hello", "list all users"]


def test_sqlite_history_as_in_the_guide(settings: Settings, tmp_path: Path) -> None:
    database = tmp_path / "conversations.db"
    (turn,) = ask(settings, "list all users", extra=("--sqlite", str(database), "-c", "guide"))
    assert "Found 12 users" in turn["answer"]
    with sqlite3.connect(database) as db:
        (count,) = db.execute("select count(*) from agent_messages where session_id = 'guide'").fetchone()
    assert count >= 2


def test_ask_without_a_sandbox_says_how_to_start_one(settings: Settings) -> None:
    from producer.processes import free_port

    nowhere = settings.model_copy(update={"sandbox_url": f"http://127.0.0.1:{free_port()}"})
    done = gongq(nowhere, "ask", stdin="hello\n")
    assert done.returncode == 1
    message = " ".join(done.stderr.split())  # Rich wraps long lines
    assert "start one with `gongq sandbox`" in message and "Traceback" not in message
