"""The audit trail: a hash-chained Redis stream, one event per task state change.

Each event stores the hash of the one before it (``prev``) and its own hash over its canonical
JSON plus ``prev``, so modifying, inserting or deleting an event breaks the chain at a point
:meth:`AuditLog.verify` can name. Events carry task ids and operation names only, never payloads.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis

from worker.keys import Keys
from worker.pii import scrub_text

if TYPE_CHECKING:
    from redis.client import Pipeline

GENESIS = "0" * 64


def event_hash(prev: str, fields: dict[str, str]) -> str:
    """sha256 over the previous hash and the event's canonical JSON (sorted keys)."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditEvent:
    """One decoded stream entry."""

    stream_id: str
    fields: dict[str, str]
    prev: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"stream_id": self.stream_id, **self.fields, "prev": self.prev, "hash": self.hash}


@dataclass(frozen=True)
class ChainCheck:
    """Result of :meth:`AuditLog.verify`: ok, or the first event where the chain breaks and why."""

    ok: bool
    events: int
    broken_at: str | None = None
    reason: str | None = None


class AuditLog:
    """Appends chained events atomically (WATCH on the head) and verifies the chain."""

    def __init__(self, client: redis.Redis[str], keys: Keys, pii_key: str | None = None) -> None:
        self._redis = client
        self._keys = keys
        self._pii_key = pii_key

    def append(self, task_id: str, event: str, **details: str) -> str:
        """Append one event and return its hash; concurrent writers retry until they chain cleanly.

        With a ``pii_key`` every detail (a reason may quote Gong's error, which may quote an
        address) has its email addresses and phone numbers replaced by keyed HMAC tokens.
        """
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(self._keys.audit_head)
                    digest = self.chain(pipe, [(task_id, event, details)])
                    pipe.execute()
                    return digest
                except redis.WatchError:
                    continue

    def chain(self, pipe: Pipeline[str], events: Sequence[tuple[str, str, Mapping[str, str]]]) -> str:
        """Queue ``events`` (task id, event, details) on ``pipe``, chained onto the current head,
        and return the new head; the caller executes the pipeline.

        ``pipe`` must be WATCHing the head key and not yet in MULTI: this reads the head, starts
        the transaction and queues the XADDs and the head update, so the caller can add its own
        writes (a record change, a broker message) to the same MULTI and they land with the
        events or not at all. A concurrent writer moving the head fails the caller's EXEC
        (WatchError): it reads again and retries.
        """
        prev = str(pipe.get(self._keys.audit_head) or GENESIS)
        pipe.multi()
        for task_id, event, details in events:
            if self._pii_key is not None:
                details = {name: scrub_text(self._pii_key, value) for name, value in details.items()}
            fields = {"task_id": task_id, "event": event, "at": repr(time.time()), **details}
            digest = event_hash(prev, fields)
            pipe.xadd(self._keys.audit, {**fields, "prev": prev, "hash": digest})
            prev = digest
        pipe.set(self._keys.audit_head, prev)
        return prev

    def events(self, task_id: str | None = None, count: int | None = None) -> list[AuditEvent]:
        """Events oldest first, optionally only those of one task."""
        entries: list[tuple[str, dict[str, str]]] = self._redis.xrange(self._keys.audit, count=count)
        decoded = [
            AuditEvent(
                stream_id=stream_id,
                fields={k: v for k, v in fields.items() if k not in ("prev", "hash")},
                prev=fields.get("prev", ""),
                hash=fields.get("hash", ""),
            )
            for stream_id, fields in entries
        ]
        return [e for e in decoded if task_id is None or e.fields.get("task_id") == task_id]

    def verify(self) -> ChainCheck:
        """Walk the stream and recompute every link; the head key must match the last event."""
        prev = GENESIS
        events = self.events()
        for event in events:
            if event.prev != prev:
                return ChainCheck(
                    False,
                    len(events),
                    event.stream_id,
                    "link to the previous event is broken "
                    "(an event before it was inserted, deleted or changed)",
                )
            if event_hash(prev, event.fields) != event.hash:
                return ChainCheck(
                    False, len(events), event.stream_id, "event content does not match its hash"
                )
            prev = event.hash
        head = self._redis.get(self._keys.audit_head)
        if events and head != prev:
            return ChainCheck(
                False, len(events), events[-1].stream_id, "newest events were deleted (head mismatch)"
            )
        return ChainCheck(True, len(events))
