"""`gongq retry`: put dead-lettered (or parked) tasks back on their queue.

A retried task keeps its id, so its idempotency key still names it and a producer re-sending
the same key gets the same task; its attempts start again at 0 and the audit trail gets a
"retried" event. Only dead and parked tasks can be retried; a ``needs_review`` task (its write
reached Gong and may have happened) only with ``--force``, after an operator checked Gong.
Anything else (queued, running, succeeded...) is refused with exit code 1, so a retry can never
run a task twice at once.

The lead registers these commands on the main app with ``register(app)``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from producer.cli_support import JsonFlag, console, fail, print_json, redis_settings
from worker.errors import GongqError

if TYPE_CHECKING:
    from worker.broker import Broker
    from worker.settings import Settings
    from worker.store import TaskRecord


def _broker(settings: Settings) -> Broker:
    from worker.audit import AuditLog
    from worker.broker import Broker
    from worker.connections import redis_client
    from worker.keys import Keys

    client = redis_client(settings)
    keys = Keys(settings.key_prefix)
    return Broker(client, keys, AuditLog.from_settings(client, keys, settings))


def retry_task(settings: Settings, task_id: str, *, force: bool = False) -> TaskRecord:
    """Re-enqueue one dead or parked task (``force``: also one that needs review): record and
    broker message in one transaction; NotDead/UnknownTask otherwise."""
    return _broker(settings).retry(task_id, force=force)


def retry_dead(
    settings: Settings, *, operation: str | None = None, since: float | None = None
) -> list[TaskRecord]:
    """Re-enqueue every dead task (of one operation, dead since an epoch); returns those retried.

    A task another operator retried in the meantime is skipped, not retried twice.
    """
    retried = []
    for record in _broker(settings).store.dead_tasks(operation=operation, since=since):
        try:
            retried.append(retry_task(settings, record.id))
        except GongqError:
            continue
    return retried


def parse_since(value: str) -> float:
    """An epoch (``1764000000``) or an ISO 8601 time (``2026-11-25T10:00:00+00:00``; naive = UTC)."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is neither an epoch nor an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _row(record: TaskRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "operation": record.operation,
        "status": record.status.value,
        "attempts": record.attempts,
    }


def retry(
    task_id: Annotated[str | None, typer.Argument(help="The dead or parked task to retry.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Retry every dead task (filtered below).")] = False,
    operation: Annotated[str | None, typer.Option(help="With --dead: only tasks of this operation.")] = None,
    since: Annotated[
        str | None, typer.Option(help="With --dead: only tasks dead since this epoch or ISO time.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Also retry a task that needs review (its write may already be in Gong)."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Re-enqueue dead tasks: same id and idempotency key, attempts reset, audited as "retried"."""
    if (task_id is None) == (not dead):
        raise fail("give a task id or --dead (not both)")
    if task_id is not None and (operation is not None or since is not None):
        raise fail("--operation and --since go with --dead")
    from worker.operations import get_operation

    settings = redis_settings()
    try:
        if task_id is not None:
            retried = [retry_task(settings, task_id, force=force)]
        else:
            if operation is not None:
                get_operation(operation)
            retried = retry_dead(
                settings, operation=operation, since=parse_since(since) if since is not None else None
            )
    except GongqError as exc:
        if as_json:
            print_json({"retried": [], "error": str(exc)})
            raise typer.Exit(1) from None
        raise fail(str(exc)) from None
    if as_json:
        print_json({"retried": [_row(r) for r in retried]})
        return
    for record in retried:
        console.print(f"{record.id} {record.operation} [bold]{record.status.value}[/bold] (retried)")
    if not retried:
        console.print("no dead tasks matched")


def register(app: typer.Typer) -> None:
    """Add ``gongq retry`` to ``app``."""
    app.command("retry")(retry)
