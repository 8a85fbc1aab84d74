"""The webhook routes: verify (dependency), parse, validate, enqueue, answer. Nothing else.

They only validate and enqueue — the work happens in the workers — so a sender gets its answer
in milliseconds and never times out into a retry storm. Redis calls run in the thread pool so a
large erasure upload does not stall the event loop for other senders.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from producer import jsonlimits
from producer.client import Enqueued, GongqClient, InvalidPayload
from producer.erase import submit_erasure_list
from producer.webhooks.deps import ClientDep, DeliveriesDep, GongqBody, HubSpotBody, MappingDep
from producer.webhooks.docs import gongq_signature_headers, hubspot_signature_headers
from producer.webhooks.errors import BadRequest, Unprocessable, describe
from producer.webhooks.hubspot import HubSpotEvent, HubSpotMapping
from producer.webhooks.models import (
    ErasureAnswer,
    Ignored,
    Problem,
    RejectedLine,
    TaskRef,
    TaskSubmission,
    TaskSubmissions,
    WebhookAnswer,
)
from worker.errors import UnknownOperation

router = APIRouter()

_EVENTS = TypeAdapter(list[HubSpotEvent])
_SUBMISSIONS: TypeAdapter[list[TaskSubmission]] = TypeAdapter(TaskSubmissions)

#: The request bodies' schemas for the OpenAPI document, written out in full: a "$ref" would point
#: at nothing (FastAPI lists only the models of parameters and answers in components/schemas), and
#: ReDoc refuses the whole document over one dangling reference.
_EVENT_SCHEMA = HubSpotEvent.model_json_schema()
_SUBMISSION_SCHEMA = TaskSubmission.model_json_schema()

_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "The body cannot be read: not JSON, nested too deeply, no file, an erasure list "
        "that is not UTF-8/UTF-16 text.",
    },
    401: {"model": Problem, "description": "Signature missing, wrong or older than 5 minutes."},
    408: {"model": Problem, "description": "The body took longer than GONGQ_WEBHOOK_BODY_TIMEOUT_SECONDS."},
    409: {"model": Problem, "description": "The same signed request is being processed right now."},
    422: {"model": Problem, "description": "Readable but invalid; the failing fields are named."},
    503: {"model": Problem, "description": "The task store (Redis) is unavailable; retry later."},
}


def _json_body(body: bytes) -> Any:
    """The parsed body; 400 when it is not JSON or nests deeper than any payload may."""
    try:
        return jsonlimits.loads(body)
    except jsonlimits.TooDeep as exc:
        raise BadRequest(f"body is {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None


def _refs(
    outcomes: list[Enqueued], keys: list[str | None], event_ids: list[str | None] | None = None
) -> tuple[list[TaskRef], list[TaskRef]]:
    accepted: list[TaskRef] = []
    duplicates: list[TaskRef] = []
    for i, outcome in enumerate(outcomes):
        ref = TaskRef(
            task_id=outcome.task_id,
            operation=outcome.operation,
            idempotency_key=keys[i],
            event_id=event_ids[i] if event_ids else None,
            published=True if outcome.duplicate and outcome.published else None,
        )
        (duplicates if outcome.duplicate else accepted).append(ref)
    return accepted, duplicates


@router.post(
    "/webhooks/hubspot",
    status_code=202,
    response_model=WebhookAnswer,
    response_model_exclude_none=True,
    responses=_REFUSALS,
    openapi_extra={
        "parameters": hubspot_signature_headers(),
        "requestBody": {
            "content": {"application/json": {"schema": {"type": "array", "items": _EVENT_SCHEMA}}}
        },
    },
    summary="HubSpot webhook events (signature v3)",
)
async def hubspot_events(
    signed: HubSpotBody, client: ClientDep, mapping: MappingDep, deliveries: DeliveriesDep
) -> WebhookAnswer:
    """HubSpot's batched events; each mapped event becomes one task keyed ``hubspot:<eventId>``."""
    return await deliveries.once(
        signed.fingerprint, WebhookAnswer, lambda: _hubspot_events(signed.body, client, mapping)
    )


