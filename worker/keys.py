"""Every Redis key gongq writes, in one place (design.md, "Redis data model").

Celery's own keys (broker lists ``privacy``/``default``, ``celery-task-meta-*``) are not listed:
Celery owns them and they carry task ids only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix, so tests and deployments can share a Redis safely."""

    prefix: str = "gongq"

    def task(self, task_id: str) -> str:
        """Hash: the task record (operation, status, payload JSON, attempts, result, error...)."""
        return f"{self.prefix}:task:{task_id}"

    def idempotency(self, key: str) -> str:
        """String → task id, SET NX with a TTL: one idempotency key never makes a second task."""
        return f"{self.prefix}:idem:{key}"

    @property
    def audit(self) -> str:
        """Stream: one HMAC-chained event per state change (``worker/audit.py``)."""
        return f"{self.prefix}:audit"

    @property
    def audit_head(self) -> str:
        """String ``<count>:<hash>``: how many audit events there are and the newest one's hash,
        the link the next event chains to (a bare hash before counts were kept)."""
        return f"{self.prefix}:audit:head"

    @property
    def dead(self) -> str:
        """Sorted set of task ids by the time they were dead-lettered."""
        return f"{self.prefix}:dead"

    @property
    def parked(self) -> str:
        """Sorted set of parked task ids (waiting for a Gong connection or working keys) by time."""
        return f"{self.prefix}:parked"

    @property
    def connection_inactive(self) -> str:
        """String with a TTL: a worker saw no active Gong connection within the TTL, so new tasks
        park at once instead of spending model requests and rate-limit tokens to learn it again."""
        return f"{self.prefix}:connection:inactive"

    @property
    def needs_review(self) -> str:
        """Sorted set of task ids whose write ran but could not be judged, by time."""
        return f"{self.prefix}:needs_review"

    @property
    def open(self) -> str:
        """Sorted set task id → when last changed (or checked): the unfinished tasks that must
        have a broker message somewhere (or, deferred, their place in ``deferred``). The
        sweeper checks the ones unchanged for a while."""
        return f"{self.prefix}:open"

    @property
    def outbox(self) -> str:
        """Sorted set task id → creation time: records written but not yet published (their
        "queued" event and broker message go out together, then the id leaves this set)."""
        return f"{self.prefix}:outbox"

    @property
    def workers(self) -> str:
        """Hash worker name → JSON heartbeat (alive until, the Celery message ids it holds)."""
        return f"{self.prefix}:workers"

    @property
    def sweeper_lock(self) -> str:
        """String with a TTL: the worker currently sweeping (one at a time across hosts)."""
        return f"{self.prefix}:sweeper:lock"

    @property
    def payload_expiry_mark(self) -> str:
        """String: the cutoff of the last payload-retention sweep (older tasks were all looked at)."""
        return f"{self.prefix}:payload_expiry:mark"

    def webhook_delivery(self, fingerprint: str) -> str:
        """String: a signed webhook request already accepted ("pending", then its answer JSON)."""
        return f"{self.prefix}:webhook:delivery:{fingerprint}"

    @property
    def tasks_by_time(self) -> str:
        """Sorted set of task ids by creation time, for listings."""
        return f"{self.prefix}:tasks"

    @property
    def status_changes(self) -> str:
        """Hash ``<status>:<operation>`` → times a task entered that status (creation enters
        ``queued``), counted where statuses are written: what ``/metrics`` reports, without
        reading a single task record."""
        return f"{self.prefix}:stats:status_changes"

    def batch(self, batch_id: str) -> str:
        """Hash: a bulk submission's metadata (source, created_at, accepted/duplicate/rejected counts)."""
        return f"{self.prefix}:batch:{batch_id}"

    def batch_tasks(self, batch_id: str) -> str:
        """List of the task ids a bulk submission names (new and duplicate); `gongq batch` counts them."""
        return f"{self.prefix}:batch:{batch_id}:tasks"

    @property
    def ratelimit_bucket(self) -> str:
        """Hash (tokens, ts): the global Gong token bucket shared by every worker process."""
        return f"{self.prefix}:ratelimit:bucket"

    @property
    def ratelimit_privacy_waiting(self) -> str:
        """Sorted set waiter id → expiry: privacy callers refused a token; others yield to them."""
        return f"{self.prefix}:ratelimit:privacy-waiting"

    @property
    def ratelimit_day_prefix(self) -> str:
        """Prefix of the daily counters ``<prefix>YYYY-MM-DD`` (UTC date, TTL 2 days)."""
        return f"{self.prefix}:ratelimit:day:"

    def ratelimit_day(self, utc_date: str) -> str:
        """String counter: Gong requests granted on one UTC date (``YYYY-MM-DD``)."""
        return f"{self.ratelimit_day_prefix}{utc_date}"

    @property
    def deferred(self) -> str:
        """Sorted set task id → epoch it may run again (daily budget spent, or a long Retry-After)."""
        return f"{self.prefix}:deferred"

    def erasure(self, token: str) -> str:
        """Hash: the erasure ledger entry of one identifier, keyed by its HMAC token."""
        return f"{self.prefix}:erasure:{token}"

    @property
    def erasures(self) -> str:
        """Sorted set of ledger tokens by request time, for listings and the CSV export."""
        return f"{self.prefix}:erasures"
