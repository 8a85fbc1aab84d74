"""The erasure ledger: one entry per erased identifier, for the privacy team's records.

Gong answers an erasure with a request id and carries it out hours later, so "the task
succeeded" is not "the data is gone". Each entry, keyed by the identifier's HMAC token (never
the identifier), records when it was requested, Gong's request id, the legal due date and a
status: ``requested`` → ``verified`` once a data-privacy lookup finds nothing, or ``flagged``
after ``erasure_verify_attempts`` lookups that still found data. The lookups are ordinary
gongq tasks (``get_privacy_data_for_email`` / ``_phone``) parked in the deferred set until due,
so they survive restarts and respect the Gong rate limiter like any other task.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import asdict, dataclass
from enum import StrEnum

import redis

from worker.keys import Keys
from worker.pii import pii_token
from worker.settings import Settings
from worker.store import TaskStore

#: Erasure operation → the lookup that verifies it and the payload field both use.
VERIFICATION = {
    "erase_email": ("get_privacy_data_for_email", "emailAddress", "email"),
    "erase_phone": ("get_privacy_data_for_phone", "phoneNumber", "phone"),
}
DAY = 24 * 3600


class ErasureStatus(StrEnum):
    REQUESTED = "requested"
    VERIFIED = "verified"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class ErasureEntry:
    token: str
    kind: str
    task_id: str
    gong_request_id: str
    requested_at: float
    due_at: float
    status: ErasureStatus
    checks: int
    verified_at: float | None = None

    @property
    def overdue(self) -> bool:
        return self.status is not ErasureStatus.VERIFIED and time.time() > self.due_at

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "status": self.status.value, "overdue": self.overdue}


class ErasureLedger:
    """Reads and writes ledger entries and schedules the verification lookups."""

    def __init__(self, client: redis.Redis[str], keys: Keys, store: TaskStore, settings: Settings) -> None:
        self._redis = client
        self._keys = keys
        self._store = store
        self._settings = settings

    def token(self, identifier: str) -> str:
        return pii_token(self._settings.pii_key.get_secret_value(), identifier)

    def record_request(self, operation: str, identifier: str, task_id: str, gong_request_id: str) -> str:
        """Open (or reopen) the entry of ``identifier`` and schedule its first verification."""
        lookup, field, kind = VERIFICATION[operation]
        token = self.token(identifier)
        now = time.time()
        self._redis.hset(
            self._keys.erasure(token),
            mapping={
                "token": token,
                "kind": kind,
                "task_id": task_id,
                "gong_request_id": gong_request_id,
                "requested_at": repr(now),
                "due_at": repr(now + self._settings.erasure_due_days * DAY),
                "status": ErasureStatus.REQUESTED.value,
                "checks": "0",
                "verified_at": "",
            },
        )
        self._redis.zadd(self._keys.erasures, {token: now})
        self.schedule_check(lookup, {field: identifier}, token)
        return token

    def schedule_check(self, lookup: str, payload: dict[str, str], token: str) -> str:
        """A lookup task for ``token``, parked until Gong has had time to finish."""
        created = self._store.create(lookup, payload, source="erasure-ledger", verifies=token)
        due = time.time() + self._settings.erasure_verify_delay_seconds
        self._store.mark_deferred(
            created.task_id, "waiting for Gong to carry out the erasure", due, refund_attempt=False
        )
        return created.task_id

    def record_check(
        self, token: str, references_anything: bool, lookup: str, payload: dict[str, str]
    ) -> None:
        """The outcome of one lookup: verified, another check later, or flagged."""
        checks = int(self._redis.hincrby(self._keys.erasure(token), "checks", 1))
        if not references_anything:
            self._redis.hset(
                self._keys.erasure(token),
                mapping={"status": ErasureStatus.VERIFIED.value, "verified_at": repr(time.time())},
            )
        elif checks >= self._settings.erasure_verify_attempts:
            self._redis.hset(self._keys.erasure(token), "status", ErasureStatus.FLAGGED.value)
        else:
            self.schedule_check(lookup, payload, token)

    def get(self, token: str) -> ErasureEntry | None:
        raw: dict[str, str] = self._redis.hgetall(self._keys.erasure(token))
        if not raw:
            return None
        return ErasureEntry(
            token=raw["token"],
            kind=raw["kind"],
            task_id=raw["task_id"],
            gong_request_id=raw["gong_request_id"],
            requested_at=float(raw["requested_at"]),
            due_at=float(raw["due_at"]),
            status=ErasureStatus(raw["status"]),
            checks=int(raw.get("checks", "0")),
            verified_at=float(raw["verified_at"]) if raw.get("verified_at") else None,
        )

    def entries(self, *, overdue_only: bool = False) -> list[ErasureEntry]:
        found = [self.get(token) for token in self._redis.zrange(self._keys.erasures, 0, -1)]
        entries = [entry for entry in found if entry is not None]
        return [entry for entry in entries if entry.overdue] if overdue_only else entries


def to_csv(entries: list[ErasureEntry]) -> str:
    """The ledger as CSV for the privacy team's records (tokens, never identifiers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "token",
            "kind",
            "status",
            "requested_at",
            "due_at",
            "verified_at",
            "checks",
            "gong_request_id",
            "task_id",
        ]
    )
    for entry in entries:
        writer.writerow(
            [
                entry.token,
                entry.kind,
                entry.status.value,
                _iso(entry.requested_at),
                _iso(entry.due_at),
                _iso(entry.verified_at) if entry.verified_at else "",
                entry.checks,
                entry.gong_request_id,
                entry.task_id,
            ]
        )
    return out.getvalue()


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
