"""The privacy team's command: ``gongq erasures``, the erasure ledger and its CSV export.

Entries are keyed by the identifier's HMAC token; to look up one person, compute their token
with ``--identifier`` (same GONGQ_PII_KEY) instead of storing who they are.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from producer.cli_support import JsonFlag, console, fail, print_json, redis_settings


def erasures(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only entries past their legal due date.")
    ] = False,
    identifier: Annotated[
        str | None, typer.Option(help="Only the entry of this email address or phone number.")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the (filtered) ledger to this CSV file.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The erasure ledger: requested, Gong request id, due date, verified or flagged."""
    from rich.table import Table

    from worker.audit import AuditLog
    from worker.connections import redis_client
    from worker.keys import Keys
    from worker.ledger import ErasureLedger, to_csv
    from worker.store import TaskStore

    settings = redis_settings()
    client = redis_client(settings)
    keys = Keys(settings.key_prefix)
    store = TaskStore(client, keys, AuditLog.from_settings(client, keys, settings))
    ledger = ErasureLedger(client, keys, store, settings)
    entries = ledger.entries(overdue_only=overdue)
    if identifier is not None:
        token = ledger.token(identifier)
        entries = [entry for entry in entries if entry.token == token]
        if not entries:
            raise fail("no erasure of that identifier in the ledger")
    if csv_file is not None:
        csv_file.write_text(to_csv(entries))
    if as_json:
        print_json({"erasures": [entry.to_json() for entry in entries]})
        return
    table = Table("token", "kind", "status", "requested", "due", "checks", "Gong request")
    for entry in entries:
        status = f"[red]{entry.status.value} (overdue)[/red]" if entry.overdue else entry.status.value
        table.add_row(
            entry.token,
            entry.kind,
            status,
            _day(entry.requested_at),
            _day(entry.due_at),
            str(entry.checks),
            entry.gong_request_id,
        )
    console.print(table)
    if csv_file is not None:
        console.print(f"wrote {len(entries)} entries to {csv_file}")


def _day(epoch: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def register(app: typer.Typer) -> None:
    """Add ``gongq erasures`` to ``app``."""
    app.command("erasures")(erasures)
