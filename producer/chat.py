"""``gongq ask``: the integration guide's chat loop, as a command.

The guide keeps each conversation in a SQLiteSession; here the history lives in Redis by
default (the Agents SDK's RedisSession, keyed by conversation id under gongq's prefix) so a
conversation can be continued from any machine, and ``--sqlite PATH`` gives the guide's
behaviour. Lines come from stdin, so a piped script works as well as a terminal.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
from agents import Agent, SQLiteSession
from agents.extensions.memory.redis_session import RedisSession
from agents.memory import Session

from producer.client import GongqClient, InvalidPayload
from worker.agent import ToolAccess, tool_access
from worker.ask_agent import build_ask_agent
from worker.connections import redis_client
from worker.errors import ConfigurationError, GongqError, Retryable
from worker.executor import run_agent
from worker.guard import PinGuard
from worker.keys import Keys
from worker.operations import Operation, OperationKind, get_operation
from worker.ratelimit import GongRateLimiter
from worker.settings import Settings
from worker.toolrouter import ToolRouterSessions
from worker.verdict import judge_free_form

EXIT_WORDS = {"exit", "quit", "q"}
#: Attempts per chat turn when Gong or the model answer 429/5xx.
TURN_ATTEMPTS = 4


@dataclass
class Turn:
    request: str
    answer: str
    tools_used: list[str]
    error: str | None = None
    #: Calls the pin guard refused in this turn (tool and reason, no values).
    refused: list[str] = field(default_factory=list)
    #: Writes the person confirmed, enqueued as typed tasks (operation and task id).
    enqueued: list[dict[str, str]] = field(default_factory=list)


Confirm = Callable[[Operation, dict[str, Any]], bool]


def _scripted_confirm(allow_writes: bool) -> Confirm:
    """No one to ask: writes only when allowed up front, destructive calls never."""

    def confirm(operation: Operation, arguments: dict[str, Any]) -> bool:
        return allow_writes and operation.kind is OperationKind.WRITE

    return confirm


def _terminal_confirm(out: TextIO) -> Confirm:
    """Ask the person at the terminal, showing the tool and its arguments."""

    def confirm(operation: Operation, arguments: dict[str, Any]) -> bool:
        warning = "This DELETES data in Gong. " if operation.kind is OperationKind.DESTRUCTIVE else ""
        out.write(
            f"The assistant proposes {operation.name} ({operation.slug}, {operation.kind.value}) with "
            f"{json.dumps(arguments)}.\n{warning}Enqueue it as a gongq task? [y/N] "
        )
        out.flush()
        return sys.stdin.readline().strip().lower() in ("y", "yes")

    return confirm


@dataclass
class TaskHandOff:
    """Turns a write the chat proposes into a typed gongq task once a person confirms it.

    The chat never runs writes or erasures itself: a confirmed one is validated against its
    operation's payload model and enqueued like any producer's task (source ``chat``), so a
    worker runs it with pinned arguments, an erasure gets its ledger entry, and every state
    change is audited. The model is told the task id instead of getting a Gong answer.
    """

    client: GongqClient
    confirm: Confirm
    enqueued: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, operation: Operation, arguments: dict[str, Any]) -> str | None:
        if not self.confirm(operation, arguments):
            return None
        try:
            payload = self.client.validate(operation.name, arguments)
        except InvalidPayload as exc:
            fields = ", ".join(sorted({".".join(map(str, e["loc"])) for e in exc.errors})) or "payload"
            return f"Not run: gongq could not enqueue {operation.name}, invalid {fields}. Ask the user."
        [done] = self.client.enqueue_validated([(operation.name, payload, None)])
        self.enqueued.append({"operation": operation.name, "task_id": done.task_id})
        return (
            f"Not run in this chat: gongq enqueued {operation.name} as task {done.task_id}; a gongq "
            "worker runs it with these exact arguments, audited. Tell the user the task id; they "
            f"can follow it with `gongq status {done.task_id}`."
        )


def new_conversation_id() -> str:
    return f"conv-{secrets.token_hex(6)}"


def open_history(settings: Settings, conversation_id: str, sqlite_path: Path | None) -> Session:
    """The conversation's history: Redis (default) or a SQLite file, as in the guide."""
    if sqlite_path is not None:
        return SQLiteSession(conversation_id, str(sqlite_path))
    return RedisSession.from_url(
        conversation_id,
        url=settings.redis_url,
        key_prefix=f"{settings.key_prefix}:conversation",
        ttl=settings.chat_history_ttl_seconds,
    )


