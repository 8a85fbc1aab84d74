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
        """Stream: one hash-chained event per state change."""
        return f"{self.prefix}:audit"

    @property
    def audit_head(self) -> str:
        """String: hash of the newest audit event, the link the next event chains to."""
        return f"{self.prefix}:audit:head"

    @property
    def dead(self) -> str:
        """Sorted set of task ids by the time they were dead-lettered."""
        return f"{self.prefix}:dead"

    @property
    def tasks_by_time(self) -> str:
        """Sorted set of task ids by creation time, for listings."""
        return f"{self.prefix}:tasks"
