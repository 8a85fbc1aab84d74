"""The producer commands of ``gongq``: ``erase``, ``batch`` and ``webhooks``.

Kept out of ``producer/cli.py`` so that file stays a list of small commands; ``register(app)``
adds these to the same Typer app with the same conventions: ``--json`` prints one JSON object
to stdout, progress and errors go to stderr, bad input exits non-zero without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from producer.cli_support import JsonFlag, cli_settings, console, errors, fail, print_json, redis_settings
from worker.errors import GongqError

if TYPE_CHECKING:
    from worker.settings import Settings

_print_json = print_json


def erase(
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or plain list (one email/phone per line).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Parse and report; enqueue nothing, write nothing.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Enqueue a privacy erasure for every email address and phone number in FILE.

    FILE: CSV (a column whose header names email or phone, any case), JSONL, or one per line,
    in UTF-8 (or UTF-16 with a BOM); other encodings and binary files are refused whole.
    Emails are lower-cased; national phone numbers become E.164 in GONGQ_DEFAULT_PHONE_REGION.
    Identifiers submitted before (in this file or an earlier one) are duplicates, never new tasks.
    Bad rows are reported with their line number; the good rows still go through.

    Exit codes: 0 = processed, at least one valid identifier (accepted or duplicate), even with
    rejected rows; 1 = the file cannot be read, is not text, is empty, or has no valid row;
    2 = usage error.
    """
    import redis
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from producer.bulk import UnreadableErasureList, decode_erasure_list
    from producer.client import GongqClient
    from producer.erase import submit_erasure_list

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        # Decoded before the progress bar appears: a file that is not text is refused in one line.
        text = decode_erasure_list(data)
    except UnreadableErasureList as exc:
        raise fail(f"{file}: {exc}") from None
    client = GongqClient(redis_settings(), source="bulk")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        disable=as_json,
        transient=False,
    )
    bar = progress.add_task("checking" if dry_run else "enqueueing", total=None)
    try:
        with progress:
            report = submit_erasure_list(
                client,
                text,
                dry_run=dry_run,
                on_total=lambda n: progress.update(bar, total=n),
                on_progress=lambda n: progress.advance(bar, n),
            )
    except GongqError as exc:
        raise fail(str(exc)) from None
    except redis.RedisError as exc:
        raise fail(f"Redis failed ({exc}); rows enqueued so far stay queued, re-run to finish") from None
    if as_json:
        print_json(report.summary())
    else:
        _show_erasure_report(report.summary(), dry_run)
    raise typer.Exit(0 if report.processed else 1)


def _show_erasure_report(summary: dict[str, Any], dry_run: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    rejected: list[dict[str, Any]] = summary["rejected"]
    if rejected:
        table = Table("line", "value", "reason", title=f"{len(rejected)} rejected rows")
        for row in rejected:
            # As plain text, and escaped when a character would be invisible or drive the terminal
            # (a rejected value may hold ESC or a bidi override): the operator sees what was sent.
            value = row["value"] if row["value"].isprintable() else repr(row["value"])
            table.add_row(str(row["line"]), Text(value), Text(row["reason"]))
        console.print(table)
    verb = "would be accepted" if dry_run else "accepted"
    console.print(
        f"{summary['accepted']} {verb}, {summary['duplicates']} duplicates"
        + (f" ({summary['repaired']} of them never sent before: sent now)" if summary.get("repaired") else "")
        + f", {len(rejected)} rejected"
        + (
            f" — batch [bold]{summary['batch_id']}[/bold] (follow it: gongq batch {summary['batch_id']})"
            if summary["batch_id"]
            else ""
        )
    )


def batch(
    batch_id: Annotated[str, typer.Argument(help="Batch id printed by `gongq erase`.")],
    as_json: JsonFlag = False,
) -> None:
    """Show live counts per status of a batch's tasks (accepted and duplicate ones)."""
    from rich.table import Table

    from producer.client import GongqClient

    try:
        state = GongqClient(redis_settings()).batch_status(batch_id)
    except GongqError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(state.to_json())
        return
    table = Table("status", "tasks", title=f"batch {batch_id}")
    for status, count in state.counts.items():
        table.add_row(status, str(count))
    table.add_row("[bold]total", f"[bold]{state.total}")
    console.print(table)
    console.print(
        f"submitted: {state.accepted} accepted, {state.duplicates} duplicates, {state.rejected} rejected"
        + (" — done" if state.done else "")
    )


def webhooks(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8780,
    workers: Annotated[int, typer.Option(min=1, help="Server processes sharing the port.")] = 1,
) -> None:
    """Serve the webhook producers (HubSpot, signed tasks, erasure lists); OpenAPI docs at /docs.

    Outside sandbox mode it refuses to start unless GONGQ_WEBHOOK_SECRET and
    GONGQ_HUBSPOT_CLIENT_SECRET are set to real values.
    """
    from producer.webhooks.app import serve

    settings = cli_settings()
    for line in webhook_start_lines(settings, host, port):
        errors.print(f"gongq webhooks: {line}", soft_wrap=True, markup=False, highlight=False)
    try:
        serve(host, port, settings, workers=workers)
    except GongqError as exc:
        raise fail(str(exc)) from None


def webhook_start_lines(settings: Settings, host: str, port: int) -> list[str]:
    """Where the service listens and how to sign for it. The secrets are printed only in
    sandbox mode, where they are the published placeholders; otherwise only their names."""
    url = f"http://{host}:{port}"
    lines = [f"listening on {url} (API docs at {url}/docs); Ctrl-C stops it"]
    names = (
        (
            "POST /webhooks/tasks and /erasures are signed with",
            "GONGQ_WEBHOOK_SECRET",
            settings.webhook_secret,
        ),
        (
            "POST /webhooks/hubspot is signed with",
            "GONGQ_HUBSPOT_CLIENT_SECRET",
            settings.hubspot_client_secret,
        ),
        ("GET /metrics takes the bearer token", "GONGQ_METRICS_TOKEN", settings.metrics_token),
    )
    for used_by, name, secret in names:
        shown = (
            f"= {secret.get_secret_value()} (the sandbox placeholder)" if settings.sandbox else "(not shown)"
        )
        lines.append(f"{used_by} {name} {shown}")
    if not settings.sandbox and settings.usable_metrics_token() is None:
        lines.append("GET /metrics answers 403: GONGQ_METRICS_TOKEN is unset or a placeholder")
    return lines


def register(app: typer.Typer) -> None:
    """Add the producer commands to the ``gongq`` app."""
    app.command()(erase)
    app.command()(batch)
    app.command()(webhooks)
