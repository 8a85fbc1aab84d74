"""The ``gongq`` command line: enqueue and follow tasks, and run the pieces of the stack.

Every command that reports something takes ``--json`` for scripts; errors go to stderr with a
non-zero exit code and never a traceback for bad input.

Start-up is part of the interface (``gongq status`` in a loop, ``--help`` while typing): this
module and the ``cli_*`` modules import only Typer at the top; each command imports what it
uses (settings, Redis, the catalog) in its body, and only the commands that run agents import
the agent stack (``make bench`` measures each command against ``python -c pass``).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from producer.cli_support import (
    JsonFlag,
    cli_settings,
    console,
    errors,
    fail,
    print_json,
    redacted,
    redis_settings,
    warn_if_no_worker,
)
from worker.errors import GongqError

app = typer.Typer(
    help="gongq: run Gong operations reliably at scale through a Composio Tool Router agent.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def ops(
    operation: Annotated[str | None, typer.Argument(help="Show one operation in full.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the operations producers can enqueue (the catalog), or show one with its example."""
    from rich.table import Table

    from worker.operations import CATALOG, unknown_operation_message
    from worker.operations.examples import EXAMPLES

    selected = list(CATALOG.values())
    if operation is not None:
        if operation not in CATALOG:
            raise fail(unknown_operation_message(operation))
        selected = [CATALOG[operation]]
    full = as_json or operation is not None  # the table needs no schema (all 54 cost ~85 ms)
    rows: list[dict[str, Any]] = [
        {
            "name": op.name,
            "kind": op.kind.value,
            "lane": op.lane.value,
            "slugs": list(op.slugs),
            "description": op.description,
            **(
                {
                    "payload_schema": op.payload_model.model_json_schema(by_alias=True),
                    "example": EXAMPLES.get(op.name, {"prompt": "List all users"} if op.is_free_form else {}),
                }
                if full
                else {}
            ),
        }
        for op in selected
    ]
    if as_json:
        print_json({"operations": rows})
        return
    if operation is not None:
        row = rows[0]
        console.print(f"[bold]{row['name']}[/bold] ({row['kind']}, {row['lane']} lane): {row['description']}")
        console.print(f"Composio tool: {', '.join(row['slugs']) or '(the agent picks)'}")
        required = row["payload_schema"].get("required", [])
        console.print(f"Payload fields: {', '.join(row['payload_schema'].get('properties', {}))}")
        console.print(f"Required: {', '.join(required) or '(none)'}")
        console.print("Example (runs against the sandbox):")
        console.print_json(json.dumps(row["example"]))
        return
    table = Table("operation", "kind", "lane", "Composio tool", "what it does")
    for row in rows:
        table.add_row(
            row["name"],
            row["kind"],
            row["lane"],
            ", ".join(row["slugs"]) or "(agent picks)",
            row["description"],
        )
    console.print(table)


