"""Calls: add a call (clientUniqueId de-duplication, downloadMediaUrl), upload media, list, get."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import json_body, json_object, paginate, parse_datetime, require
from sandbox.gong.state import GongState

DIRECTIONS = {"Inbound", "Outbound", "Conference", "Unknown"}
MAX_MEDIA_BYTES = 1_500_000_000


def _public(call: dict[str, Any]) -> dict[str, Any]:
    """The basic call object (GET /v2/calls item): no parties, no simulator bookkeeping."""
    return {k: v for k, v in call.items() if k != "parties"}


async def _download(url: str) -> bytes:
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


def register(router: APIRouter, state: GongState) -> None:
    @router.post("/v2/calls")
    async def add_call(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "clientUniqueId", "actualStart", "primaryUser", "direction", "parties")
        started = parse_datetime(body["actualStart"], "actualStart")
        if body["direction"] not in DIRECTIONS:
            raise GongError(400, f"direction must be one of {', '.join(sorted(DIRECTIONS))}")
        if state.user(str(body["primaryUser"])) is None:
            raise GongError(400, f"primaryUser {body['primaryUser']} is not a Gong user")
        parties = body["parties"]
        if not isinstance(parties, list) or not any(
            isinstance(p, dict) and p.get("userId") == body["primaryUser"] for p in parties
        ):
            raise GongError(400, "parties must include the primary user")
        media_url = body.get("downloadMediaUrl")
        if media_url is not None and not (
            isinstance(media_url, str) and media_url.startswith(("http://", "https://"))
        ):
            raise GongError(400, "downloadMediaUrl must be an http(s) URL")
        with state.lock:
            existing = next(
                (c for c in state.calls.values() if c["clientUniqueId"] == body["clientUniqueId"]), None
            )
            if existing is not None:
                # Gong's behaviour on reuse is unconfirmed; the simulator refuses it (409) and names
                # the existing call, so a client can never create the same call twice.
                raise GongError(
                    409,
                    f"A call with clientUniqueId {body['clientUniqueId']} already exists: {existing['id']}",
                )
            call_id = f"{9_100_000_000_000_000_000 + state.next_call}"
            state.next_call += 1
            state.calls[call_id] = {
                "id": call_id,
                "url": f"https://app.gong.io/call?id={call_id}",
                "title": body.get("title"),
                "scheduled": body.get("scheduledStart"),
                "started": started.isoformat(),
                "duration": body.get("duration"),
                "primaryUserId": body["primaryUser"],
                "direction": body["direction"],
                "system": body.get("callProviderCode") or "API",
                "scope": "External",
                "media": "Audio",
                "language": "eng",
                "workspaceId": body.get("workspaceId"),
                "sdrDisposition": body.get("disposition"),
                "clientUniqueId": body["clientUniqueId"],
                "customData": body.get("customData"),
                "purpose": body.get("purpose"),
                "meetingUrl": body.get("meetingUrl"),
                "isPrivate": False,
                "calendarEventId": None,
                "parties": [
                    {**p, "affiliation": "Internal" if p.get("userId") else "External"} for p in parties
                ],
            }
            state.media[call_id] = {"status": "awaiting", "sha256": None, "bytes": 0}
        request.state.log_entry["client_unique_id"] = body["clientUniqueId"]
        if media_url:
            try:
                content = await _download(media_url)
            except httpx.HTTPError:
                state.media[call_id] = {"status": "failed", "sha256": None, "bytes": 0}
            else:
                digest = hashlib.sha256(content).hexdigest()
                state.media[call_id] = {"status": "received", "sha256": digest, "bytes": len(content)}
                request.state.log_entry["media_sha256"] = digest
        return ok({"callId": call_id})

    @router.put("/v2/calls/{call_id}/media")
    async def add_call_media(call_id: str, request: Request) -> JSONResponse:
        if call_id not in state.calls:
            raise GongError(404, f"Call {call_id} not found")
        form = await request.form()
        upload = form.get("mediaFile")
        if not isinstance(upload, UploadFile):
            raise GongError(400, "mediaFile is required (multipart/form-data)")
        content = await upload.read()
        if len(content) > MAX_MEDIA_BYTES:
            raise GongError(400, "mediaFile is larger than 1.5 GB")
        digest = hashlib.sha256(content).hexdigest()
        state.media[call_id] = {"status": "received", "sha256": digest, "bytes": len(content)}
        request.state.log_entry["media_sha256"] = digest
        return JSONResponse(ok({"callId": call_id, "url": state.calls[call_id]["url"]}), status_code=201)

    @router.get("/v2/calls")
    async def list_calls(request: Request) -> dict[str, Any]:
        query = request.query_params
        start = parse_datetime(query.get("fromDateTime"), "fromDateTime")
        end = parse_datetime(query.get("toDateTime"), "toDateTime")
        workspace = query.get("workspaceId")
        matching = sorted(
            (
                _public(c)
                for c in state.visible_calls()
                if start <= parse_datetime(c["started"], "started") < end
                and (workspace is None or c["workspaceId"] == workspace)
            ),
            key=lambda c: str(c["started"]),
        )
        if not matching:
            raise GongError(404, "No calls found corresponding to the provided filters")
        page, records = paginate(matching, query.get("cursor"))
        return ok({"records": records, "calls": page})

    @router.get("/v2/calls/{call_id}")
    async def get_call(call_id: str) -> dict[str, Any]:
        call = next((c for c in state.visible_calls() if c["id"] == call_id), None)
        if call is None:
            raise GongError(404, f"Call {call_id} not found")
        return ok({"call": _public(call)})
