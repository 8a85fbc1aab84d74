"""Submitting a bulk privacy-erasure list: parse, de-duplicate against earlier submissions, enqueue.

One function serves both doors an erasure list comes in by — ``gongq erase FILE`` and
``POST /erasures`` — so they cannot drift apart: the same parsing and normalization
(:mod:`producer.bulk`), the same idempotency keys (a hash of the normalized identifier, so a
re-submitted file enqueues nothing new) and the same pipelined enqueue (a 100,000-row list is
queued in seconds). Bad rows are reported, never fatal; a file that is not text (not UTF-8 nor
UTF-16 with a BOM, or binary) is refused whole, because no row of it can be read for sure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from producer.bulk import ErasureRow, RejectedRow, parse_erasure_list
from producer.client import GongqClient
from worker.errors import Permanent


class EmptyErasureList(Permanent):
    """The list holds no row at all (empty, blank, or only a header or comments)."""


@dataclass(frozen=True)
class ErasureOutcome:
    """One identifier of the list and the task that erases it (``task_id`` None in a dry run)."""

    line: int
    operation: str
    task_id: str | None
    #: A duplicate whose task had never been sent (an earlier submission died half-way): sent now.
    published: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "operation": self.operation, "task_id": self.task_id}


@dataclass
class ErasureReport:
    """What became of every row: accepted (new task), duplicate (existing task) or rejected."""

    batch_id: str | None
    dry_run: bool = False
    accepted: list[ErasureOutcome] = field(default_factory=list)
    duplicates: list[ErasureOutcome] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def processed(self) -> bool:
        """At least one identifier was valid: queued now or already queued by an earlier submission."""
        return bool(self.accepted or self.duplicates)

    def summary(self) -> dict[str, Any]:
        """The shape ``gongq erase --json`` prints: counts, plus every rejected row with its line."""
        return {
            "batch_id": self.batch_id,
            "accepted": len(self.accepted),
            "duplicates": len(self.duplicates),
            "repaired": sum(o.published for o in self.duplicates),
            "rejected": [row.to_json() for row in self.rejected],
        }


def submit_erasure_list(
    client: GongqClient,
    data: bytes | str,
    *,
    dry_run: bool = False,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ErasureReport:
    """Parse ``data`` and enqueue one erasure task per new identifier, as batch ``batch_id``.

    ``dry_run`` writes nothing: duplicates of earlier submissions are found by reading the
    idempotency keys only. ``on_total(n)`` announces how many rows will be enqueued and
    ``on_progress(k)`` reports each pipelined chunk (the CLI's progress bar). Raises
    :class:`EmptyErasureList` when the file holds no row at all, and
    :class:`~producer.bulk.UnreadableErasureList` when it is not text (one sentence, as printed).
    """
    parsed = parse_erasure_list(
        data,
        pii_key=client.settings.pii_key.get_secret_value(),
        default_region=client.settings.default_phone_region,
    )
    if parsed.is_empty:
        raise EmptyErasureList("the erasure list is empty: no email address or phone number in it")
    report = ErasureReport(batch_id=None if dry_run else uuid.uuid4().hex, dry_run=dry_run)
    report.rejected = sorted(parsed.rejected, key=lambda row: row.line)
    if on_total is not None:
        on_total(len(parsed.rows))

    if dry_run:
        known = client.existing_idempotency_keys([row.idempotency_key for row in parsed.rows])
        task_of = {row.idempotency_key: known.get(row.idempotency_key) for row in parsed.rows}
        for row in parsed.rows:
            outcome = ErasureOutcome(row.line, row.operation, task_of[row.idempotency_key])
            (report.duplicates if row.idempotency_key in known else report.accepted).append(outcome)
        if on_progress is not None:
            on_progress(len(parsed.rows))
    else:
        enqueued = client.enqueue_validated(
            [(row.operation, row.payload, row.idempotency_key) for row in parsed.rows],
            batch_id=report.batch_id,
            on_progress=on_progress,
        )
        task_of = {row.idempotency_key: e.task_id for row, e in zip(parsed.rows, enqueued, strict=True)}
        for row, e in zip(parsed.rows, enqueued, strict=True):
            (report.duplicates if e.duplicate else report.accepted).append(
                ErasureOutcome(row.line, row.operation, e.task_id, published=e.duplicate and e.published)
            )
    report.duplicates.extend(_in_file_duplicates(parsed.duplicate_rows, task_of))
    report.duplicates.sort(key=lambda outcome: outcome.line)
    if report.batch_id is not None:
        client.record_batch(
            report.batch_id,
            kind="erasure",
            accepted=len(report.accepted),
            duplicates=len(report.duplicates),
            rejected=len(report.rejected),
        )
    return report


def _in_file_duplicates(rows: list[ErasureRow], task_of: dict[str, str | None]) -> list[ErasureOutcome]:
    """A repeated identifier names the task of its first occurrence in the file."""
    return [ErasureOutcome(row.line, row.operation, task_of.get(row.idempotency_key)) for row in rows]
