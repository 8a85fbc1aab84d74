"""Calls in depth: ``/v2/calls/extensive`` (content selected piece by piece) and transcripts.

Both take a required ``filter`` object and answer 404 rather than an empty list when no call
matches, as Gong does. Sub-objects of an extensive call appear only when the content selector
asks for them, so clients learn to select what they read.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import analysis, seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import (
    body_cursor,
    filter_object,
    json_body,
    json_object,
    one_of,
    paginate,
    parse_datetime,
    string_list,
)
from sandbox.gong.state import GongState

CONTEXTS = {"None", "Basic", "Extended"}
TIMINGS = {"Now", "TimeOfCall"}
CONTENT_FIELDS = [
    "structure",
    "topics",
    "trackers",
    "trackerOccurrences",
    "pointsOfInterest",
    "brief",
    "outline",
    "highlights",
    "callOutcome",
    "keyPoints",
]
INTERACTION_FIELDS = ["speakers", "video", "personInteractionStats", "questions"]


def matching_calls(state: GongState, filt: dict[str, Any], *, primary_users: bool) -> list[dict[str, Any]]:
    """Visible calls matching a calls filter, oldest first; 400 on malformed values."""
    start = parse_datetime(filt["fromDateTime"], "filter.fromDateTime") if "fromDateTime" in filt else None
    end = parse_datetime(filt["toDateTime"], "filter.toDateTime") if "toDateTime" in filt else None
    call_ids = string_list(filt.get("callIds"), "filter.callIds")
    hosts = string_list(filt.get("primaryUserIds"), "filter.primaryUserIds") if primary_users else None
    workspace = filt.get("workspaceId")
    if workspace is not None and str(workspace) not in {w["id"] for w in seed.WORKSPACES}:
        raise GongError(400, f"filter.workspaceId {workspace} is not a workspace of this company")
    out = []
    for call in state.visible_calls():
        started = datetime.fromisoformat(str(call["started"]))
        if (
            (start is None or started >= start)
            and (end is None or started < end)
            and (call_ids is None or call["id"] in call_ids)
            and (hosts is None or call["primaryUserId"] in hosts)
            and (workspace is None or call["workspaceId"] == str(workspace))
        ):
            out.append(call)
    return sorted(out, key=lambda c: str(c["started"]))


def _selector(body: dict[str, Any]) -> dict[str, Any]:
    selector = body.get("contentSelector") or {}
    if not isinstance(selector, dict):
        raise GongError(400, "contentSelector must be an object")
    context = one_of(selector.get("context", "None"), "contentSelector.context", CONTEXTS)
    timing = string_list(selector.get("contextTiming"), "contentSelector.contextTiming") or []
    for value in timing:
        one_of(value, "contentSelector.contextTiming", TIMINGS)
    if timing and context != "Extended":
        raise GongError(400, "contentSelector.contextTiming is allowed only with context Extended")
    exposed = selector.get("exposedFields") or {}
    for path, value in _leaves(exposed, "contentSelector.exposedFields"):
        if not isinstance(value, bool):
            raise GongError(400, f"{path} must be a boolean")
    return {"context": context, **exposed}


def _leaves(node: Any, path: str) -> list[tuple[str, Any]]:
    if not isinstance(node, dict):
        return [(path, node)]
    return [leaf for key, value in node.items() for leaf in _leaves(value, f"{path}.{key}")]


def _party(state: GongState, party: dict[str, Any]) -> dict[str, Any]:
    user = state.user(str(party.get("userId"))) if party.get("userId") else None
    name = f"{user['firstName']} {user['lastName']}" if user else party.get("name")
    return {
        "id": party.get("id"),
        "emailAddress": party.get("emailAddress"),
        "name": name,
        "title": user["title"] if user else None,
        "userId": party.get("userId"),
        "speakerId": party.get("speakerId"),
        "affiliation": party.get("affiliation", "Unknown"),
        "phoneNumber": party.get("phoneNumber"),
        "methods": ["Invitee", "Attendee"],
        "context": [],
    }


def _content(state: GongState, call: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    transcript = state.transcripts.get(call["id"], [])
    topics: dict[str, float] = {}
    for m in transcript:
        spoken = (m["sentences"][-1]["end"] - m["sentences"][0]["start"]) / 1000
        topics[m["topic"]] = round(topics.get(m["topic"], 0.0) + spoken, 2)
    lines = [(m, s) for m in transcript for s in m["sentences"]]
    next_steps = [s["text"] for m, s in lines if m["topic"] == "Next Steps"]
    full: dict[str, Any] = {
        "structure": [{"name": name, "duration": seconds} for name, seconds in topics.items()],
        "topics": [{"name": name, "duration": seconds} for name, seconds in topics.items()],
        "pointsOfInterest": {
            "actionItems": [
                {
                    "snippetStartTime": s["start"] / 1000,
                    "snippetEndTime": s["end"] / 1000,
                    "speakerID": m["speakerId"],
                    "snippet": s["text"],
                }
                for m, s in lines
                if m["topic"] == "Next Steps"
            ]
        },
        "brief": f"{call['title']}: " + " ".join(s["text"] for _, s in lines[:4]) if lines else None,
        "outline": [
            {
                "section": name,
                "startTime": next(
                    m["sentences"][0]["start"] / 1000 for m in transcript if m["topic"] == name
                ),
                "duration": seconds,
                "items": [
                    {"text": s["text"], "startTime": s["start"] / 1000}
                    for m, s in lines
                    if m["topic"] == name
                ][:2],
            }
            for name, seconds in topics.items()
        ],
        "highlights": [{"title": "Next steps", "items": [{"text": t, "startTimes": []} for t in next_steps]}],
        "callOutcome": {"id": "1", "category": "Answered", "name": "Meeting booked"} if next_steps else None,
        "keyPoints": [{"text": s["text"]} for m, s in lines if s["text"].endswith("?")],
    }
    out = {k: v for k, v in full.items() if chosen.get(k)}
    if chosen.get("trackers"):
        relevant = [t for t in state.trackers if t["workspaceId"] == call["workspaceId"]]
        out["trackers"] = analysis.trackers(
            relevant, transcript, occurrences=bool(chosen.get("trackerOccurrences"))
        )
    return out


def _interaction(state: GongState, call: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    transcript = state.transcripts.get(call["id"], [])
    out: dict[str, Any] = {}
    if chosen.get("speakers"):
        talk = analysis.talk_time(transcript)
        out["speakers"] = [
            {"id": p["speakerId"], "userId": p.get("userId"), "talkTime": talk.get(str(p["speakerId"]), 0.0)}
            for p in call["parties"]
            if p.get("speakerId")
        ]
    if chosen.get("personInteractionStats"):
        out["interactionStats"] = [
            {
                "userId": p["userId"],
                "userEmailAddress": p.get("emailAddress"),
                "personInteractionStats": stats,
            }
            for p in call["parties"]
            if p.get("userId") and (stats := analysis.interaction_stats([(call, transcript)], p["userId"]))
        ]
    if chosen.get("questions"):
        out["questions"] = analysis.questions(call, transcript)
    if chosen.get("video"):
        out["video"] = [{"name": "Presentation", "duration": 240}, {"name": "Webcam", "duration": 600}]
    return out


def _context(state: GongState, call: dict[str, Any], *, extended: bool) -> list[dict[str, Any]]:
    """The CRM account of the call's external contact (fields only with context Extended)."""
    emails = {str(p.get("emailAddress") or "").lower() for p in call["parties"]}
    people = {**state.crm_objects.get("CONTACT", {}), **state.crm_objects.get("LEAD", {})}
    accounts = state.crm_objects.get("ACCOUNT", {})
    objects = []
    for person in people.values():
        account = accounts.get(str(person.get("accountId")))
        if str(person.get("emailAddress", "")).lower() in emails and account is not None:
            fields = (
                [{"name": k, "value": v} for k, v in account.items() if k != "objectId"] if extended else []
            )
            objects.append({"objectType": "Account", "objectId": account["objectId"], "fields": fields})
    return [{"system": "Salesforce", "objects": objects}] if objects else []


