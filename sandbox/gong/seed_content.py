"""Deterministic conversation content of the seeded calls: transcripts, trackers, scorecards,
comments/feedback/listening activity and library folders.

Stats, tracker occurrences and interaction metrics are *computed* from these records by the
routes, so everything here is raw material (who said what when, who did what to which call),
never a pre-computed number. Like ``seed``, nothing depends on randomness, and every timestamp
keeps a fixed offset from the seed's anchor (``seed.reference_date``) or from a seeded call.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sandbox.gong import seed
from sandbox.gong.seed import at, zulu

SALES = seed.WORKSPACES[0]["id"]
REVOPS = "234599484848431"  # Hannah Schmidt reviews calls of people without a manager


def trackers(anchor: datetime) -> list[dict[str, Any]]:
    """Keyword trackers of the Sales workspace (GET /v2/settings/trackers items)."""
    created = zulu(at(anchor, -153, 9))
    return [
        {
            "trackerId": "7001",
            "trackerName": "Competitors",
            "workspaceId": SALES,
            "languageKeywords": [
                {"language": "eng", "keywords": ["Globex", "Initech"], "includeRelatedForms": False}
            ],
            "affiliation": "Anyone",
            "partOfQuestion": False,
            "saidAt": "Anytime",
            "saidAtInterval": None,
            "saidAtUnit": None,
            "saidInTopics": [],
            "filterQuery": None,
            "created": created,
            "creatorUserId": REVOPS,
            "updated": zulu(at(anchor, -47, 9)),
            "updaterUserId": REVOPS,
        },
        {
            "trackerId": "7002",
            "trackerName": "Pricing",
            "workspaceId": SALES,
            "languageKeywords": [
                {
                    "language": "eng",
                    "keywords": ["price", "pricing", "discount", "budget"],
                    "includeRelatedForms": True,
                }
            ],
            "affiliation": "Anyone",
            "partOfQuestion": False,
            "saidAt": "Anytime",
            "saidAtInterval": None,
            "saidAtUnit": None,
            "saidInTopics": [],
            "filterQuery": None,
            "created": created,
            "creatorUserId": REVOPS,
            "updated": created,
            "updaterUserId": REVOPS,
        },
    ]


def _question(qid: str, text: str, overall: bool, options: list[str] | None = None) -> dict[str, Any]:
    return {
        "questionId": qid,
        "questionRevisionId": f"{qid}1",
        "questionText": text,
        "questionType": "MULTIPLE_CHOICE" if options else "SCALE",
        "isOverall": overall,
        "minRange": None if options else 1,
        "maxRange": None if options else 5,
        "answerGuide": "Score what the customer heard, not what the rep intended.",
        "answerOptions": [{"id": f"{qid}{i + 1:02d}", "text": o} for i, o in enumerate(options or [])],
    }


def scorecards(anchor: datetime) -> list[dict[str, Any]]:
    """The workspace's scorecards and their questions (GET /v2/settings/scorecards items)."""
    created = zulu(at(anchor, -184, 9))
    return [
        {
            "scorecardId": "6001",
            "scorecardName": "Discovery quality",
            "workspaceId": SALES,
            "enabled": True,
            "reviewMethod": "MANUAL",
            "created": created,
            "updated": zulu(at(anchor, -61, 9)),
            "updaterUserId": REVOPS,
            "questions": [
                _question("600101", "Overall discovery quality", True),
                _question("600102", "Did the rep uncover the budget?", False, ["Yes", "Partly", "No"]),
                _question("600103", "Were next steps agreed with a date?", False),
            ],
        },
        {
            "scorecardId": "6002",
            "scorecardName": "Demo quality",
            "workspaceId": SALES,
            "enabled": True,
            "reviewMethod": "MANUAL",
            "created": created,
            "updated": created,
            "updaterUserId": REVOPS,
            "questions": [
                _question("600201", "Overall demo quality", True),
                _question("600202", "Was the demo tailored to the customer's use case?", False),
            ],
        },
    ]


#: Seeded call index -> scorecard answered for it (Discovery calls 6001, Demo calls 6002).
_SCORED = {0: "6001", 5: "6001", 10: "6001", 15: "6001", 1: "6002", 6: "6002", 11: "6002", 16: "6002"}
_AUTOMATIC = {15, 16}


def reviewer_of(users: list[dict[str, Any]], user_id: str) -> str:
    """The manager who reviews a host's calls (RevOps for people without a manager)."""
    manager = next((u["managerId"] for u in users if u["id"] == user_id), None)
    return str(manager or REVOPS)


def _started(call: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(call["started"]))


