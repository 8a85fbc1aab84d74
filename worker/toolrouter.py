"""Composio Tool Router sessions, created once per user id and cached for the process.

The Composio SDK is synchronous, so session creation runs in a thread; every task of a worker
process reuses the session (and so the MCP URL) of its user id. Sessions are created with the
remote workbench off (gongq never runs code in Composio's sandbox, and its two tools would only
widen what a model can call) and with the MCP URL's origin checked (``mcp=True``).

Failures are sorted once, here: a refused key (401/403) or an MCP URL on another origin is a
:class:`ConfigurationProblem` naming the setting to fix (no retry can help); anything else
(transport, 5xx, 429) is :class:`Retryable` and names the URL it tried.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import composio_client
from composio import Composio
from composio.exceptions import (
    ApiKeyError,
    ApiKeyNotProvidedError,
    MCPDestinationError,
    UserApiKeyNotProvidedError,
)
from composio_openai_agents import OpenAIAgentsProvider

from worker.errors import ConfigurationProblem, GongqError, Retryable
from worker.settings import Settings, env_name

#: The label the agent knows the Tool Router's MCP server by (hosted tool and client server alike).
SERVER_LABEL = "tool_router"

#: Longest one Composio REST call may take (session create, toolkits, link).
SDK_TIMEOUT_SECONDS = 30

#: The toolkit gongq works with, as Composio spells it.
GONG = "gong"

#: Errors no retry can fix: a missing or rejected key, an MCP URL on another origin.
CONFIGURATION_ERRORS = (ApiKeyError, ApiKeyNotProvidedError, UserApiKeyNotProvidedError, MCPDestinationError)


@dataclass(frozen=True)
class ToolRouterSession:
    """What the agent needs from a Tool Router session: its MCP URL and the key it accepts."""

    session_id: str
    mcp_url: str
    headers: dict[str, str]


def composio_failure(exc: Exception, settings: Settings, doing: str) -> GongqError:
    """The error-hierarchy kind of a Composio SDK failure while ``doing`` something."""
    base = settings.composio_url_in_use
    if isinstance(exc, MCPDestinationError):
        return ConfigurationProblem(
            f"Composio answered an MCP URL on another origin than {base} while {doing}",
            env_name("composio_base_url"),
        )
    if isinstance(exc, CONFIGURATION_ERRORS):
        return ConfigurationProblem(
            f"Composio refused the API key while {doing}", env_name("composio_api_key")
        )
    if isinstance(exc, composio_client.AuthenticationError | composio_client.PermissionDeniedError):
        return ConfigurationProblem(
            f"Composio at {base} answered HTTP {exc.status_code} while {doing}", env_name("composio_api_key")
        )
    return Retryable(f"Composio at {base} failed while {doing}: {type(exc).__name__}: {exc}")


class ToolRouterSessions:
    """Process-wide cache of Tool Router sessions keyed by user id."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._sessions: dict[str, ToolRouterSession] = {}
        self._sdk_sessions: dict[str, Any] = {}
        self._client: Composio[Any, Any] | None = None

    def _composio(self) -> Composio[Any, Any]:
        if self._client is None:
            self._client = Composio(
                api_key=self.settings.composio_api_key.get_secret_value(),
                # None lets the SDK use Composio's cloud (or COMPOSIO_BASE_URL) as in the guide.
                base_url=self.settings.effective_composio_base_url,  # type: ignore[arg-type]
                provider=OpenAIAgentsProvider(),
                allow_tracking=False,
                # The SDK's default is no timeout at all: a hung endpoint would hang the worker.
                timeout=SDK_TIMEOUT_SECONDS,
                toolkit_versions={GONG: self.settings.gong_toolkit_version},
            )
        return self._client

    def sdk_session(self, user_id: str) -> Any:
        """The SDK's session object of ``user_id`` (for ``toolkits()`` and ``authorize()``)."""
        self.create(user_id)
        return self._sdk_sessions[user_id]

    def create(self, user_id: str) -> ToolRouterSession:
        """The session of ``user_id``, created on first use (blocking; call off the event loop)."""
        with self._lock:
            cached = self._sessions.get(user_id)
            if cached is not None:
                return cached
            try:
                session = self._composio().create(
                    user_id=user_id, toolkits=[GONG], sandbox={"enable": False}, mcp=True
                )
            except Exception as exc:  # the SDK raises many transport/HTTP types; sorted once
                raise composio_failure(exc, self.settings, "creating a Tool Router session") from exc
            # The SDK exports the credential in mcp.headers for a same-origin MCP URL; the guide
            # sends the same x-api-key header explicitly, which we fall back to.
            headers = {k: v for k, v in (session.mcp.headers or {}).items() if v is not None} or {
                "x-api-key": self.settings.composio_api_key.get_secret_value()
            }
            created = ToolRouterSession(
                session_id=str(session.session_id), mcp_url=str(session.mcp.url), headers=headers
            )
            self._sessions[user_id] = created
            self._sdk_sessions[user_id] = session
            return created

    def forget(self, user_id: str) -> None:
        """Drop a cached session (e.g. after the Tool Router stopped knowing it)."""
        with self._lock:
            self._sessions.pop(user_id, None)
            self._sdk_sessions.pop(user_id, None)

    async def get(self, user_id: str) -> ToolRouterSession:
        """The cached session of ``user_id``, creating it (off the event loop) on first use."""
        cached = self._sessions.get(user_id)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self.create, user_id)
