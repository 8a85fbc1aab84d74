"""Configuration of the offline stand-ins for Gong, Composio and OpenAI.

The sandbox is not part of gongq proper: the worker and producers only ever see base URLs.
Its knobs therefore live here, apart from ``worker.settings``, and can be changed at run time
through the ``/_sandbox/`` control endpoints.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, cast, get_args

#: Where a successful Gong body sits in a multi-execute item: ``response.data`` (``flat``) or
#: ``response.data.response.data`` (``nested``, the example in Composio's meta-tools.json).
SuccessData = Literal["flat", "nested"]
#: How a Gong non-2xx reaches the item's error text (docs/fidelity-toolrouter.md): no public
#: source shows Composio's wording, so each is an alternative a consumer must handle.
GongFailure = Literal["text", "requests", "opaque", "fields"]

#: Pins the sandbox's calendar (``YYYY-MM-DD``); unset, it is today's UTC date.
TODAY_ENV = "GONGQ_SANDBOX_TODAY"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def sandbox_today() -> date:
    """The sandbox's calendar day: ``GONGQ_SANDBOX_TODAY`` if set (and not empty), else the
    real current UTC date.

    The one place the sandbox learns what day it is: the model's calendar
    (:attr:`SandboxConfig.model_today`) defaults to it and the Gong seed is anchored on that
    field, so "last week" and the seeded calls always agree. A value that is not a
    ``YYYY-MM-DD`` date is a ``ValueError`` naming the variable.
    """
    raw = os.environ.get(TODAY_ENV, "").strip()
    if not raw:
        return datetime.now(UTC).date()
    try:
        if not _ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{TODAY_ENV}={raw!r} is not a date: give it as YYYY-MM-DD (e.g. 2026-11-02), "
            "or unset it to use today's UTC date"
        ) from None


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
    #: The sandbox's calendar: the model reads "last week", "recent" and "tomorrow" against
    #: this day, and the Gong seed is anchored on it (its calls end the day before), so such
    #: requests always find data. Today's UTC date unless env ``GONGQ_SANDBOX_TODAY`` pins it.
    model_today: date = field(default_factory=sandbox_today)
    #: Who the connected Gong account belongs to; the model reads "me" and "my team" as this
    #: user and their direct reports.
    account_owner_email: str = "dana.lee@acme-robotics.example"
    #: Composio user ids have an ACTIVE Gong connection unless told otherwise
    #: (``POST /_sandbox/composio/connections/{user_id}``); env ``GONGQ_SANDBOX_GONG_CONNECTED=0``.
    default_connected: bool = True
    #: Default Tool Router answer shapes, switchable at run time (``/_sandbox/composio/shapes``).
    success_data: SuccessData = "flat"
    gong_failure: GongFailure = "text"
    #: Append `` (Retry-After: <n> s)`` to a Gong failure's text when Gong sent the header.
    retry_after_in_text: bool = False
    #: A Gong body whose JSON is longer than this is offloaded to a "remote file" (None: never).
    offload_over_bytes: int | None = None
    #: Session create answers ``mcp.url`` on this origin instead of the request's own (None).
    mcp_origin: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> SandboxConfig:
        """Read ``GONGQ_SANDBOX_*`` overrides; the sandbox has no other configuration source."""
        config = cls()
        env = os.environ
        config.model_today = sandbox_today()  # GONGQ_SANDBOX_TODAY, read as the field default reads it
        if "GONGQ_SANDBOX_MODEL_LATENCY" in env:
            config.model_latency_seconds = float(env["GONGQ_SANDBOX_MODEL_LATENCY"])
        if "GONGQ_SANDBOX_ERASURE_DELAY" in env:
            config.erasure_delay_seconds = float(env["GONGQ_SANDBOX_ERASURE_DELAY"])
        if "GONGQ_SANDBOX_GONG_RATE" in env:
            config.gong_rate_per_second = float(env["GONGQ_SANDBOX_GONG_RATE"])
        if "GONGQ_SANDBOX_GONG_DAILY_LIMIT" in env:
            config.gong_daily_limit = int(env["GONGQ_SANDBOX_GONG_DAILY_LIMIT"])
        if "GONGQ_SANDBOX_GONG_CONNECTED" in env:
            config.default_connected = env["GONGQ_SANDBOX_GONG_CONNECTED"].strip().lower() not in (
                "0",
                "false",
                "no",
                "off",
                "",
            )
        if "GONGQ_SANDBOX_SUCCESS_DATA" in env:
            config.success_data = cast(SuccessData, _choice(env["GONGQ_SANDBOX_SUCCESS_DATA"], SuccessData))
        if "GONGQ_SANDBOX_GONG_FAILURE" in env:
            config.gong_failure = cast(GongFailure, _choice(env["GONGQ_SANDBOX_GONG_FAILURE"], GongFailure))
        return config


def _choice(value: str, options: object) -> str:
    """``value`` if it is one of the Literal ``options``, else a ValueError naming them."""
    allowed: tuple[str, ...] = get_args(options)
    if value.strip() not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value.strip()
