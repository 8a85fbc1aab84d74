"""The audit trail: an HMAC-chained Redis stream, one event per task state change.

Each event stores the hash of the one before it (``prev``) and its own hash, an HMAC-SHA256
under ``GONGQ_AUDIT_KEY`` over ``prev`` and its canonical JSON, so modifying, inserting or
deleting an event breaks the chain at a point :meth:`AuditLog.verify` can name. The key is not
in Redis: write access to Redis is not enough to recompute a rewritten chain. Events carry task
ids and operation names only, never payloads.

The head key (``<count>:<hash>`` of the newest event) lets verify notice a stream deleted or
cut short under it. What no check inside Redis can notice is the newest events deleted together
with the head rolled back, or stream and head deleted together: an :class:`Anchor` taken by
``gongq audit checkpoint`` and kept outside Redis closes that gap up to the anchored event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import redis

from worker.errors import ConfigurationError, GongqError
from worker.keys import Keys
from worker.pii import scrub, scrub_text

if TYPE_CHECKING:
    from redis.client import Pipeline

    from worker.settings import Settings

GENESIS = "0" * 64
Redacted = TypeVar("Redacted")
ANCHOR_PREFIX = "gongq-anchor:v1"
_ANCHOR = re.compile(
    rf"^{ANCHOR_PREFIX}:(?P<count>[1-9][0-9]*):(?P<stream_id>[0-9]+-[0-9]+):(?P<hash>[0-9a-f]{{64}})$"
)

#: What verify cannot see without an anchor, in the words verify's output uses.
UNDETECTABLE_WITHOUT_ANCHOR = (
    "the newest events deleted together with the head rolled back to the last event kept",
    "the whole stream deleted together with its head",
)


def _message(prev: str, fields: Mapping[str, str]) -> bytes:
    """What an event's hash covers: the previous hash and the event's canonical JSON."""
    canonical = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"))
    return f"{prev}\n{canonical}".encode()


def event_hash(audit_key: str, prev: str, fields: Mapping[str, str]) -> str:
    """HMAC-SHA256 under the audit key: without the key nobody can recompute a changed chain."""
    return hmac.new(audit_key.encode(), _message(prev, fields), hashlib.sha256).hexdigest()


def legacy_event_hash(prev: str, fields: Mapping[str, str]) -> str:
    """The unkeyed SHA-256 events had before the chain was keyed; verify accepts it only for the
    first ``GONGQ_AUDIT_LEGACY_EVENTS`` events, a number Redis cannot change."""
    return hashlib.sha256(_message(prev, fields)).hexdigest()


class InvalidAnchor(GongqError):
    """The text is not an anchor ``gongq audit checkpoint`` printed."""


@dataclass(frozen=True)
class Anchor:
    """One event pinned from outside Redis: its position (1 = oldest), stream id and hash.

    Its text form is one copyable string, ``gongq-anchor:v1:<count>:<stream id>:<hash>``.
    """

    count: int
    stream_id: str
    hash: str

    def __str__(self) -> str:
        return f"{ANCHOR_PREFIX}:{self.count}:{self.stream_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """The anchor ``text`` names, or InvalidAnchor saying what an anchor looks like."""
        match = _ANCHOR.match(text.strip())
        if match is None:
            raise InvalidAnchor(
                f"not a gongq anchor: expected {ANCHOR_PREFIX}:<count>:<stream id>:<hash>, "
                "as `gongq audit checkpoint` prints it"
            )
        return cls(int(match["count"]), match["stream_id"], match["hash"])

    def pins(self, event: AuditEvent) -> bool:
        """``event`` is the one this anchor was taken on (same stream id, same hash)."""
        return event.stream_id == self.stream_id and hmac.compare_digest(event.hash, self.hash)

    def to_json(self) -> dict[str, Any]:
        return {"anchor": str(self), "count": self.count, "stream_id": self.stream_id, "hash": self.hash}


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
    """Result of :meth:`AuditLog.verify`: ok, or the first event where the chain breaks and why.

    ``head`` is the newest event as an anchor (when the chain is intact and not empty);
    ``legacy_events`` how many of the events predate the key.
    """

    ok: bool
    events: int
    broken_at: str | None = None
    reason: str | None = None
    legacy_events: int = 0
    anchor: Anchor | None = None
    head: Anchor | None = None

    @property
    def undetectable(self) -> list[str]:
        """What this check could not have noticed, so nobody reads "intact" as more than it is."""
        if self.anchor is None:
            return list(UNDETECTABLE_WITHOUT_ANCHOR)
        return [
            f"events after event {self.anchor.count} (the anchor) deleted together with the head "
            "rolled back (anchor again, more often)"
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "legacy_events": self.legacy_events,
            "anchor": None if self.anchor is None else str(self.anchor),
            "head": None if self.head is None else str(self.head),
            "undetectable": self.undetectable,
        }


def _format_head(count: int, digest: str) -> str:
    return f"{count}:{digest}"


def _parse_head(raw: str) -> tuple[int | None, str]:
    """(event count, hash) of a head value; a head written before counts were kept is a bare hash."""
    count, sep, digest = raw.rpartition(":")
    if not sep:
        return None, raw
    return (int(count) if count.isdigit() else -1), digest


class AuditLog:
    """Appends chained events atomically (WATCH on the head) and verifies the chain."""

    def __init__(
        self,
        client: redis.Redis[str],
        keys: Keys,
        audit_key: str | None,
        pii_key: str | None = None,
        *,
        legacy_events: int = 0,
    ) -> None:
        """``audit_key`` None: events can be listed but not written or verified."""
        self._redis = client
        self._keys = keys
        self._audit_key = audit_key
        self._pii_key = pii_key
        self._legacy_events = legacy_events

    @classmethod
    def from_settings(cls, client: redis.Redis[str], keys: Keys, settings: Settings) -> AuditLog:
        """The audit log every producer, worker and command uses (one way to build it, so all of
        them key and scrub alike). A missing or placeholder key (outside sandbox mode) is refused
        when events are written or verified, not here, so read-only commands work without it."""
        try:
            audit_key: str | None = settings.require_audit_key()
        except ConfigurationError:
            audit_key = None
        return cls(
            client,
            keys,
            audit_key,
            settings.pii_key.get_secret_value(),
            legacy_events=settings.audit_legacy_events,
        )

    def redact(self, value: Redacted) -> Redacted:
        """``value`` (a text or JSON-like value) with personal data as the same keyed tokens the
        audit events carry: what task records keep of errors, answers and expired payloads."""
        return value if self._pii_key is None else cast("Redacted", scrub(self._pii_key, value))

    def _key(self) -> str:
        if self._audit_key is None:
            raise ConfigurationError(
                "audit events cannot be written or verified: GONGQ_AUDIT_KEY is empty or a "
                "placeholder (set it to a long random value, the same for every producer and worker)"
            )
        return self._audit_key

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
        and return the new head hash; the caller executes the pipeline.

        ``pipe`` must be WATCHing the head key and not yet in MULTI: this reads the head, starts
        the transaction and queues the XADDs and the head update, so the caller can add its own
        writes (a record change, a broker message) to the same MULTI and they land with the
        events or not at all. A concurrent writer moving the head fails the caller's EXEC
        (WatchError): it reads again and retries.
        """
        audit_key = self._key()
        raw_head = pipe.get(self._keys.audit_head)
        count, prev = (0, GENESIS) if raw_head is None else _parse_head(str(raw_head))
        if count is None or count < 0:
            # A head from before counts were kept (or unreadable): count the stream once. Any
            # append in the meantime moves the WATCHed head, so the EXEC fails and this reruns.
            count = self._redis.xlen(self._keys.audit)
        pipe.multi()
        for task_id, event, details in events:
            if self._pii_key is not None:
                details = {name: scrub_text(self._pii_key, value) for name, value in details.items()}
            fields = {"task_id": task_id, "event": event, "at": repr(time.time()), **details}
            digest = event_hash(audit_key, prev, fields)
            pipe.xadd(self._keys.audit, {**fields, "prev": prev, "hash": digest})
            prev = digest
        pipe.set(self._keys.audit_head, _format_head(count + len(events), prev))
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

    def verify(self, anchor: Anchor | None = None) -> ChainCheck:
        """Walk the stream and recompute every link under the key; the head must name the last
        event and count the stream; with ``anchor``, the anchored event must still be there,
        unchanged, and the chain must run on from it to the head."""
        audit_key = self._key()
        events = self.events()
        raw_head = self._redis.get(self._keys.audit_head)
        legacy = min(self._legacy_events, len(events))

        def broken(reason: str, at: AuditEvent | None = None) -> ChainCheck:
            stream_id = None if at is None else at.stream_id
            return ChainCheck(False, len(events), stream_id, reason, legacy, anchor)

        if raw_head is not None and not events:
            return broken(
                f"the stream is missing or empty, but the head ({raw_head}) says events were written"
            )
        prev = GENESIS
        for position, event in enumerate(events, start=1):
            if event.prev != prev:
                return broken(
                    "link to the previous event is broken "
                    "(an event before it was inserted, deleted or changed)",
                    event,
                )
            if position <= self._legacy_events:
                expected = legacy_event_hash(prev, event.fields)
            else:
                expected = event_hash(audit_key, prev, event.fields)
            if not hmac.compare_digest(expected, event.hash):
                unkeyed = hmac.compare_digest(legacy_event_hash(prev, event.fields), event.hash)
                return broken(
                    "event content does not match its hash "
                    + (
                        "(its hash is unkeyed SHA-256: recomputed without GONGQ_AUDIT_KEY, or "
                        "written before the chain was keyed, see GONGQ_AUDIT_LEGACY_EVENTS)"
                        if unkeyed
                        else "(changed, or written under another GONGQ_AUDIT_KEY)"
                    ),
                    event,
                )
            if anchor is not None and position == anchor.count and not anchor.pins(event):
                return broken(
                    f"event {position} is not the anchored one ({anchor.stream_id}): the events up "
                    "to the anchor were deleted or replaced (the stream written anew)",
                    event,
                )
            prev = event.hash
        last = events[-1] if events else None
        if anchor is not None and anchor.count > len(events):
            return broken(
                f"the stream has {len(events)} events but the anchor names event {anchor.count}: "
                "events were deleted (truncated or rolled back)",
                last,
            )
        if self._legacy_events > len(events):
            return broken(
                f"GONGQ_AUDIT_LEGACY_EVENTS says {self._legacy_events} events predate the key but "
                f"the stream has only {len(events)}: events were deleted",
                last,
            )
        if last is None:
            return ChainCheck(True, 0, legacy_events=legacy, anchor=anchor)
        if raw_head is None:
            return broken("the head key is missing (deleted)", last)
        count, head_hash = _parse_head(raw_head)
        if head_hash != prev:
            return broken("newest events were deleted (head mismatch)", last)
        if count is not None and count != len(events):
            return broken(f"the head counts {count} events but the stream has {len(events)}", last)
        return ChainCheck(
            True,
            len(events),
            legacy_events=legacy,
            anchor=anchor,
            head=Anchor(len(events), last.stream_id, prev),
        )