@app.command()
def enqueue(
    operation: Annotated[str, typer.Argument(help="Operation name (see `gongq ops`).")],
    payload: Annotated[str, typer.Option("--payload", "-p", help="Payload as a JSON object.")] = "{}",
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", "-k", help="Same key, same task: never a second one.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the task finishes and show it.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most.")] = 300.0,
    as_json: JsonFlag = False,
) -> None:
    """Validate a payload and enqueue one task."""
    from producer.client import GongqClient, WaitTimeout

    try:
        body = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise fail(
            f"--payload is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(body, dict):
        raise fail("--payload must be a JSON object")
    client = GongqClient(redis_settings(), source="cli")
    idle_lane = None
    try:
        enqueued = client.enqueue(operation, body, idempotency_key)
        idle_lane = warn_if_no_worker(client, operation) if not as_json else client.idle_lane(operation)
        record = client.wait(enqueued.task_id, timeout=timeout) if wait else client.status(enqueued.task_id)
    except WaitTimeout as exc:
        hint = f" (no live worker consumes the {idle_lane!r} lane)" if idle_lane else ""
        raise fail(f"{exc}{hint}", code=2) from None
    except GongqError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(
            redacted(
                {
                    **record.to_json(),
                    "duplicate": enqueued.duplicate,
                    "published": enqueued.published,
                    "worker_consumes_lane": idle_lane is None,
                }
            )
        )
    else:
        note = " (duplicate: the idempotency key already named this task)" if enqueued.duplicate else ""
        if enqueued.duplicate and enqueued.published:
            note = " (duplicate: the idempotency key named this task, which had never been sent: sent now)"
        console.print(f"{record.id} {record.operation} [bold]{record.status.value}[/bold]{note}")
        if wait:
            _show_record(redacted(record.to_json()))
    if wait and record.status.value != "succeeded":
        raise typer.Exit(1)


def _show_record(record: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(show_header=False)
    shown = ("id", "operation", "status", "parked_cause", "attempts", "source", "error", "summary")
    for key in (*shown, "payload_expired"):
        if record.get(key) not in (None, ""):
            table.add_row(key, str(record[key]))
    if record.get("status") == "needs_review":
        table.add_row("next step", "check Gong; `gongq retry --force ID` runs the write again")
    if record.get("raw_answer") is not None:
        table.add_row("raw answer", json.dumps(record["raw_answer"], indent=1)[:2000])
    if record.get("write_sent"):
        # A write Gong cannot de-duplicate was sent and its outcome not recorded: the evidence.
        attempt, _, at = str(record["write_sent"]).partition("@")
        sent = datetime.fromtimestamp(float(at), UTC) if at else None
        table.add_row(
            "write sent", f"attempt {attempt}" + (f" at {sent:%Y-%m-%d %H:%M:%S} UTC" if sent else "")
        )
    if record.get("next_attempt_at"):
        # Retrying or deferred (daily Gong budget spent): say when it runs again.
        when = datetime.fromtimestamp(float(record["next_attempt_at"]), UTC)
        wait = max(0.0, float(record["next_attempt_at"]) - time.time())
        table.add_row("runs again", f"{when:%Y-%m-%d %H:%M:%S} UTC (in {wait:.0f} s)")
    if record.get("result") is not None:
        table.add_row("result", json.dumps(record["result"], indent=1)[:2000])
    console.print(table)


@app.command()
def status(
    task_id: Annotated[str, typer.Argument(help="Task id printed by enqueue.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one task: status, attempts, result or error (personal data as tokens)."""
    from producer.client import GongqClient

    try:
        record = GongqClient(redis_settings()).status(task_id)
    except GongqError as exc:
        raise fail(str(exc)) from None
    shown = redacted(record.to_json())  # personal data as tokens, like the audit
    if as_json:
        print_json(shown)
    else:
        _show_record(shown)


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Tasks in flight (default GONGQ_WORKER_CONCURRENCY).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """Start a Celery worker that runs gongq tasks (erasure lane first)."""
    from producer.processes import WORKER_QUEUES
    from worker.app import celery_app
    from worker.preflight import preflight, wait_for_redis

    settings = cli_settings()

    def say(line: str) -> None:
        console.print(f"gongq worker: {line}", soft_wrap=True, markup=False, highlight=False)

    try:
        settings.require_live_secrets()
        wait_for_redis(settings, say)
        for line in preflight(settings):
            say(line)
    except GongqError as exc:
        raise fail(f"gongq worker cannot start: {exc}") from None
    importlib.import_module("worker.tasks")  # registers the task with the app
    celery_app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={WORKER_QUEUES}",
            f"--loglevel={loglevel}",
            "--task-events",
        ]
    )


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
) -> None:
    """Serve the offline stand-ins for Gong, Composio and OpenAI on one origin."""
    from sandbox.app import serve
    from sandbox.config import SandboxConfig

    try:
        config = SandboxConfig.from_env()
    except ValueError as exc:  # a GONGQ_SANDBOX_* value it cannot read; the message names it
        raise fail(str(exc)) from None
    url = f"http://{host}:{port}"
    settings = cli_settings()

    def say(line: str) -> None:
        errors.print(line, soft_wrap=True, markup=False, highlight=False)

    say(f"gongq sandbox: Gong, Composio and OpenAI stand-ins on {url} (any API key works); Ctrl-C stops it")
    if url.rstrip("/") != settings.sandbox_url.rstrip("/"):
        say(
            f"gongq sandbox: the other gongq commands look for it at {settings.sandbox_url}: "
            f"set GONGQ_SANDBOX_URL={url}"
        )
    if not settings.sandbox:
        say("gongq sandbox: GONGQ_SANDBOX is off: set GONGQ_SANDBOX=true so workers and producers use it")
    serve(host, port, config)


@app.command()
def ask(
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", "-c", help="Continue this conversation (default: a new one)."),
    ] = None,
    sqlite: Annotated[
        Path | None,
        typer.Option(help="Keep the history in this SQLite file (as the guide does) instead of Redis."),
    ] = None,
    allow_writes: Annotated[
        bool,
        typer.Option(
            "--allow-writes",
            help="Enqueue the writes the assistant proposes as tasks without asking (never erasures).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Chat with the Gong assistant (the integration guide's loop); reads stdin, so pipes work.

    Each line is a request; exit, quit or q ends the chat. The history is kept per
    conversation id, so `--conversation ID` picks up where an earlier chat stopped. Reading
    tools run freely; the chat never runs a writing or destructive tool itself: when you
    confirm one at the terminal (or, for writes, with --allow-writes) it is enqueued as a
    typed task (ledger, audit) and its task id is printed; anything else is refused.
    """
    import asyncio

    from producer.chat import converse, new_conversation_id

    settings = cli_settings()
    conversation_id = conversation or new_conversation_id()
    if not as_json:
        errors.print(f"conversation: {conversation_id}")
    try:
        asyncio.run(
            converse(
                settings,
                conversation_id,
                sys.stdin,
                sys.stdout,
                sqlite_path=sqlite,
                as_json=as_json,
                allow_writes=allow_writes,
            )
        )
    except GongqError as exc:
        raise fail(str(exc)) from None


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Run one task of each operation end to end, offline; exit 0 only if all succeed."""
    from producer.demo import run_demo

    try:
        code = run_demo(cli_settings(), as_json=as_json)
    except GongqError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)


importlib.import_module("producer.cli_producers").register(app)  # erase, batch, webhooks
importlib.import_module("producer.cli_operations").register(app)  # flower
importlib.import_module("producer.cli_reliability").register(app)  # retry
importlib.import_module("producer.cli_privacy").register(app)  # erasures
importlib.import_module("producer.cli_connect").register(app)  # connect
importlib.import_module("producer.cli_audit").register(app)  # audit


def main() -> None:
    """Console-script entry point. A Redis failure no command caught (Redis lost in the middle
    of a command, after its retries) is one line naming the URL and exit 1, not a traceback."""
    try:
        app()
    except Exception as exc:
        redis_module = sys.modules.get("redis")  # never imported: it cannot be a Redis error
        if redis_module is None or not isinstance(exc, redis_module.RedisError):
            raise
        from worker.connections import shown_url

        url = shown_url(cli_settings().redis_url)
        failure = fail(f"Redis at {url} failed during the command: {type(exc).__name__}: {exc}")
        raise SystemExit(failure.exit_code) from None
