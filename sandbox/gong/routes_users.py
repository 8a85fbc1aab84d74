"""Users and workspaces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import (
    body_cursor,
    filter_object,
    json_body,
    json_object,
    paginate,
    parse_datetime,
    string_list,
)
from sandbox.gong.state import GongState


def register(router: APIRouter, state: GongState) -> None:
    @router.get("/v2/users")
    async def list_users(request: Request) -> dict[str, Any]:
        page, records = paginate(state.users, request.query_params.get("cursor"))
        return ok({"records": records, "users": page})

    @router.get("/v2/users/{user_id}")
    async def get_user(user_id: str) -> dict[str, Any]:
        user = state.user(user_id)
        if user is None:
            raise GongError(404, f"User {user_id} not found")
        return ok({"user": user})

    @router.get("/v2/users/{user_id}/settings-history")
    async def settings_history(user_id: str) -> dict[str, Any]:
        if not user_id.isdigit():
            raise GongError(400, "id must be a numeric user id")
        if state.user(user_id) is None:
            raise GongError(404, f"User {user_id} not found")
        return ok({"userSettingsHistory": state.settings_history.get(user_id, [])})

    @router.post("/v2/users/extensive")
    async def list_users_by_filter(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        filt = filter_object(body)
        ids = string_list(filt.get("userIds"), "filter.userIds")
        low, high = (
            parse_datetime(filt[f], f"filter.{f}") if filt.get(f) is not None else None
            for f in ("createdFromDateTime", "createdToDateTime")
        )
        users = [
            u
            for u in state.users
            if (ids is None or u["id"] in ids)
            and (low is None or parse_datetime(u["created"], "created") >= low)
            and (high is None or parse_datetime(u["created"], "created") < high)
        ]
        if not users:
            raise GongError(404, "No users found corresponding to the provided filters")
        page, records = paginate(users, body_cursor(body))
        return ok({"records": records, "users": page})

    @router.get("/v2/workspaces")
    async def list_workspaces() -> dict[str, Any]:
        return ok({"workspaces": seed.WORKSPACES})
