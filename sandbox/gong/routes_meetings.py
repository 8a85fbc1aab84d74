"""Meetings (limited-release API): create, update, delete, and users' calendar-integration status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import check_email, json_body, json_object, parse_datetime, require
from sandbox.gong.state import GongState

MAX_STATUS_EMAILS = 100


def _validated(state: GongState, body: dict[str, Any]) -> dict[str, Any]:
    require(body, "startTime", "endTime", "organizerEmail", "invitees")
    start = parse_datetime(body["startTime"], "startTime")
    end = parse_datetime(body["endTime"], "endTime")
    if end <= start:
        raise GongError(400, "endTime must be after startTime")
    organizer = check_email(body["organizerEmail"], "organizerEmail")
    if state.user_by_email(organizer) is None:
        raise GongError(404, f"Organizer {organizer} is not a Gong user")
    if not isinstance(body["invitees"], list):
        raise GongError(400, "invitees must be a list")
    for index, invitee in enumerate(body["invitees"]):
        if not isinstance(invitee, dict):
            raise GongError(400, f"invitees[{index}] must be an object")
        check_email(invitee.get("email"), f"invitees[{index}].email")
    return {
        "startTime": start.isoformat(),
        "endTime": end.isoformat(),
        "organizerEmail": organizer.lower(),
        "invitees": body["invitees"],
        "title": body.get("title"),
        "externalId": body.get("externalId"),
    }


def _meeting_id(value: str) -> str:
    """Gong's meetingId path parameter is an int64."""
    if not value.isdigit() or len(value) > 19:
        raise GongError(400, f"meetingId must be a 64-bit integer: {value}")
    return value


def register(router: APIRouter, state: GongState) -> None:
    @router.post("/v2/meetings/integration/status")
    async def integration_status(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        emails = body.get("emails")
        if not isinstance(emails, list) or not emails:
            raise GongError(400, "emails is required and must be a non-empty list")
        if len(emails) > MAX_STATUS_EMAILS:
            raise GongError(400, f"emails may list at most {MAX_STATUS_EMAILS} addresses")
        users = []
        for index, raw in enumerate(emails):
            email = check_email(raw, f"emails[{index}]")
            user = state.user_by_email(email)
            users.append(
                {
                    "email": email,
                    "exists": user is not None,
                    "valid": user is not None,
                    "userFacingError": None if user else "This address does not belong to a Gong user",
                    "helpUrl": None if user else "https://help.gong.io/docs/calendar-integration",
                    "fixUrl": None if user else "https://app.gong.io/company/team-member",
                }
            )
        return ok({"users": users})

    @router.post("/v2/meetings")
    async def create(request: Request) -> dict[str, Any]:
        meeting = _validated(state, json_object(await json_body(request)))
        with state.lock:
            meeting_id = f"{7_000_000_000_000_000_000 + state.next_meeting}"
            state.next_meeting += 1
            state.meetings[meeting_id] = {"meetingId": meeting_id, **meeting}
        return ok(
            {
                "meetingId": meeting_id,
                "meetingUrl": f"https://app.gong.io/meeting/{meeting_id}",
                "additionalInvitees": [{"displayName": "Gong Assistant", "email": "assistant@gong.io"}],
            }
        )

    @router.put("/v2/meetings/{meeting_id}")
    async def update(meeting_id: str, request: Request) -> dict[str, Any]:
        _meeting_id(meeting_id)
        meeting = _validated(state, json_object(await json_body(request)))
        if meeting_id not in state.meetings:
            raise GongError(404, f"Meeting {meeting_id} not found")
        state.meetings[meeting_id] = {"meetingId": meeting_id, **meeting}
        return ok({"meetingId": meeting_id})

    @router.delete("/v2/meetings/{meeting_id}")
    async def delete(meeting_id: str, request: Request) -> dict[str, Any]:
        _meeting_id(meeting_id)
        body = json_object(await json_body(request))
        organizer = check_email(body.get("organizerEmail"), "organizerEmail").lower()
        meeting = state.meetings.get(meeting_id)
        if meeting is None or meeting["organizerEmail"] != organizer:
            raise GongError(404, f"No meeting {meeting_id} for organizer {organizer}")
        del state.meetings[meeting_id]
        return {"organizerEmail": organizer}
