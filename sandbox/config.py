"""Configuration of the offline stand-ins for Gong, Composio and OpenAI.

The sandbox is not part of gongq proper: the worker and producers only ever see base URLs.
Its knobs therefore live here, apart from ``worker.settings``, and can be changed at run time
through the ``/_sandbox/`` control endpoints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date


@dataclass
class SandboxConfig:
    """Values the three simulated services share; defaults model a small Gong customer."""

    #: Gong Basic-auth credentials of the simulated company; the Composio stand-in uses them
    #: for the user's "connected account", exactly as real Composio stores a customer's keys.
    gong_access_key: str = "sandbox-gong-access-key"
    gong_access_key_secret: str = "sandbox-gong-secret"
    #: Gong's default per-company limits (3 requests/s, 10,000/day).
    gong_rate_per_second: float = 3.0
    gong_daily_limit: int = 10_000
    #: Seconds until an erasure request is carried out (Gong takes hours; tests want seconds).
    erasure_delay_seconds: float = 2.0
    #: Seconds the simulated model "thinks" per /v1/responses request.
    model_latency_seconds: float = 0.0
    #: Base URL under which the Composio stand-in reaches the Gong simulator. ``None`` means
    #: "this same origin", resolved from the incoming request.
    gong_base_url: str | None = None
    #: Seed of the pseudo-random fault injector, so runs with faults are reproducible.
    fault_seed: int = 1234
    #: The sandbox model's calendar: "last week" and "recent" are relative to this day, which
    #: is pinned to the seed's data (October 2026) so such requests always find some.
    model_today: date = date(2026, 11, 2)
    #: Who the connected Gong account belongs to; the model reads "me" and "my team" as this
    #: user and their direct reports.
    account_owner_email: str = "dana.lee@acme-robotics.example"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> SandboxConfig:
        """Read ``GONGQ_SANDBOX_*`` overrides; the sandbox has no other configuration source."""
        config = cls()
        env = os.environ
        if "GONGQ_SANDBOX_MODEL_LATENCY" in env:
            config.model_latency_seconds = float(env["GONGQ_SANDBOX_MODEL_LATENCY"])
        if "GONGQ_SANDBOX_ERASURE_DELAY" in env:
            config.erasure_delay_seconds = float(env["GONGQ_SANDBOX_ERASURE_DELAY"])
        if "GONGQ_SANDBOX_GONG_RATE" in env:
            config.gong_rate_per_second = float(env["GONGQ_SANDBOX_GONG_RATE"])
        if "GONGQ_SANDBOX_GONG_DAILY_LIMIT" in env:
            config.gong_daily_limit = int(env["GONGQ_SANDBOX_GONG_DAILY_LIMIT"])
        return config
