"""How the webhook service answers what it refuses: 400, 401, 409, 422 or 503, never a 5xx for bad input.

Routes raise the project's own exceptions (SignatureError, InvalidPayload, UnknownOperation...)
and the handlers here turn each kind into one status with a sentence naming what is wrong, so
the mapping from failure to answer is written once.
"""

from __future__ import annotations

from typing import Any

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from producer.bulk import UnreadableErasureList
from producer.client import InvalidPayload
from producer.erase import EmptyErasureList
from producer.webhooks.replay import DeliveryInProgress
from producer.webhooks.signatures import SignatureError
from worker.errors import UnknownOperation


class BadRequest(Exception):
    """The body cannot be read at all (not JSON, not a file): 400."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unprocessable(Exception):
    """The body is readable but its content is invalid: 422 with the fields named."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def describe(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> Unprocessable:
    """A pydantic error as a 422 whose sentence names every failing field (``body[0].payload``)."""
    errors: list[dict[str, Any]] = [
        {"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_input=False)
    ]
    details = "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in errors)
    return Unprocessable(f"invalid body: {details}", errors)


def _path(loc: list[str | int]) -> str:
    """``["body", 0, "payload"]`` → ``body[0].payload``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _plain(error: Any) -> dict[str, Any]:
    """A pydantic error without ``input``/``ctx``: they may hold personal data or unserializable objects."""
    return {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}


def _problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Register one handler per refusal kind on ``app``."""

    @app.exception_handler(SignatureError)
    async def _unauthorized(request: Request, exc: SignatureError) -> JSONResponse:
        return _problem(401, f"signature rejected: {exc}")

    @app.exception_handler(DeliveryInProgress)
    async def _in_progress(request: Request, exc: DeliveryInProgress) -> JSONResponse:
        return _problem(409, str(exc))

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return _problem(400, exc.detail)

    @app.exception_handler(EmptyErasureList)
    async def _empty_list(request: Request, exc: EmptyErasureList) -> JSONResponse:
        return _problem(400, str(exc))

    @app.exception_handler(UnreadableErasureList)
    async def _unreadable_list(request: Request, exc: UnreadableErasureList) -> JSONResponse:
        # Not UTF-8, or binary: the whole file is refused, in the one sentence `gongq erase` prints.
        return _problem(400, str(exc))

    @app.exception_handler(Unprocessable)
    async def _unprocessable(request: Request, exc: Unprocessable) -> JSONResponse:
        return _problem(422, exc.detail, exc.errors)

    @app.exception_handler(InvalidPayload)
    async def _invalid_payload(request: Request, exc: InvalidPayload) -> JSONResponse:
        return _problem(422, str(exc), [_plain(e) for e in exc.errors])

    @app.exception_handler(UnknownOperation)
    async def _unknown_operation(request: Request, exc: UnknownOperation) -> JSONResponse:
        return _problem(422, str(exc))

    @app.exception_handler(redis.RedisError)
    async def _store_unavailable(request: Request, exc: redis.RedisError) -> JSONResponse:
        # Not the caller's fault, and worth retrying: HubSpot and most senders retry a 503.
        return _problem(503, f"task store unavailable, nothing was enqueued reliably; retry later ({exc})")
