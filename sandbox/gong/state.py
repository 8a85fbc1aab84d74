"""All simulated Gong state of one sandbox, and the layer every /v2 request passes through.

That layer (``GongState.gate``) does what the real service does before any endpoint runs:
Basic auth (401), injected faults (tests), the company rate limit (429 + Retry-After), and it
logs the request for tests to inspect.
"""

from __future__ import annotations

import base64
import copy
import threading
import time
from datetime import datetime
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.gong import seed, seed_admin, seed_content
from sandbox.gong.errors import GongError
from sandbox.gong.limits import FaultInjector, RateLimiter


class GongState:
    """The simulated company: users, calls, flows, erasures, plus log, faults and limits."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.limiter = RateLimiter(config.gong_rate_per_second, config.gong_daily_limit)
        self.faults = FaultInjector(config.fault_seed)
        self.reset()

    def reset(self) -> None:
        """Back to the deterministic seed, anchored on the sandbox's calendar day
        (``config.model_today``); log, faults, limits and erasures cleared."""
        with self.lock:
            #: Every seeded timestamp is a fixed offset from this (00:00 UTC the day before).
            self.anchor: datetime = seed.reference_date(self.config.model_today)
            anchor = self.anchor
            self.users: list[dict[str, Any]] = seed.users(anchor)
            self.calls: dict[str, dict[str, Any]] = {c["id"]: c for c in seed.calls(anchor)}
            self.emails: list[dict[str, Any]] = seed.emails(anchor)
            self.contacts: list[dict[str, Any]] = copy.deepcopy(seed.CONTACTS)
            self.flows: list[dict[str, Any]] = seed.flows(anchor)
            self.flow_instances: list[dict[str, Any]] = seed.flow_instances(anchor)
            self.meetings: dict[str, dict[str, Any]] = seed_admin.meetings(anchor)
            ordered = sorted(self.calls.values(), key=lambda c: c["id"])
            self.transcripts: dict[str, list[dict[str, Any]]] = {
                c["id"]: seed_content.transcript(n, c) for n, c in enumerate(ordered)
            }
            self.trackers: list[dict[str, Any]] = seed_content.trackers(anchor)
            self.scorecards: list[dict[str, Any]] = seed_content.scorecards(anchor)
            self.answered_scorecards = seed_content.answered_scorecards(self.scorecards, self.users, ordered)
            self.activity: list[dict[str, Any]] = seed_content.activity(self.users, ordered)
            self.library = seed_content.library_folders(anchor)
            self.call_access: dict[str, list[str]] = seed_admin.call_access()
            self.manual_associations = seed_admin.manual_associations(ordered)
            self.logs = seed_admin.logs(anchor, self.users, ordered)
            self.settings_history = seed_admin.settings_history(self.users)
            self.profiles: list[dict[str, Any]] = seed_admin.permission_profiles()
            self.profile_members: dict[str, str] = seed_admin.profile_members(self.users)
            self.crm_integration: dict[str, Any] | None = seed_admin.crm_integration()
            self.crm_objects = seed_admin.crm_objects(anchor)
            self.crm_schema: dict[str, list[dict[str, Any]]] = seed_admin.crm_schema(anchor)
            self.crm_requests: list[dict[str, Any]] = seed_admin.crm_requests()
            self.crm_delay_seconds = float(
                self.config.extra.get("crm_request_delay_seconds", self.config.erasure_delay_seconds)
            )
            self.engagement: list[dict[str, Any]] = []
            self.erasures: list[dict[str, Any]] = []
            self.media: dict[str, dict[str, Any]] = {}
            self.log: list[dict[str, Any]] = []
            self.next_call = 1
            self.next_meeting = 1
            self.next_integration = 1
            self.next_profile = 1
            self.limiter.configure(self.config.gong_rate_per_second, self.config.gong_daily_limit)
            self.limiter.new_day()
            self.faults.reset()

    # --- the gate every request passes ---------------------------------------------------------

    def check_auth(self, authorization: str | None) -> None:
        expected = base64.b64encode(
            f"{self.config.gong_access_key}:{self.config.gong_access_key_secret}".encode()
        ).decode()
        if authorization != f"Basic {expected}":
            raise GongError(401, "Access denied")

    def gate(self, path: str) -> None:
        """Faults first (a faulted request still counts, as a real answered request does), then limits."""
        rule = self.faults.draw(path)
        retry_after = self.limiter.acquire()
        if retry_after is not None:
            raise GongError(429, "API rate limit exceeded", headers={"Retry-After": str(retry_after)})
        if rule is not None:
            headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
            message = "Too many requests" if rule.status == 429 else "Unexpected error (injected fault)"
            raise GongError(rule.status, message, headers=headers)

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)
        return entry

    # --- erasure visibility ---------------------------------------------------------------------

    def erased(self, kind: str, value: str) -> bool:
        """True once an erasure of ``value`` has taken effect (its delay has passed)."""
        now = time.time()
        return any(
            e["kind"] == kind and e["value"] == value and e["effective_at"] <= now for e in self.erasures
        )

    def contact_erased(self, contact: dict[str, Any]) -> bool:
        return self.erased("email", contact["email"].lower()) or self.erased("phone", contact["phone"])

    def visible_contacts(self) -> list[dict[str, Any]]:
        return [c for c in self.contacts if not self.contact_erased(c)]

    def visible_calls(self) -> list[dict[str, Any]]:
        """Calls not deleted by a completed erasure of one of their external parties."""
        out = []
        for call in self.calls.values():
            gone = any(
                (p.get("emailAddress") and self.erased("email", str(p["emailAddress"]).lower()))
                or (p.get("phoneNumber") and self.erased("phone", str(p["phoneNumber"])))
                for p in call["parties"]
                if p.get("affiliation") == "External"
            )
            if not gone:
                out.append(call)
        return out

    def user(self, user_id: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u["id"] == user_id), None)

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u["emailAddress"].lower() == email.lower()), None)
