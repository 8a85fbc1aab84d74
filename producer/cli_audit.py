"""`gongq audit`: list the audit trail, verify its HMAC chain, and take anchors to keep outside Redis.

Verify alone proves every event is unchanged and in place up to the head Redis holds. Whoever
can write to Redis can still delete the newest events together with the head, or the whole
stream and head; `gongq audit checkpoint` prints an anchor (count, stream id and hash of the
newest event) and `gongq audit verify --anchor A` fails if anything at or before it went. Both
say so in their output, so "intact" is never read as more than it is.

The lead registers this command on the main app with ``register(app)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from producer.cli_support import JsonFlag, console, errors, fail, print_json, redis_settings
from worker.errors import GongqError

if TYPE_CHECKING:
    from worker.audit import AuditLog, ChainCheck

ACTIONS = ("verify", "checkpoint")


def audit(
    action: Annotated[
        str | None,
        typer.Argument(
            help="'verify' checks the chain; 'checkpoint' verifies, then prints an anchor to keep "
            "outside Redis; omit to list events."
        ),
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only the events of this task id.")] = None,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="An anchor from an earlier `gongq audit checkpoint`: also fail if any event at or "
            "before it was deleted or replaced.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the audit trail, verify its chain (exit 1 naming the event if broken), or checkpoint it."""
    from producer.client import GongqClient
    from worker.audit import Anchor

    if action is not None and action not in ACTIONS:
        raise fail(
            f"unknown action {action!r}; use `gongq audit`, `gongq audit verify` or `gongq audit checkpoint`",
            code=2,
        )
    if action is None and anchor is not None:
        raise fail("--anchor goes with `gongq audit verify` or `gongq audit checkpoint`", code=2)
    try:
        pinned = None if anchor is None else Anchor.parse(anchor)
    except GongqError as exc:
        raise fail(f"--anchor: {exc}", code=2) from None
    log = GongqClient(redis_settings()).audit
    if action is None:
        _list(log, task, as_json)
        return
    try:
        check = log.verify(pinned)
    except GongqError as exc:
        raise fail(str(exc)) from None
    if action == "checkpoint":
        _checkpoint(check, as_json)
    else:
        _verify(check, as_json)


def _verify(check: ChainCheck, as_json: bool) -> None:
    if as_json:
        print_json(check.to_json())
    elif check.ok:
        console.print(_intact(check), soft_wrap=True, markup=False, highlight=False)
        console.print(
            f"not detectable {'past the anchor' if check.anchor else 'without an anchor'}: "
            + "; ".join(check.undetectable)
            + (
                ""
                if check.anchor
                else " (keep `gongq audit checkpoint` anchors outside Redis, pass one with --anchor)"
            ),
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    else:
        _broken(check)
    raise typer.Exit(0 if check.ok else 1)


def _checkpoint(check: ChainCheck, as_json: bool) -> None:
    """Print the head as an anchor, only for a chain that verifies: anchoring a broken chain
    would bless whatever broke it."""
    if not check.ok:
        _broken(check)
        raise typer.Exit(1)
    if check.head is None:
        raise fail("nothing to checkpoint: the audit stream is empty")
    if as_json:
        print_json({**check.head.to_json(), "events": check.events, "legacy_events": check.legacy_events})
    else:
        # Alone on stdout, so `gongq audit checkpoint >> anchors.txt` keeps exactly the anchor.
        console.print(str(check.head), soft_wrap=True, markup=False, highlight=False)


def _intact(check: ChainCheck) -> str:
    line = f"audit chain intact: {check.events} events"
    if check.legacy_events:
        line += f" ({check.legacy_events} of them written before the chain was keyed, unkeyed SHA-256)"
    if check.anchor is not None:
        line += f"; event {check.anchor.count} matches the anchor"
    return line


def _broken(check: ChainCheck) -> None:
    """One line on stderr: where the chain breaks (when an event can be named) and why."""
    where = f" at event {check.broken_at}" if check.broken_at else ""
    errors.print("[red]audit chain broken[/red]" + where + ": ", end="")
    errors.print(check.reason or "", soft_wrap=True, markup=False, highlight=False)


def _list(log: AuditLog, task: str | None, as_json: bool) -> None:
    from rich.table import Table

    events = log.events(task)
    if as_json:
        print_json({"events": [e.to_json() for e in events]})
        return
    table = Table("stream id", "task", "event", "details")
    for event in events:
        details = {k: v for k, v in event.fields.items() if k not in ("task_id", "event", "at")}
        table.add_row(
            event.stream_id,
            event.fields.get("task_id", ""),
            event.fields.get("event", ""),
            ", ".join(f"{k}={v}" for k, v in details.items()),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``gongq audit`` to ``app``."""
    app.command("audit")(audit)