def _extensive(state: GongState, call: dict[str, Any], selector: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"metaData": {k: v for k, v in call.items() if k != "parties"}}
    if selector["context"] != "None":
        item["context"] = _context(state, call, extended=selector["context"] == "Extended")
    if selector.get("parties"):
        item["parties"] = [_party(state, p) for p in call["parties"]]
    content = selector.get("content") or {}
    if any(content.get(f) for f in CONTENT_FIELDS):
        item["content"] = _content(state, call, content)
    interaction = selector.get("interaction") or {}
    if any(interaction.get(f) for f in INTERACTION_FIELDS):
        item["interaction"] = _interaction(state, call, interaction)
    if (selector.get("collaboration") or {}).get("publicComments"):
        item["collaboration"] = {
            "publicComments": [
                {
                    "id": a["id"],
                    "audioStartTime": a["audioStartTime"],
                    "audioEndTime": a["audioEndTime"],
                    "commenterUserId": a["userId"],
                    "comment": a["text"],
                    "posted": a["time"],
                    "inReplyTo": None,
                    "duringCall": False,
                }
                for a in state.activity
                if a["callId"] == call["id"] and a["kind"] == "comment"
            ]
        }
    if selector.get("media"):
        expires = int(time.time()) + 8 * 3600  # Gong's media URLs are valid for 8 hours
        base = f"https://media.gong.example/{call['id']}"
        item["media"] = {
            "audioUrl": f"{base}/audio.mp3?expires={expires}",
            "videoUrl": f"{base}/video.mp4?expires={expires}" if call.get("media") == "Video" else None,
        }
    return item


def register(router: APIRouter, state: GongState) -> None:
    @router.post("/v2/calls/extensive")
    async def calls_extensive(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        filt = filter_object(body)
        selector = _selector(body)
        calls = matching_calls(state, filt, primary_users=True)
        if not calls:
            raise GongError(404, "No calls found corresponding to the provided filters")
        page, records = paginate([{"id": c["id"]} for c in calls], body_cursor(body))
        by_id = {c["id"]: c for c in calls}
        return ok({"records": records, "calls": [_extensive(state, by_id[p["id"]], selector) for p in page]})

    @router.post("/v2/calls/transcript")
    async def transcripts(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        calls = matching_calls(state, filter_object(body), primary_users=False)
        if not calls:
            raise GongError(404, "No calls found corresponding to the provided filters")
        items = [{"callId": c["id"], "transcript": state.transcripts.get(c["id"], [])} for c in calls]
        page, records = paginate(items, body_cursor(body))
        return ok({"records": records, "callTranscripts": page})