async def _hubspot_events(body: bytes, client: GongqClient, mapping: HubSpotMapping) -> WebhookAnswer:
    raw = _json_body(body)
    try:
        events = _EVENTS.validate_python(raw if isinstance(raw, list) else [raw])
    except ValidationError as exc:
        raise describe(exc, ("body",)) from None
    mapped, ignored = mapping.plan(events)
    items = []
    for i, event in enumerate(mapped):
        try:
            payload = client.validate(event.request.operation, event.request.payload)
        except (InvalidPayload, UnknownOperation) as exc:
            raise Unprocessable(f"event {event.event_id} (body[{i}]): {exc}") from None
        items.append((event.request.operation, payload, event.request.idempotency_key))
    outcomes = await run_in_threadpool(client.enqueue_validated, items)
    accepted, duplicates = _refs(outcomes, [k for _, _, k in items], [event.event_id for event in mapped])
    return WebhookAnswer(
        accepted=accepted,
        duplicates=duplicates,
        ignored=[
            Ignored(reason=i.reason, event_id=i.event_id, subscription_type=i.subscription_type)
            for i in ignored
        ],
    )


@router.post(
    "/webhooks/tasks",
    status_code=202,
    response_model=WebhookAnswer,
    response_model_exclude_none=True,
    responses=_REFUSALS,
    openapi_extra={
        "parameters": gongq_signature_headers(),
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            _SUBMISSION_SCHEMA,
                            {"type": "array", "items": _SUBMISSION_SCHEMA},
                        ]
                    }
                }
            }
        },
    },
    summary="Tasks from any system (X-Gongq-Signature)",
)
async def tasks(signed: GongqBody, client: ClientDep, deliveries: DeliveriesDep) -> WebhookAnswer:
    """One task or a list; every payload is validated before any task is stored."""
    return await deliveries.once(signed.fingerprint, WebhookAnswer, lambda: _tasks(signed.body, client))


async def _tasks(body: bytes, client: GongqClient) -> WebhookAnswer:
    raw = _json_body(body)
    single = isinstance(raw, dict)
    if not (single or isinstance(raw, list)):
        raise Unprocessable("body must be a JSON object or a list of objects")
    try:
        submissions = [TaskSubmission.model_validate(raw)] if single else _SUBMISSIONS.validate_python(raw)
    except ValidationError as exc:
        raise describe(exc, ("body",)) from None
    items = []
    for i, submission in enumerate(submissions):
        where = "" if single else f"body[{i}]: "
        try:
            payload = client.validate(submission.operation, submission.payload)
        except InvalidPayload as exc:
            loc_prefix: list[str | int] = ["body", "payload"] if single else ["body", i, "payload"]
            raise Unprocessable(
                f"{where}{exc}",
                [{"loc": [*loc_prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors],
            ) from None
        except UnknownOperation as exc:
            raise Unprocessable(f"{where}{exc}") from None
        items.append((submission.operation, payload, submission.idempotency_key))
    outcomes = await run_in_threadpool(client.enqueue_validated, items)
    accepted, duplicates = _refs(outcomes, [k for _, _, k in items])
    return WebhookAnswer(accepted=accepted, duplicates=duplicates)


@router.post(
    "/erasures",
    status_code=202,
    response_model=ErasureAnswer,
    response_model_exclude_none=True,
    responses=_REFUSALS,
    openapi_extra={
        "parameters": gongq_signature_headers(),
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                "application/jsonl": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            }
        },
    },
    summary="A privacy-erasure list (CSV, JSONL or one identifier per line)",
)
async def erasures(
    request: Request, signed: GongqBody, client: ClientDep, deliveries: DeliveriesDep, dry_run: bool = False
) -> ErasureAnswer:
    """Same semantics as ``gongq erase``: bad rows are reported by line, good rows are enqueued."""
    return await deliveries.once(
        signed.fingerprint, ErasureAnswer, lambda: _erasures(request, signed.body, client, dry_run)
    )


async def _erasures(request: Request, body: bytes, client: GongqClient, dry_run: bool) -> ErasureAnswer:
    data = await _uploaded_file(request, body)
    report = await run_in_threadpool(submit_erasure_list, client, data, dry_run=dry_run)
    return ErasureAnswer(
        batch_id=report.batch_id,
        dry_run=report.dry_run,
        accepted=[TaskRef(**o.to_json()) for o in report.accepted],
        duplicates=[
            TaskRef(**o.to_json(), published=True if o.published else None) for o in report.duplicates
        ],
        rejected=[RejectedLine(line=r.line, value=r.value, reason=r.reason) for r in report.rejected],
    )


async def _uploaded_file(request: Request, body: bytes) -> bytes:
    """The list's bytes: the multipart field ``file``, or the raw body for any other content type."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return body
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise BadRequest("multipart upload has no file field named 'file'")
    return await upload.read()


@router.get("/healthz", summary="Liveness", response_model=dict[str, bool])
async def healthz() -> dict[str, bool]:
    """For load balancers; touches nothing."""
    return {"ok": True}