def check_sandbox(settings: Settings) -> None:
    """In sandbox mode the stand-ins must be up; say how to start them instead of a stack trace."""
    if not settings.sandbox:
        return
    try:
        httpx.get(f"{settings.sandbox_url.rstrip('/')}/_sandbox/health", timeout=3).raise_for_status()
    except httpx.HTTPError:
        raise ConfigurationError(
            f"no sandbox answers at {settings.sandbox_url}; start one with `gongq sandbox` "
            "(or set GONGQ_SANDBOX=0 with real Composio and OpenAI keys)"
        ) from None


async def converse(
    settings: Settings,
    conversation_id: str,
    lines: Iterable[str],
    out: TextIO,
    *,
    sqlite_path: Path | None = None,
    as_json: bool = False,
    allow_writes: bool = False,
) -> list[Turn]:
    """Answer each line until exit/quit/q or end of input; a failed turn is reported, not fatal.

    Reading tools run freely. A writing or destructive tool the assistant proposes is never run
    by the chat: if the person at the terminal says yes, or (writes only) with ``allow_writes``
    in a script, it is enqueued as a typed task (:class:`TaskHandOff`); otherwise the pin guard
    refuses it before it reaches Gong.
    """
    check_sandbox(settings)
    session = await ToolRouterSessions(settings).get(settings.user_id)
    interactive = not as_json and sys.stdin.isatty()
    confirm = _terminal_confirm(out) if interactive else _scripted_confirm(allow_writes)
    tasks = GongqClient(settings, source="chat")
    history = open_history(settings, conversation_id, sqlite_path)
    # The chat's Gong requests count against the same company-wide limits as the workers'.
    limiter = GongRateLimiter(redis_client(settings), Keys(settings.key_prefix), settings)
    turns: list[Turn] = []
    try:
        for raw in _prompted(lines, out, interactive):
            request = raw.strip()
            if not request:
                continue
            if request.lower() in EXIT_WORDS:
                break
            hand_off = TaskHandOff(tasks, confirm)
            guard = PinGuard(
                get_operation("ask"),
                None,
                hand_off=hand_off,
                limiter=limiter,
                account=settings.composio_gong_account,
            )
            access = tool_access(session, guard, settings)
            turn = await _answer(build_ask_agent(access, settings.model), access, request, settings, history)
            turn.refused.extend(guard.refusals)
            turn.enqueued.extend(hand_off.enqueued)
            turns.append(turn)
            _show(turn, out, as_json, conversation_id)
    finally:
        if isinstance(history, RedisSession):
            await history.close()
    return turns


async def _answer(
    agent: Agent[Any], access: ToolAccess, request: str, settings: Settings, history: Session
) -> Turn:
    """One turn; a transient failure (Gong or model rate limit) is retried after its Retry-After,
    with the failed attempt taken out of the history so the conversation reads as one answer."""
    for attempt in range(1, TURN_ATTEMPTS + 1):
        kept = len(await history.get_items())
        try:
            outcome = await run_agent(agent, request, settings, session=history, evidence=access.evidence)
            result = judge_free_form(outcome.evidence, str(outcome.final_output))
        except Retryable as exc:
            await _forget_since(history, kept)
            if attempt == TURN_ATTEMPTS:
                return Turn(request, "", [], error=f"{exc} (tried {attempt} times)")
            await asyncio.sleep(max(exc.retry_after or 0.0, settings.retry_base_seconds * 2 ** (attempt - 1)))
            continue
        except GongqError as exc:
            return Turn(request, "", [], error=str(exc))
        return Turn(request, result.answer, result.tools_used)
    raise AssertionError("unreachable")  # pragma: no cover


async def _forget_since(history: Session, kept: int) -> None:
    while len(await history.get_items()) > kept:
        await history.pop_item()


def _prompted(lines: Iterable[str], out: TextIO, interactive: bool) -> Iterable[str]:
    """The input lines, with the guide's "You: " prompt before each when a person is typing."""
    if interactive:
        out.write("Gong assistant. Type exit, quit or q to leave.\nYou: ")
        out.flush()
    for line in lines:
        yield line
        if interactive:
            out.write("You: ")
            out.flush()


def _show(turn: Turn, out: TextIO, as_json: bool, conversation_id: str) -> None:
    if as_json:
        record: dict[str, Any] = {"conversation": conversation_id, "request": turn.request}
        record.update({"answer": turn.answer, "tools_used": turn.tools_used, "error": turn.error})
        record["refused"] = turn.refused
        record["enqueued"] = turn.enqueued
        out.write(json.dumps(record) + "\n")
    elif turn.error:
        out.write(f"Error: {turn.error}\n\n")
    else:
        out.write(f"Assistant: {turn.answer}\n\n")
    if not as_json:
        for reason in turn.refused:
            out.write(f"(gongq refused a tool call: {reason})\n")
        for task in turn.enqueued:
            out.write(
                f"(enqueued {task['operation']} as task {task['task_id']}: gongq status {task['task_id']})\n"
            )
    out.flush()