def answered_scorecards(
    cards: list[dict[str, Any]], users: list[dict[str, Any]], calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Scorecards (of ``cards``) filled on several seeded calls (ids numeric, as Gong returns them)."""
    out = []
    for n, call in enumerate(calls):
        scorecard_id = _SCORED.get(n)
        if scorecard_id is None:
            continue
        card = next(s for s in cards if s["scorecardId"] == scorecard_id)
        automatic = n in _AUTOMATIC
        reviewer = None if automatic else int(reviewer_of(users, call["primaryUserId"]))
        answers = []
        for q, question in enumerate(card["questions"]):
            options = question["answerOptions"]
            chosen = options[(n + q) % len(options)] if options else None
            answers.append(
                {
                    "questionId": int(question["questionId"]),
                    "questionRevisionId": int(question["questionRevisionId"]),
                    "isOverall": question["isOverall"],
                    "score": None if chosen else (n + q) % 5 + 1,
                    "answerText": chosen["text"] if chosen else None,
                    "notApplicable": False,
                    "selectedOptions": [int(chosen["id"])] if chosen else None,
                }
            )
        out.append(
            {
                "answeredScorecardId": 6_100_000_000_000_000_000 + n,
                "scorecardId": int(scorecard_id),
                "scorecardName": card["scorecardName"],
                "callId": int(call["id"]),
                "callStartTime": call["started"],
                "reviewedUserId": int(call["primaryUserId"]),
                "reviewerUserId": reviewer,
                "editorUserId": reviewer,
                "reviewTime": (_started(call) + timedelta(days=1)).isoformat(),
                "reviewMethod": "AUTOMATIC" if automatic else "MANUAL",
                "visibilityType": "PUBLIC",
                "answers": answers,
            }
        )
    return out


def _turns(n: int, call: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(who, topic, sentences) for call ``n``: host and the external contact take turns."""
    contact = seed.CONTACTS[n % len(seed.CONTACTS)]
    first = contact["name"].split()[0]
    subject = str(call["title"]).split(" with ")[0]
    competitor = ["We are also talking to Globex about a similar cell.", "Initech quoted us last month."]
    pricing = n % 2 == 0 or subject == "Pricing"
    return [
        (
            "host",
            "Call Setup",
            [f"Thanks for joining, {first}.", f"How is the quarter going at {contact['company']}?"],
        ),
        ("guest", "Call Setup", ["Busy, but good.", "We are reviewing our robotics roadmap for next year."]),
        (
            "host",
            subject,
            [
                f"Today I would like to focus on {subject.lower()}.",
                "What does success look like for your team?",
            ],
        ),
        (
            "guest",
            subject,
            [
                "Faster changeovers on the packaging line.",
                competitor[n % 3] if n % 3 < 2 else "That is the goal.",
            ],
        ),
        (
            "host",
            "Next Steps",
            ["We can offer a multi-year discount if the budget is approved this quarter."]
            if pricing
            else ["I will send a short summary and next steps after the call."],
        ),
        ("guest", "Next Steps", ["That works.", "Can we meet again next week?"]),
    ]


def transcript(n: int, call: dict[str, Any]) -> list[dict[str, Any]]:
    """Gong transcript monologues; speakerIds are the call parties' speakerIds."""
    speakers = {
        "host": next(p["speakerId"] for p in call["parties"] if p["affiliation"] == "Internal"),
        "guest": next(p["speakerId"] for p in call["parties"] if p["affiliation"] == "External"),
    }
    clock = 2_000
    out = []
    for who, topic, sentences in _turns(n, call):
        timed = []
        for text in sentences:
            length = 400 * len(text.split()) + 300
            timed.append({"start": clock, "end": clock + length, "text": text})
            clock += length + 150
        out.append({"speakerId": speakers[who], "topic": topic, "sentences": timed})
        clock += 700 + 100 * (n % 5)  # the pause before the other side answers
    return out


def keyword_hits(text: str, keywords: list[str]) -> list[str]:
    """Keywords said in ``text`` (whole words, case-insensitive, simple plural forms)."""
    return [k for k in keywords if re.search(rf"\b{re.escape(k)}(s|es)?\b", text, re.IGNORECASE)]


def _event(call: dict[str, Any], kind: str, actor: str, hours: int = 0, **extra: Any) -> dict[str, Any]:
    time = (_started(call) + timedelta(hours=20 + hours)).isoformat()
    return {
        "kind": kind,
        "callId": call["id"],
        "userId": actor,
        "targetUserId": call["primaryUserId"],
        "time": time,
        **extra,
    }


def activity(users: list[dict[str, Any]], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What people did with each seeded call: listens, comments, feedback, shares.

    ``userId`` is who acted, ``targetUserId`` whom it concerned (the host); times are after the call.
    """
    out: list[dict[str, Any]] = []
    for n, call in enumerate(calls):
        host = call["primaryUserId"]
        manager = reviewer_of(users, host)
        out.append(_event(call, "listen", manager))
        if n % 3 == 0:
            out.append(_event(call, "listen", host, 1))
        if n % 2 == 0:
            out.append(
                _event(
                    call,
                    "comment",
                    manager,
                    2,
                    id=f"55{n:017d}",
                    audioStartTime=30,
                    audioEndTime=45,
                    text="Nice job handling the objection here.",
                )
            )
        if n % 4 == 0:
            out.append(_event(call, "feedback", manager, 3))
        if n % 5 == 2:
            out.append(_event(call, "feedbackRequested", host, 1))
            out.append(_event(call, "markedFeedback", manager, 4))
        if n % 3 == 1:
            out.append(_event(call, "shareInternal", host, 2))
        if n % 4 == 2:
            out.append(_event(call, "shareExternal", host, 2))
    return out


def library_folders(anchor: datetime) -> list[dict[str, Any]]:
    """Library folders; ``callIndexes`` (bookkeeping) index the seeded calls sorted by id."""
    return [
        {
            "id": "5001",
            "name": "Best discovery calls",
            "parentFolderId": None,
            "createdBy": "234599484848423",
            "updated": zulu(at(anchor, -4, 12)),
            "workspaceId": SALES,
            "callIndexes": [0, 5, 10],
        },
        {
            "id": "5002",
            "name": "Pricing objections",
            "parentFolderId": "5001",
            "createdBy": "234599484848424",
            "updated": zulu(at(anchor, -3, 12)),
            "workspaceId": SALES,
            "callIndexes": [2, 7],
        },
    ]
