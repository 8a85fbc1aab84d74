"""Users and workspaces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import json_body, json_object, paginate
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

    @router.post("/v2/users/extensive")
    async def list_users_by_filter(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        filt = body.get("filter")
        if not isinstance(filt, dict):
            raise GongError(400, "filter is required")
        ids = filt.get("userIds")
        users = [u for u in state.users if not ids or u["id"] in ids]
        if not users:
            raise GongError(404, "No users found")
        page, records = paginate(users, body.get("cursor"))
        return ok({"records": records, "users": page})

    @router.get("/v2/workspaces")
    async def list_workspaces() -> dict[str, Any]:
        return ok({"workspaces": seed.WORKSPACES})
