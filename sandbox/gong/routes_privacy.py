"""Data privacy: lookups by email or phone, and asynchronous erasure.

An erasure answers at once with a requestId and takes effect ``config.erasure_delay_seconds``
later (hours on the real service); until then the lookups still show the data.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong.errors import GongError, ok, request_id
from sandbox.gong.http import check_email
from sandbox.gong.state import GongState


def check_phone(value: str | None) -> str:
    """Gong wants a leading + and the country code; other non-digits are ignored."""
    if not value or not value.strip().startswith("+"):
        raise GongError(400, "phoneNumber must start with + and the country code")
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15:
        raise GongError(400, "phoneNumber must have 7 to 15 digits")
    return f"+{digits}"


def _calls_with(state: GongState, key: str, value: str) -> list[dict[str, Any]]:
    return [
        {
            "id": c["id"],
            "status": "COMPLETED",
            "externalSystems": [
                {
                    "system": "Salesforce",
                    "objects": [{"objectType": "Conversation", "externalId": c["clientUniqueId"]}],
                }
            ],
        }
        for c in state.visible_calls()
        if any(str(p.get(key) or "").lower() == value.lower() for p in c["parties"])
    ]


def _customer_data(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not contacts:
        return []
    return [
        {
            "system": "Salesforce",
            "objects": [
                {
                    "id": c["crmId"],
                    "objectType": c["objectType"],
                    "externalId": c["crmId"],
                    "mirrorId": c["crmId"],
                    "fields": [
                        {"name": "Name", "value": c["name"]},
                        {"name": "Email", "value": c["email"]},
                        {"name": "Phone", "value": c["phone"]},
                    ],
                }
                for c in contacts
            ],
        }
    ]


def register(router: APIRouter, state: GongState) -> None:
    def erase(kind: str, value: str) -> dict[str, Any]:
        now = time.time()
        rid = request_id()
        with state.lock:
            state.erasures.append(
                {
                    "requestId": rid,
                    "kind": kind,
                    "value": value,
                    "requested_at": now,
                    "effective_at": now + state.config.erasure_delay_seconds,
                }
            )
        return {"requestId": rid}

    @router.post("/v2/data-privacy/erase-data-for-email-address")
    async def erase_email(request: Request) -> dict[str, Any]:
        email = check_email(request.query_params.get("emailAddress"), "emailAddress").lower()
        return erase("email", email)

    @router.post("/v2/data-privacy/erase-data-for-phone-number")
    async def erase_phone(request: Request) -> dict[str, Any]:
        return erase("phone", check_phone(request.query_params.get("phoneNumber")))

    @router.get("/v2/data-privacy/data-for-email-address")
    async def data_for_email(request: Request) -> dict[str, Any]:
        email = check_email(request.query_params.get("emailAddress"), "emailAddress").lower()
        contacts = [c for c in state.visible_contacts() if c["email"].lower() == email]
        visible = not state.erased("email", email)
        return ok(
            {
                "emails": [e for e in state.emails if e["from"].lower() == email] if visible else [],
                "calls": _calls_with(state, "emailAddress", email),
                "meetings": [
                    {"id": m["meetingId"]}
                    for m in state.meetings.values()
                    if visible and any(str(i.get("email", "")).lower() == email for i in m["invitees"])
                ],
                "customerData": _customer_data(contacts),
                "customerEngagement": [
                    {k: v for k, v in e.items() if not k.startswith("_")}
                    for e in state.engagement
                    if visible and email in e["_emails"]
                ],
            }
        )

    @router.get("/v2/data-privacy/data-for-phone-number")
    async def data_for_phone(request: Request) -> dict[str, Any]:
        supplied = request.query_params.get("phoneNumber")
        phone = check_phone(supplied)
        contacts = [c for c in state.visible_contacts() if c["phone"] == phone]
        return ok(
            {
                "suppliedPhoneNumber": supplied,
                "matchingPhoneNumbers": [phone] if contacts else [],
                "emailAddresses": [c["email"] for c in contacts],
                "emails": [e for e in state.emails if any(e["from"] == c["email"] for c in contacts)],
                "calls": _calls_with(state, "phoneNumber", phone),
                "meetings": [],
                "customerData": _customer_data(contacts),
            }
        )
