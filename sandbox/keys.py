"""Revoked API keys: the Composio and OpenAI stand-ins answer 401 to a key revoked here.

``POST /_sandbox/keys {"composio_revoked": [...], "openai_revoked": [...]}`` replaces each list
given (a list left out is kept); ``POST /_sandbox/reset`` clears both. Every other non-empty
key is accepted, as the stand-ins have no accounts.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter
from pydantic import BaseModel


class RevokedKeysUpdate(BaseModel):
    composio_revoked: list[str] | None = None
    openai_revoked: list[str] | None = None


class RevokedKeys:
    """The keys the stand-ins refuse, shared by the Composio and OpenAI routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._composio: frozenset[str] = frozenset()
        self._openai: frozenset[str] = frozenset()

    def composio_revoked(self, key: str) -> bool:
        return key in self._composio

    def openai_revoked(self, key: str) -> bool:
        return key in self._openai

    def reset(self) -> None:
        with self._lock:
            self._composio = frozenset()
            self._openai = frozenset()

    def snapshot(self) -> dict[str, list[str]]:
        return {"composio_revoked": sorted(self._composio), "openai_revoked": sorted(self._openai)}

    def router(self) -> APIRouter:
        router = APIRouter(tags=["sandbox control"])

        @router.get("/_sandbox/keys")
        async def get_keys() -> dict[str, list[str]]:
            return self.snapshot()

        @router.post("/_sandbox/keys")
        async def set_keys(update: RevokedKeysUpdate) -> dict[str, list[str]]:
            """Revoke keys: every Composio route and the MCP endpoint, or /v1/*, answer 401 to them."""
            with self._lock:
                if update.composio_revoked is not None:
                    self._composio = frozenset(update.composio_revoked)
                if update.openai_revoked is not None:
                    self._openai = frozenset(update.openai_revoked)
            return self.snapshot()

        return router
