"""`gongq ask` as a user scripts it (stdin piped, --json), and `gongq ops --json`."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.processes import Processes
from tests.gongq_cli import run_gongq
from worker.keys import Keys
from worker.ledger import ErasureLedger
from worker.settings import Settings, settings_env
from worker.store import TaskStatus

pytestmark = pytest.mark.e2e

GUIDE_REQUESTS = [
    "Create a new Gong meeting with my team",
    "List user activity statistics for last week",
    "Add call recording media to a specific call",
    "Show all contacts linked to this phone number",
    "+1 415 555 0123",
]


def gongq(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_gongq(settings, *args, stdin=stdin)


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
    settings: Settings, sandbox: httpx.Client, worker: Processes, client: GongqClient
) -> None:
    meeting, stats, media, phone_question, phone = ask(settings, *GUIDE_REQUESTS, extra=("--allow-writes",))
    # The chat does not create the meeting: it enqueues a typed task, which a worker runs.
    [task] = meeting["enqueued"]
    assert task["operation"] == "create_meeting" and task["task_id"] in meeting["answer"]
    record = client.wait(task["task_id"], timeout=60)
    assert record.status is TaskStatus.SUCCEEDED and record.source == "chat", record.error
    # The owner's (Dana Lee's) direct reports are invited, and Gong created the meeting.
    created = [
        r for r in sandbox.get("/_sandbox/gong/requests").json()["requests"] if r["path"] == "/v2/meetings"
    ]
    assert [r["json"]["organizerEmail"] for r in created] == ["dana.lee@acme-robotics.example"]
    assert {i["email"] for i in created[0]["json"]["invitees"]} >= {"omar.haddad@acme-robotics.example"}
    assert [e.fields["event"] for e in client.audit.events(task["task_id"])][:1] == ["queued"]
    # Last week's statistics come from the seeded calls of that week.
    assert "dana.lee@acme-robotics.example" in stats["answer"] and "calls hosted" in stats["answer"]
    assert "GONG_AGGREGATE_USER_ACTIVITY_STATISTICS" in json.dumps(stats["tools_used"])
    # Adding media needs a call and a file: the assistant lists recent calls and says how.
    assert "7782342274025937819" in media["answer"] and "add_call_media" in media["answer"]
    # "this phone number" is unknown until the user gives it; then the contact is found.
    assert "phoneNumber" in phone_question["answer"]
    assert "Jamie Rivera" in phone["answer"] and "+14155550123" in phone["answer"]
    assert all(turn["error"] is None for turn in (meeting, stats, media, phone_question, phone))


def test_a_write_the_chat_proposes_is_refused_without_allow_writes_and_nothing_is_enqueued(
    settings: Settings, sandbox: httpx.Client
) -> None:
    (meeting,) = ask(settings, GUIDE_REQUESTS[0])
    assert meeting["enqueued"] == [] and meeting["refused"], meeting
    requests = sandbox.get("/_sandbox/gong/requests").json()["requests"]
    assert not [r for r in requests if r["path"] == "/v2/meetings"]


def test_an_erasure_confirmed_in_the_chat_becomes_a_task_with_ledger_entry_and_audit(
    settings: Settings, sandbox: httpx.Client, worker: Processes, client: GongqClient
) -> None:
    """At a terminal (a pty), the person says yes: the chat enqueues erase_email, a worker runs it."""
    address = "jamie.rivera@northwind.example"
    transcript = chat_at_terminal(settings, f"Erase all data for {address}", answer="y")
    assert "DELETES data in Gong" in transcript and "Enqueue it as a gongq task?" in transcript
    match = re.search(r"enqueued erase_email as task ([0-9a-f]{32})", transcript)
    assert match is not None, transcript
    record = client.wait(match.group(1), timeout=60)
    assert record.status is TaskStatus.SUCCEEDED and record.source == "chat", record.error
    events = [e.fields["event"] for e in client.audit.events(record.id)]
    assert events[0] == "queued" and "succeeded" in events
    redis_client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    ledger = ErasureLedger(redis_client, Keys(settings.key_prefix), client.store, settings)
    assert ledger.get(ledger.token(address)) is not None
    # The chat itself sent nothing to Gong's erasure endpoint; only the worker's task did.
    erasures = [
        r for r in sandbox.get("/_sandbox/gong/requests").json()["requests"] if "erase-data" in r["path"]
    ]
    assert len(erasures) == 1


def chat_at_terminal(settings: Settings, line: str, answer: str) -> str:
    """Run `gongq ask` on a pseudo-terminal: type ``line``, answer the confirmation, then quit."""
    controller, terminal = pty.openpty()
    env = {**os.environ, **settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "producer", "ask"], stdin=terminal, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    seen = ""
    try:
        for expected, reply in (("You: ", line), ("[y/N] ", answer), ("You: ", "quit")):
            seen = _read_until(controller, seen, expected)
            os.write(controller, f"{reply}\n".encode())
        process.wait(timeout=60)
        seen = _read_until(controller, seen, None)
    finally:
        process.kill()
        os.close(controller)
    return seen


def _read_until(fd: int, seen: str, expected: str | None, timeout: float = 90) -> str:
    """Read the terminal until ``expected`` appears after what was seen (or until it closes)."""
    start = len(seen)
    deadline = time.monotonic() + timeout
    while expected is None or expected not in seen[start:]:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            if expected is None:
                return seen
            raise AssertionError(f"no {expected!r} on the terminal in {timeout} s: {seen[-2000:]}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the process closed the terminal
            chunk = b""
        if not chunk:
            if expected is None:
                return seen
            raise AssertionError(f"terminal closed before {expected!r}: {seen[-2000:]}")
        seen += chunk.decode(errors="replace")
    return seen


def test_conversation_history_is_kept_in_redis_per_conversation_id(settings: Settings) -> None:
    ask(settings, "hello", extra=("--conversation", "conv-history-test"))
    ask(settings, "list all users", extra=("--conversation", "conv-history-test"))
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    messages = client.lrange(f"{settings.key_prefix}:conversation:conv-history-test:messages", 0, -1)
    user_turns = [json.loads(m)["content"] for m in messages if json.loads(m).get("role") == "user"]
    assert user_turns == ["hello", "list all users"]


def test_a_conversation_expires_after_the_chat_history_ttl(settings: Settings) -> None:
    short = settings.model_copy(update={"chat_history_ttl_seconds": 120})
    ask(short, "list all users", extra=("--conversation", "conv-ttl-test"))
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    keys = list(client.scan_iter(f"{settings.key_prefix}:conversation:conv-ttl-test*"))
    assert keys and all(0 < client.ttl(key) <= 120 for key in keys)


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
