"""Gong's error body and request ids: ``{"requestId": "...", "errors": ["..."]}`` on every error."""

from __future__ import annotations

import hashlib
import itertools
import string
from typing import Any

from fastapi.responses import JSONResponse

_counter = itertools.count(1)
_ALPHABET = string.digits + string.ascii_lowercase


def request_id() -> str:
    """A 19-character lowercase alphanumeric id, like Gong's, unique within the process."""
    n = int.from_bytes(hashlib.sha256(f"gong-request-{next(_counter)}".encode()).digest()[:12])
    chars = []
    for _ in range(19):
        n, r = divmod(n, 36)
        chars.append(_ALPHABET[r])
    return "".join(reversed(chars))


class GongError(Exception):
    """Raised by a route to answer with Gong's error body."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {'; '.join(messages)}")
        self.status = status
        self.messages = list(messages) or ["Error"]
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"requestId": request_id(), "errors": self.messages},
            status_code=self.status,
            headers=self.headers,
        )


def ok(body: dict[str, Any]) -> dict[str, Any]:
    """A success body: Gong puts a requestId in every one."""
    return {"requestId": request_id(), **body}
