"""Call access granted through the API, and manual CRM associations of calls.

Only grants made through ``PUT /v2/calls/users-access`` are listed or revocable here; access a
user has from sharing or a permission profile is invisible to this API, as in Gong.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import (
    filter_object,
    json_body,
    json_object,
    paginate,
    parse_datetime,
    require,
    string_list,
)
from sandbox.gong.state import GongState


def _access_list(state: GongState, body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The validated ``callAccessList``: every call and user must exist (else nothing changes)."""
    items = body.get("callAccessList")
    if not isinstance(items, list) or not items:
        raise GongError(400, "callAccessList is required and must be a non-empty list")
    out = []
    known_calls = {c["id"] for c in state.visible_calls()}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise GongError(400, f"callAccessList[{index}] must be an object")
        require(item, "callId", "userIds")
        users = string_list(item["userIds"], f"callAccessList[{index}].userIds", required=True) or []
        call_id = str(item["callId"])
        if call_id not in known_calls:
            raise GongError(404, f"Call {call_id} not found")
        unknown = [u for u in users if state.user(u) is None]
        if unknown:
            raise GongError(404, f"User(s) not found: {', '.join(unknown)}")
        out.append((call_id, users))
    return out


def register(router: APIRouter, state: GongState) -> None:
    @router.put("/v2/calls/users-access")
    async def grant(request: Request) -> dict[str, Any]:
        grants = _access_list(state, json_object(await json_body(request)))
        with state.lock:
            for call_id, users in grants:
                granted = state.call_access.setdefault(call_id, [])
                granted.extend(u for u in users if u not in granted)  # already granted: a no-op
        return ok({})

    @router.post("/v2/calls/users-access")
    async def list_access(request: Request) -> dict[str, Any]:
        filt = filter_object(json_object(await json_body(request)))
        call_ids = string_list(filt.get("callIds"), "filter.callIds", required=True) or []
        known = {c["id"] for c in state.visible_calls()}
        missing = [c for c in call_ids if c not in known]
        if missing:
            raise GongError(404, f"Call(s) not found: {', '.join(missing)}")
        return ok({"callAccessList": [
            {"callId": c, "users": [{"userId": u} for u in state.call_access.get(c, [])]} for c in call_ids
        ]})  # fmt: skip

    @router.delete("/v2/calls/users-access")
    async def revoke(request: Request) -> dict[str, Any]:
        revocations = _access_list(state, json_object(await json_body(request)))
        with state.lock:
            for call_id, users in revocations:
                remaining = [u for u in state.call_access.get(call_id, []) if u not in users]
                if remaining:
                    state.call_access[call_id] = remaining
                else:
                    state.call_access.pop(call_id, None)
        return ok({})

    @router.get("/v2/calls/manual-crm-associations")
    async def manual_associations(request: Request) -> dict[str, Any]:
        query = request.query_params
        since = parse_datetime(query["fromDateTime"], "fromDateTime") if "fromDateTime" in query else None
        visible = {c["id"] for c in state.visible_calls()}
        items = [
            a for a in state.manual_associations
            if a["callId"] in visible and (since is None or parse_datetime(a["created"], "created") >= since)
        ]  # fmt: skip
        page, records = paginate(items, query.get("cursor"))
        return ok({"records": records, "associations": page})
