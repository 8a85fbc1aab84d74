"""Permission profiles: list, get, create, update, and the users holding a profile.

``workspaceId`` (create, list) and ``profileId`` (get, update, users) are query parameters even
on POST/PUT, with the profile fields in the JSON body. An update applies only the fields sent and
answers with the whole profile; a name may be used once per workspace (409).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import json_body, json_object, one_of, string_list
from sandbox.gong.seed_admin import (
    ACCESS_LEVELS,
    ACCESS_OBJECTS,
    FORECAST_OBJECTS,
    LIBRARY_FLAGS,
    LIBRARY_LEVELS,
    PROFILE_FLAGS,
)
from sandbox.gong.state import GongState


def _public(profile: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in profile.items() if not k.startswith("_")}


def _check_access(value: Any, field: str) -> None:
    if not isinstance(value, dict):
        raise GongError(400, f"{field} must be an object")
    if "permissionLevel" in value:
        one_of(value["permissionLevel"], f"{field}.permissionLevel", ACCESS_LEVELS)
    string_list(value.get("teamLeadIds"), f"{field}.teamLeadIds")


def _validate(state: GongState, body: dict[str, Any]) -> None:
    """400 naming the first malformed field; unknown fields are ignored like Gong does."""
    for name in ("name", "description"):
        if name in body and not isinstance(body[name], str):
            raise GongError(400, f"{name} must be a string")
    for flag in PROFILE_FLAGS:
        if flag in body and not isinstance(body[flag], bool):
            raise GongError(400, f"{flag} must be a boolean")
    for name in ACCESS_OBJECTS:
        if name in body:
            _check_access(body[name], name)
    forecast = body.get("forecastPermissions", {})
    if not isinstance(forecast, dict):
        raise GongError(400, "forecastPermissions must be an object")
    for name in FORECAST_OBJECTS:
        if name in forecast:
            _check_access(forecast[name], f"forecastPermissions.{name}")
    library = body.get("libraryFolderAccess")
    if library is not None:
        if not isinstance(library, dict):
            raise GongError(400, "libraryFolderAccess must be an object")
        level = one_of(
            library.get("permissionLevel", "all"), "libraryFolderAccess.permissionLevel", LIBRARY_LEVELS
        )
        folders = string_list(library.get("libraryFolderIds"), "libraryFolderAccess.libraryFolderIds") or []
        unknown = [f for f in folders if f not in {x["id"] for x in state.library}]
        if unknown:
            raise GongError(
                400, f"libraryFolderAccess.libraryFolderIds: unknown folder(s) {', '.join(unknown)}"
            )
        if level == "none" and any(library.get(f) for f in LIBRARY_FLAGS):
            raise GongError(400, "libraryFolderAccess flags require a permissionLevel other than none")


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply only what was sent, nested objects included (partial update)."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def register(router: APIRouter, state: GongState) -> None:
    def workspace_param(request: Request) -> str:
        workspace = request.query_params.get("workspaceId")
        if not workspace:
            raise GongError(400, "workspaceId is required")
        if workspace not in {w["id"] for w in seed.WORKSPACES}:
            raise GongError(404, f"Workspace {workspace} not found")
        return workspace

    def profile_param(request: Request) -> dict[str, Any]:
        profile_id = request.query_params.get("profileId")
        if not profile_id:
            raise GongError(400, "profileId is required")
        profile = next((p for p in state.profiles if p["id"] == profile_id), None)
        if profile is None:
            raise GongError(404, f"Permission profile {profile_id} not found")
        return profile

    def name_taken(workspace: str, name: str, but: str | None = None) -> bool:
        return any(
            p["_workspaceId"] == workspace and p["name"].lower() == name.lower() and p["id"] != but
            for p in state.profiles
        )

    @router.get("/v2/all-permission-profiles")
    async def list_profiles(request: Request) -> dict[str, Any]:
        workspace = workspace_param(request)
        found = [_public(p) for p in state.profiles if p["_workspaceId"] == workspace]
        return ok({"profiles": sorted(found, key=lambda p: str(p["name"]).lower())})

    @router.get("/v2/permission-profile")
    async def get_profile(request: Request) -> dict[str, Any]:
        return ok({"profile": _public(profile_param(request))})

    @router.post("/v2/permission-profile")
    async def create_profile(request: Request) -> dict[str, Any]:
        workspace = workspace_param(request)
        body = json_object(await json_body(request))
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise GongError(400, "name is required")
        _validate(state, body)
        with state.lock:
            if name_taken(workspace, body["name"]):
                raise GongError(
                    409, f"A permission profile named {body['name']} already exists in the workspace"
                )
            base = next(p for p in state.profiles if p["name"] == "Reps")  # unsent fields: least privilege
            profile = {k: copy.deepcopy(v) for k, v in base.items() if not k.startswith("_")}
            profile.update({f: False for f in PROFILE_FLAGS})
            _merge(profile, {k: v for k, v in body.items() if k != "id"})
            profile["id"] = str(3_843_152_912_968_920_100 + state.next_profile)
            profile["_workspaceId"] = workspace
            state.next_profile += 1
            state.profiles.append(profile)
        return ok({"profile": _public(profile)})

    @router.put("/v2/permission-profile")
    async def update_profile(request: Request) -> dict[str, Any]:
        profile = profile_param(request)
        body = json_object(await json_body(request))
        _validate(state, body)
        with state.lock:
            if isinstance(body.get("name"), str) and name_taken(
                profile["_workspaceId"], body["name"], profile["id"]
            ):
                raise GongError(
                    409, f"A permission profile named {body['name']} already exists in the workspace"
                )
            _merge(profile, {k: v for k, v in body.items() if k != "id" and not k.startswith("_")})
        return ok({"profile": _public(profile)})

    @router.get("/v2/permission-profile/users")
    async def profile_users(request: Request) -> dict[str, Any]:
        profile = profile_param(request)
        members = [
            {
                "id": u["id"],
                "emailAddress": u["emailAddress"],
                "fullName": f"{u['firstName']} {u['lastName']}",
            }
            for u in state.users
            if state.profile_members.get(u["id"]) == profile["id"]
        ]
        return ok({"users": members})
