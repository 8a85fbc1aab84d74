"""The sandbox model on a free-form request: search the Tool Router, run the tool, answer.

Like a capable model it: greets; searches for the best Gong tool; fetches what a tool needs
first when the request implies it (a meeting "with my team" needs the team, adding media to
"a call" needs to know which call); fills the required arguments from the request and its
calendar; asks for what it cannot know; and answers in plain language from Gong's data.
Pure functions: ``sandbox.responses.api`` does the I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sandbox.responses.planner import EXECUTE, SEARCH, Done, Step, describe_failure, output_failed, tool_body

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+\d[\d\s().-]{6,18}\d")
GONG_ID = re.compile(r"\b\d{10,20}\b")
GREETING = re.compile(r"^\s*(hi|hello|hey|what can you (help|do)|help\b)", re.IGNORECASE)

LIST_USERS = "GONG_LIST_ALL_USERS_V2_USERS"
LIST_CALLS = "GONG_RETRIEVE_CALL_DATA_BY_DATE_RANGE_V2_CALLS"
CREATE_MEETING = "GONG_CREATE_A_NEW_GONG_MEETING_V2_MEETINGS"
ADD_CALL_MEDIA = "GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA"
ACTIVITY = "GONG_AGGREGATE_USER_ACTIVITY_STATISTICS"
PRIVACY_PHONE = "GONG_DATA_PRIVACY_FOR_PHONE_NUMBER"
PRIVACY_EMAIL = "GONG_RETRIEVE_DATA_PRIVACY_INFO_FOR_EMAIL_ADDRESS"


@dataclass(frozen=True)
class ModelContext:
    """What the model knows besides the conversation: its calendar and whose account it is."""

    today: date
    owner_email: str

    @property
    def last_week(self) -> tuple[date, date]:
        """Monday to Monday (``to`` exclusive, as Gong's stats filters are)."""
        monday = self.today - timedelta(days=self.today.weekday())
        return monday - timedelta(days=7), monday


def next_step(request: str, outputs: list[Any], server_label: str, context: ModelContext) -> Step | Done:
    """The next MCP call for ``request`` given the outputs of this turn so far, or the answer."""
    if not outputs:
        if GREETING.match(request):
            return Done(
                "I can work with your Gong account through the Tool Router: list users and their "
                "activity statistics, find calls and transcripts, create meetings, add call recordings, "
                "look up or erase personal data, and assign prospects to Engage flows. What do you need?"
            )
        return Step(
            server_label, SEARCH, {"queries": [{"use_case": request}], "session": {"generate_id": True}}
        )
    found = _primary_tool(outputs[0])
    if found is None:
        return Done("I could not find a Gong tool for that request.")
    slug, schema = found
    executed = outputs[1:]
    if executed and output_failed(executed[-1]):
        return Done(_failure_answer(executed[-1]))
    prerequisite = PREREQUISITES.get(slug)
    if prerequisite is not None and not executed:
        tool, arguments = prerequisite(context)
        return _execute(server_label, tool, arguments, f"Look up what {slug} needs")
    background = executed[0] if prerequisite is not None else None
    if len(executed) == (1 if prerequisite is not None else 0):
        if slug == ADD_CALL_MEDIA:
            return Done(_media_answer(background, request))
        arguments, missing = fill_arguments(slug, schema, request, context, background)
        if missing:
            return Done(
                f"To do that with {slug} I need: {', '.join(missing)}. Please tell me and I'll run it."
            )
        return _execute(server_label, slug, arguments, f"Run {slug} for the user's request")
    answer = ANSWERS.get(slug, _generic_answer)
    return Done(answer(executed[-1], request, context, background))


def _execute(server_label: str, slug: str, arguments: dict[str, Any], thought: str) -> Step:
    return Step(
        server_label, EXECUTE, {"tools": [{"tool_slug": slug, "arguments": arguments}], "thought": thought}
    )


def _primary_tool(search_output: Any) -> tuple[str, dict[str, Any]] | None:
    results = ((search_output or {}).get("data") or {}).get("results", [])
    slugs = results[0].get("primary_tool_slugs", []) if results else []
    if not slugs:
        return None
    return slugs[0], results[0]["tool_schemas"][slugs[0]]["input_schema"]


def _data(output: Any) -> dict[str, Any]:
    """Gong's body from a single-tool multi-execute output."""
    for result in ((output or {}).get("data") or {}).get("results", []):
        if isinstance((result or {}).get("response"), dict):
            return tool_body(result)
    return {}


# --- what some tools need first ------------------------------------------------------------------


def _team_lookup(_: ModelContext) -> tuple[str, dict[str, Any]]:
    return LIST_USERS, {}


def _recent_calls(context: ModelContext) -> tuple[str, dict[str, Any]]:
    start = datetime.combine(context.today - timedelta(days=14), time(), UTC)
    end = datetime.combine(context.today, time(), UTC)
    return LIST_CALLS, {"fromDateTime": _iso(start), "toDateTime": _iso(end)}


PREREQUISITES: dict[str, Callable[[ModelContext], tuple[str, dict[str, Any]]]] = {
    CREATE_MEETING: _team_lookup,
    ADD_CALL_MEDIA: _recent_calls,
}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- arguments ------------------------------------------------------------------------------------


def fill_arguments(
    slug: str, schema: dict[str, Any], request: str, context: ModelContext, background: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """Required arguments found in the request, the calendar or the background data; the rest missing."""
    if slug == CREATE_MEETING:
        return _meeting_arguments(request, context, _data(background).get("users", [])), []
    emails = EMAIL.findall(request)
    phones = [re.sub(r"[^\d+]", "", p) for p in PHONE.findall(request)]
    ids = GONG_ID.findall(request.replace("+", " +"))
    week_start, week_end = context.last_week
    arguments: dict[str, Any] = {}
    missing = []
    for name in schema.get("required", []):
        leaf = name.rsplit("__", 1)[-1]
        if "mail" in leaf.lower() and emails:
            arguments[name] = emails[0]
        elif "phone" in leaf.lower() and phones:
            arguments[name] = phones[0]
        elif leaf in ("fromDate", "toDate"):
            arguments[name] = (week_start if leaf == "fromDate" else week_end).isoformat()
        elif leaf in ("fromDateTime", "toDateTime"):
            when = week_start if leaf == "fromDateTime" else week_end
            arguments[name] = _iso(datetime.combine(when, time(), UTC))
        elif leaf in ("id", "callId", "meetingId", "userId") and ids:
            arguments[name] = ids[0]
        else:
            missing.append(name)
    return arguments, missing


def _meeting_arguments(request: str, context: ModelContext, users: list[dict[str, Any]]) -> dict[str, Any]:
    """A 30-minute meeting on the next working day at 16:00 UTC, organised by the account owner,
    with the people named by email in the request or else the owner's direct reports."""
    owner = next((u for u in users if str(u.get("emailAddress", "")).lower() == context.owner_email), None)
    named = [e.lower() for e in EMAIL.findall(request)]
    if named:
        invitees = [{"email": e} for e in named]
    else:
        team = [u for u in users if owner is not None and u.get("managerId") == owner.get("id")]
        invitees = [
            {
                "email": u["emailAddress"],
                "displayName": f"{u.get('firstName', '')} {u.get('lastName', '')}".strip(),
            }
            for u in team
        ]
    day = context.today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime.combine(day, time(16, 0), UTC)
    return {
        "title": "Team sync" if "team" in request.lower() else "Meeting",
        "startTime": _iso(start),
        "endTime": _iso(start + timedelta(minutes=30)),
        "organizerEmail": context.owner_email,
        "invitees": invitees,
    }


# --- answers --------------------------------------------------------------------------------------


def _failure_answer(output: Any) -> str:
    return f"Gong returned an error: {describe_failure(output)}"


def _label(item: dict[str, Any]) -> str:
    name = " ".join(str(item[k]) for k in ("firstName", "lastName") if item.get(k))
    name = name or str(item.get("name") or item.get("title") or item.get("id") or "")
    email = item.get("emailAddress") or item.get("email")
    return f"{name} <{email}>" if email else name


def _generic_answer(output: Any, request: str, context: ModelContext, background: Any) -> str:
    """Lists get one line per record; other bodies are shown compactly."""
    lines = []
    for result in ((output or {}).get("data") or {}).get("results", []):
        data = tool_body(result)
        lists = {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        if not lists:
            shown = {k: v for k, v in data.items() if k != "requestId"}
            lines.append(f"{result.get('tool_slug')} succeeded: {json.dumps(shown)[:1500]}")
            continue
        for key, items in lists.items():
            lines.append(f"Found {len(items)} {key}:")
            lines.extend(f"- {_label(item)}" for item in items[:50])
    return "\n".join(lines) or "Gong returned no data."


def _activity_answer(output: Any, request: str, context: ModelContext, background: Any) -> str:
    week_start, week_end = context.last_week
    rows = _data(output).get("usersAggregateActivityStats", [])
    lines = [
        f"User activity from {week_start} to {week_end - timedelta(days=1)} "
        f"({len(rows)} users with activity):"
    ]
    for row in rows:
        stats = row.get("userAggregateActivityStats") or {}
        counts = ", ".join(
            f"{stats.get(key, 0)} {label}"
            for key, label in (
                ("callsAsHost", "calls hosted"),
                ("callsAttended", "attended"),
                ("callsScorecardsFilled", "scorecards filled"),
                ("callsCommentsGiven", "comments given"),
            )
        )
        lines.append(f"- {row.get('userEmailAddress') or row.get('userId')}: {counts}")
    return "\n".join(lines)


def _meeting_answer(output: Any, request: str, context: ModelContext, background: Any) -> str:
    data = _data(output)
    arguments = _meeting_arguments(request, context, _data(background).get("users", []))
    people = ", ".join(i.get("displayName") or i["email"] for i in arguments["invitees"]) or "nobody"
    return (
        f'Created Gong meeting {data.get("meetingId")} "{arguments["title"]}" on '
        f"{arguments['startTime']} (30 minutes), organised by {context.owner_email}, with {people}. "
        f"Join URL: {data.get('meetingUrl')}"
    )


def _media_answer(background: Any, request: str) -> str:
    calls = _data(background).get("calls", [])
    lines = [
        "To add a recording I need the call and the file. Recordings are uploaded by reference, so "
        "queue it with: gongq enqueue add_call_media --payload "
        '\'{"id": "<call id>", "mediaUrl": "https://.../recording.mp3"}\'.',
        f"Recent calls ({len(calls)}):",
    ]
    lines.extend(f"- {c.get('id')}: {c.get('title')} ({str(c.get('started', ''))[:10]})" for c in calls[:20])
    return "\n".join(lines)


def _privacy_answer(output: Any, request: str, context: ModelContext, background: Any) -> str:
    data = _data(output)
    subject = (
        data.get("suppliedPhoneNumber") or (EMAIL.findall(request) or PHONE.findall(request) or ["it"])[0]
    )
    contacts = []
    for system in data.get("customerData", []):
        for obj in system.get("objects", []):
            fields = {f.get("name"): f.get("value") for f in obj.get("fields", []) if isinstance(f, dict)}
            name = fields.get("Name") or " ".join(
                str(fields[k]) for k in ("FirstName", "LastName") if fields.get(k)
            )
            email = fields.get("Email")
            contacts.append(
                f"- {name or obj.get('externalId')}{f' <{email}>' if email else ''} "
                f"({obj.get('objectType')} {obj.get('externalId')} in {system.get('system')})"
            )
    lines = [f"Contacts linked to {subject}: {len(contacts)}"]
    lines.extend(contacts)
    lines.append(
        f"Gong also holds {len(data.get('calls', []))} calls, {len(data.get('emails', []))} emails "
        f"and {len(data.get('meetings', []))} meetings that reference it."
    )
    return "\n".join(lines)


ANSWERS: dict[str, Callable[[Any, str, ModelContext, Any], str]] = {
    ACTIVITY: _activity_answer,
    CREATE_MEETING: _meeting_answer,
    PRIVACY_PHONE: _privacy_answer,
    PRIVACY_EMAIL: _privacy_answer,
}
