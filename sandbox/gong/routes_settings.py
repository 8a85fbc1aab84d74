"""Company settings and records: scorecards, trackers, library, audit logs, coaching.

Gong answers 404 rather than an empty list for "nothing configured/found" on several of these
(scorecards, library, logs), so the simulator does too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import one_of, paginate, parse_datetime
from sandbox.gong.seed_admin import LOG_TYPES
from sandbox.gong.state import GongState

WORKSPACE_IDS = {w["id"] for w in seed.WORKSPACES}


def _workspace(value: str | None, field: str = "workspaceId") -> str | None:
    """An optional workspace id: unknown ones are a 404, as for Gong's trackers and library."""
    if value is not None and value not in WORKSPACE_IDS:
        raise GongError(404, f"Workspace {value} not found ({field})")
    return value


def _person(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in ("id", "emailAddress", "firstName", "lastName", "title")}


def register(router: APIRouter, state: GongState) -> None:
    @router.get("/v2/settings/scorecards")
    async def scorecards() -> dict[str, Any]:
        if not state.scorecards:
            raise GongError(404, "No scorecards found")
        return ok({"scorecards": state.scorecards})

    @router.get("/v2/settings/trackers")
    async def trackers(request: Request) -> dict[str, Any]:
        workspace = _workspace(request.query_params.get("workspaceId"))
        return ok(
            {
                "keywordTrackers": [
                    t for t in state.trackers if workspace is None or t["workspaceId"] == workspace
                ]
            }
        )

    @router.get("/v2/library/folders")
    async def folders(request: Request) -> dict[str, Any]:
        workspace = _workspace(request.query_params.get("workspaceId"))
        found = [
            {k: f[k] for k in ("id", "name", "parentFolderId", "createdBy", "updated")}
            for f in state.library
            if workspace is None or f["workspaceId"] == workspace
        ]
        if not found:
            raise GongError(404, "No library folders found")
        return ok({"folders": found})

    @router.get("/v2/library/folder-content")
    async def folder_content(request: Request) -> dict[str, Any]:
        folder_id = request.query_params.get("folderId")
        if not folder_id:
            raise GongError(400, "folderId is required")
        folder = next((f for f in state.library if f["id"] == folder_id), None)
        if folder is None:
            raise GongError(404, f"Library folder {folder_id} not found")
        ordered = sorted(state.calls.values(), key=lambda c: c["id"])
        visible = {c["id"] for c in state.visible_calls()}
        calls = [
            {
                "id": call["id"],
                "title": call["title"],
                "url": call["url"],
                "note": f"Good example for '{folder['name']}'",
                "addedBy": folder["createdBy"],
                "created": folder["updated"],
                "snippet": {"fromSec": 20, "toSec": 40},
            }
            for call in (ordered[i] for i in folder["callIndexes"] if i < len(ordered))
            if call["id"] in visible
        ]
        return ok({k: folder[k] for k in ("id", "name", "createdBy", "updated")} | {"calls": calls})

    @router.get("/v2/logs")
    async def logs(request: Request) -> dict[str, Any]:
        query = request.query_params
        if not query.get("logType"):
            raise GongError(400, "logType is required")
        log_type = one_of(query["logType"], "logType", LOG_TYPES)
        start = parse_datetime(query.get("fromDateTime"), "fromDateTime")
        end = parse_datetime(query["toDateTime"], "toDateTime") if "toDateTime" in query else None
        if end is not None and end <= start:
            raise GongError(400, "toDateTime must be after fromDateTime")
        entries = [
            {k: v for k, v in e.items() if k != "logType"}
            for e in state.logs
            if e["logType"] == log_type
            and start <= datetime.fromisoformat(e["eventTime"])
            and (end is None or datetime.fromisoformat(e["eventTime"]) < end)
        ]
        if not entries:
            raise GongError(404, "No logs found for the specified period")
        page, records = paginate(entries, query.get("cursor"))
        return ok({"records": records, "logEntries": page})

    @router.get("/v2/coaching")
    async def coaching(request: Request) -> dict[str, Any]:
        query = request.query_params
        missing = [p for p in ("workspace-id", "manager-id", "from", "to") if not query.get(p)]
        if missing:
            raise GongError(400, *(f"{p} is required" for p in missing))
        for name in ("workspace-id", "manager-id"):
            if not query[name].isdigit():
                raise GongError(400, f"{name} must be a numeric id")
        start, end = parse_datetime(query["from"], "from"), parse_datetime(query["to"], "to")
        if end <= start:
            raise GongError(400, "to must be after from")
        workspace = _workspace(query["workspace-id"], "workspace-id")
        manager = state.user(query["manager-id"])
        if manager is None:
            raise GongError(404, f"Manager {query['manager-id']} not found")
        calls = [
            c
            for c in state.visible_calls()
            if c["workspaceId"] == workspace and start <= datetime.fromisoformat(str(c["started"])) < end
        ]
        reports = []
        for report in (u for u in state.users if u["managerId"] == manager["id"]):
            hosted = {c["id"] for c in calls if c["primaryUserId"] == report["id"]}
            touched = {
                kind: sorted(
                    {
                        a["callId"]
                        for a in state.activity
                        if a["callId"] in hosted and a["kind"] == kind and a["userId"] == manager["id"]
                    }
                )
                for kind in ("listen", "comment", "feedback")
            }
            scored = {str(s["callId"]) for s in state.answered_scorecards if str(s["callId"]) in hosted}
            metrics = {
                "callsAsHost": sorted(hosted),
                "callsListenedByManager": touched["listen"],
                "callsCommentedByManager": touched["comment"],
                "callsWithFeedback": touched["feedback"],
                "callsScored": sorted(scored),
            }
            reports.append({"report": _person(report), "metrics": metrics})
        return ok({"coachingData": [{"manager": _person(manager), "directReportsMetrics": reports}]})
