"""Composio's REST error body and API-key check, shared by every Composio route of the sandbox.

Composio answers errors as ``{"error": {"message", "code"}}``; the SDK's status errors print
``<code> <message>`` from it (docs/fidelity-toolrouter.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from sandbox.keys import RevokedKeys

INVALID_KEY = "Invalid API key"
MISSING_KEY = "x-api-key header is required"


class ComposioError(Exception):
    """Raised by a Composio route; answered as Composio's error body with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "code": status}}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status)


def key_problem(keys: RevokedKeys, key: str | None) -> str | None:
    """Why ``key`` is refused (a 401 message), or None when it is accepted."""
    if not key:
        return MISSING_KEY
    if keys.composio_revoked(key):
        return INVALID_KEY
    return None


def require_key(keys: RevokedKeys, key: str | None) -> None:
    problem = key_problem(keys, key)
    if problem is not None:
        raise ComposioError(401, problem)


def install_error_handler(app: FastAPI) -> None:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ComposioError)
        return error_response(exc.status, exc.message)

    app.add_exception_handler(ComposioError, handle)
