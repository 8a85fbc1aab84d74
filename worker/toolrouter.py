"""Composio Tool Router sessions, created once per user id and cached for the process.

The Composio SDK is synchronous, so session creation runs in a thread; every task of a worker
process reuses the session (and so the MCP URL) of its user id.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from composio import Composio
from composio.exceptions import (
    ApiKeyError,
    ApiKeyNotProvidedError,
    MCPDestinationError,
    UserApiKeyNotProvidedError,
)
from composio_openai_agents import OpenAIAgentsProvider

from worker.errors import Retryable
from worker.settings import Settings

#: The label the agent knows the Tool Router's MCP server by (hosted tool and client server alike).
SERVER_LABEL = "tool_router"

#: Errors no retry can fix: a missing or rejected key, an MCP URL on another origin.
CONFIGURATION_ERRORS = (ApiKeyError, ApiKeyNotProvidedError, UserApiKeyNotProvidedError, MCPDestinationError)


@dataclass(frozen=True)
class ToolRouterSession:
    """What the agent needs from a Tool Router session: its MCP URL and the key it accepts."""

    session_id: str
    mcp_url: str
    headers: dict[str, str]


class ToolRouterSessions:
    """Process-wide cache of Tool Router sessions keyed by user id."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._sessions: dict[str, ToolRouterSession] = {}
        self._client: Composio[Any, Any] | None = None

    def _composio(self) -> Composio[Any, Any]:
        if self._client is None:
            self._client = Composio(
                api_key=self._settings.composio_api_key.get_secret_value(),
                # None lets the SDK use Composio's cloud (or COMPOSIO_BASE_URL) as in the guide.
                base_url=self._settings.effective_composio_base_url,  # type: ignore[arg-type]
                provider=OpenAIAgentsProvider(),
                allow_tracking=False,
            )
        return self._client

    def _create(self, user_id: str) -> ToolRouterSession:
        with self._lock:
            cached = self._sessions.get(user_id)
            if cached is not None:
                return cached
            try:
                session = self._composio().create(user_id=user_id, toolkits=["gong"], mcp=True)
            except Exception as exc:  # the SDK raises many transport/HTTP types; all are transient here
                raise Retryable(
                    f"could not create a Composio Tool Router session: {type(exc).__name__}"
                ) from exc
            # The SDK exports the credential in mcp.headers for a same-origin MCP URL; the guide
            # sends the same x-api-key header explicitly, which we fall back to.
            headers = {k: v for k, v in (session.mcp.headers or {}).items() if v is not None} or {
                "x-api-key": self._settings.composio_api_key.get_secret_value()
            }
            created = ToolRouterSession(
                session_id=str(session.session_id), mcp_url=str(session.mcp.url), headers=headers
            )
            self._sessions[user_id] = created
            return created

    async def get(self, user_id: str) -> ToolRouterSession:
        """The cached session of ``user_id``, creating it (off the event loop) on first use."""
        cached = self._sessions.get(user_id)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self._create, user_id)
