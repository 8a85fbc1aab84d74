"""The generic CRM integration: register, inspect, delete, upload objects, read them back.

Uploads and deletions are asynchronous as in Gong: they answer 201 with the caller's
``clientRequestId`` and move PENDING -> IN_PROGRESS -> DONE over ``state.crm_delay_seconds``
(config ``extra["crm_request_delay_seconds"]``, default the erasure delay). Their effect (objects
upserted, integration removed) lands when the request reaches DONE, so a client that does not poll
``/v2/crm/request-status`` sees stale data, just as it would against Gong.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import check_email, json_body, json_object, one_of, parse_datetime, require
from sandbox.gong.state import GongState

UPLOAD_TYPES = {"ACCOUNT", "CONTACT", "DEAL", "LEAD", "BUSINESS_USER", "STAGE"}
READ_TYPES = {"ACCOUNT", "CONTACT", "DEAL", "LEAD"}
CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
MAX_IDS = 100
MAX_LISTED_ERRORS = 20


def sweep(state: GongState) -> None:
    """Apply every request whose processing time has passed (idempotent)."""
    now = time.time()
    with state.lock:
        for req in state.crm_requests:
            if req["applied"] or req["done_at"] > now:
                continue
            req["applied"] = True
            if req["kind"] == "delete":
                active = state.crm_integration
                if active is not None and active["integrationId"] == req["integrationId"]:
                    state.crm_integration = None
                    state.crm_objects = {}
                continue
            bucket = state.crm_objects.setdefault(req["objectType"], {})
            for obj in req["objects"]:
                if obj.get("isDeleted") is True:
                    bucket.pop(str(obj["objectId"]), None)
                else:
                    bucket[str(obj["objectId"])] = {**bucket.get(str(obj["objectId"]), {}), **obj}


def status_of(req: dict[str, Any]) -> str:
    now = time.time()
    if now >= req["done_at"]:
        return "FAILED" if req["kind"] == "upload" and req["errors"] and not req["successCount"] else "DONE"
    return "PENDING" if now < (req["created_at"] + req["done_at"]) / 2 else "IN_PROGRESS"


def parse_ldjson(content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(objects, errors with 1-based line numbers); blank lines are skipped."""
    objects, errors = [], []
    for number, raw in enumerate(content.decode("utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append({"line": number, "description": f"Invalid JSON: {exc.msg}"})
            continue
        if not isinstance(item, dict):
            errors.append({"line": number, "description": "Each line must be a JSON object"})
        elif not isinstance(item.get("objectId"), str | int) or item.get("objectId") in ("", None):
            errors.append({"line": number, "description": "objectId is required"})
        elif "modifiedDate" in item and not _valid_datetime(item["modifiedDate"]):
            errors.append({"line": number, "description": "modifiedDate must be an ISO-8601 date-time"})
        else:
            objects.append(item)
    return objects, errors


def _valid_datetime(value: Any) -> bool:
    try:
        parse_datetime(value, "modifiedDate")
    except GongError:
        return False
    return True


def register(router: APIRouter, state: GongState) -> None:
    def params(request: Request, *names: str) -> dict[str, str]:
        missing = [n for n in names if not request.query_params.get(n)]
        if missing:
            raise GongError(400, *(f"{n} is required" for n in missing))
        return {n: request.query_params[n] for n in names}

    def integration(raw: str) -> dict[str, Any]:
        """The active integration named by ``raw`` (an int64), else 400/404."""
        if not re.fullmatch(r"-?\d{1,19}", raw):
            raise GongError(400, "integrationId must be a 64-bit integer")
        sweep(state)
        active = state.crm_integration
        if active is None or active["integrationId"] != int(raw):
            raise GongError(404, f"Integration {raw} not found")
        return active

    def client_request_id(integration_id: int, value: str) -> str:
        if not CLIENT_REQUEST_ID.match(value):
            raise GongError(400, "clientRequestId may contain only letters, digits, '-' and '_'")
        if any(
            r["integrationId"] == integration_id and r["clientRequestId"] == value for r in state.crm_requests
        ):
            raise GongError(409, f"clientRequestId {value} was already used")
        return value

    def new_request(integration_id: int, request_id: str, kind: str, **extra: Any) -> None:
        now = time.time()
        state.crm_requests.append(
            {"integrationId": integration_id, "clientRequestId": request_id, "kind": kind, "created_at": now,
             "done_at": now + state.crm_delay_seconds, "applied": False, "objects": [], "successCount": 0,
             "errors": [], "objectType": None, **extra}
        )  # fmt: skip

    @router.put("/v2/crm/integrations")
    async def register_integration(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "ownerEmail", "name")
        owner = check_email(body["ownerEmail"], "ownerEmail")
        if not isinstance(body["name"], str):
            raise GongError(400, "name must be a string")
        if state.user_by_email(owner) is None:
            raise GongError(400, f"ownerEmail {owner} is not a Gong user")
        sweep(state)
        with state.lock:
            if state.crm_integration is not None:
                raise GongError(409, "An active CRM integration already exists; delete it first")
            integration_id = 5_517_027_188_234_205_706 + state.next_integration
            state.next_integration += 1
            state.crm_integration = {
                "integrationId": integration_id,
                "name": body["name"],
                "ownerEmail": owner,
            }
            state.crm_objects = {}
        return ok({"integrationId": integration_id})

    @router.get("/v2/crm/integrations")
    async def integrations() -> dict[str, Any]:
        sweep(state)
        return ok({"integrations": [dict(state.crm_integration)] if state.crm_integration else []})

    @router.delete("/v2/crm/integrations")
    async def delete_integration(request: Request) -> JSONResponse:
        query = params(request, "integrationId", "clientRequestId")
        active = integration(query["integrationId"])
        with state.lock:
            rid = client_request_id(active["integrationId"], query["clientRequestId"])
            new_request(active["integrationId"], rid, "delete")
        return JSONResponse(ok({"clientRequestId": rid}), status_code=201)

    @router.post("/v2/crm/entities")
    async def upload(request: Request) -> JSONResponse:
        query = params(request, "integrationId", "objectType", "clientRequestId")
        object_type = one_of(query["objectType"], "objectType", UPLOAD_TYPES)
        active = integration(query["integrationId"])
        form = await request.form()
        data_file = form.get("dataFile")
        if not isinstance(data_file, UploadFile):
            raise GongError(400, "dataFile is required (multipart/form-data, LDJSON)")
        objects, errors = parse_ldjson(await data_file.read())
        with state.lock:
            rid = client_request_id(active["integrationId"], query["clientRequestId"])
            new_request(active["integrationId"], rid, "upload", objectType=object_type, objects=objects,
                        successCount=len(objects), errors=errors)  # fmt: skip
        return JSONResponse(ok({"clientRequestId": rid}), status_code=201)

    @router.get("/v2/crm/entities")
    async def objects(request: Request) -> dict[str, Any]:
        query = params(request, "integrationId", "objectType")
        object_type = one_of(query["objectType"], "objectType", READ_TYPES)
        integration(query["integrationId"])
        ids = await json_body(request)
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise GongError(400, "objectsCrmIds (the request body) must be a non-empty JSON array of CRM ids")
        bucket = state.crm_objects.get(object_type, {})

        def visible(obj: dict[str, Any] | None) -> dict[str, Any] | None:
            email = str((obj or {}).get("emailAddress") or "").lower()
            return None if obj is None or (email and state.erased("email", email)) else obj

        return ok({"crmObjectsMap": {i: visible(bucket.get(i)) for i in ids[:MAX_IDS]}})

    @router.get("/v2/crm/entity-schema")
    async def schema(request: Request) -> dict[str, Any]:
        query = params(request, "integrationId")
        integration(query["integrationId"])
        wanted = request.query_params.get("objectType")
        types = [one_of(wanted, "objectType", READ_TYPES)] if wanted else sorted(READ_TYPES)
        return ok({"objectTypeToSelectedFields": {t: state.crm_schema[t] for t in types}})

    @router.get("/v2/crm/request-status")
    async def request_status(request: Request) -> dict[str, Any]:
        query = params(request, "integrationId", "clientRequestId")
        if not re.fullmatch(r"-?\d{1,19}", query["integrationId"]):
            raise GongError(400, "integrationId must be a 64-bit integer")
        sweep(state)
        key = (int(query["integrationId"]), query["clientRequestId"])
        req = next((r for r in state.crm_requests if (r["integrationId"], r["clientRequestId"]) == key), None)
        if req is None:
            raise GongError(
                404, f"No request {query['clientRequestId']} for integration {query['integrationId']}"
            )
        return ok(
            {
                "status": status_of(req),
                "totalSuccessCount": req["successCount"],
                "totalErrorCount": len(req["errors"]),
                "errors": req["errors"][:MAX_LISTED_ERRORS],
            }
        )
