"""Gong's per-company rate limits and the fault injector used by tests.

The token bucket holds ``rate`` tokens (at least 1) and refills continuously; the daily counter
resets only when the simulated day rolls over (``/_sandbox/gong/day``), so tests can exhaust a
day's budget without waiting for midnight.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass


class RateLimiter:
    """A token bucket (requests/second) plus a daily counter for the whole company."""

    def __init__(self, per_second: float, per_day: int) -> None:
        self._lock = threading.Lock()
        self.configure(per_second, per_day)
        self.used_today = 0

    def configure(self, per_second: float, per_day: int) -> None:
        with self._lock:
            self.per_second = per_second
            self.per_day = per_day
            self.capacity = max(1.0, per_second)
            self.tokens = self.capacity
            self.updated = time.monotonic()

    def new_day(self) -> None:
        with self._lock:
            self.used_today = 0

    def acquire(self) -> int | None:
        """Take a token: None when allowed, else the whole seconds to wait (Retry-After)."""
        with self._lock:
            if self.used_today >= self.per_day:
                return 3600  # the real service says "come back tomorrow" in hours
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
            self.updated = now
            if self.tokens < 1.0:
                return max(1, math.ceil((1.0 - self.tokens) / self.per_second))
            self.tokens -= 1.0
            self.used_today += 1
            return None


@dataclass(frozen=True)
class FaultRule:
    """Answer ``rate`` of matching requests with ``status`` (and Retry-After when set)."""

    status: int
    rate: float
    retry_after: int | None = None
    path_prefix: str | None = None


class FaultInjector:
    """Seeded, so a run with faults is reproducible."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self.rules: list[FaultRule] = []

    def reset(self) -> None:
        self._random = random.Random(self._seed)
        self.rules = []

    def draw(self, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any (one draw decides among all rules)."""
        roll = self._random.random()
        for rule in self.rules:
            if rule.path_prefix and not path.startswith(rule.path_prefix):
                continue
            if roll < rule.rate:
                return rule
            roll -= rule.rate
        return None
