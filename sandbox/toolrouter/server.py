"""Composio's Tool Router on the sandbox origin: session REST endpoints and the MCP server.

``POST /api/v3.1/tool_router/session`` answers what ``Composio(...).create(user_id, toolkits=[...])``
parses; its ``mcp.url`` is ``{origin}/tool_router/{session_id}/mcp`` on the same origin, because
the SDK only hands over the x-api-key for a same-origin MCP URL (``mcp_origin`` in
``/_sandbox/composio/shapes`` moves it elsewhere, so ``create(..., mcp=True)`` fails). The MCP
endpoint is a real streamable-HTTP server (mcp's low-level Server, JSON responses, stateless)
that requires the x-api-key header and serves the meta tools the session exposes
(``sandbox.toolrouter.definitions``). Each create body is recorded for
``GET /_sandbox/composio/sessions``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import mcp.types as types
from fastapi import APIRouter, FastAPI, Header, Request
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from sandbox.config import SandboxConfig
from sandbox.keys import RevokedKeys
from sandbox.responses.mcp_client import SSL_CONTEXT
from sandbox.toolrouter.auth import (
    ComposioError,
    error_response,
    install_error_handler,
    key_problem,
    require_key,
)
from sandbox.toolrouter.connections import Connections, connection_routes
from sandbox.toolrouter.context import CallContext
from sandbox.toolrouter.definitions import exposed_tools, meta_tools
from sandbox.toolrouter.files import FileStorage
from sandbox.toolrouter.meta_tools import HANDLERS
from sandbox.toolrouter.shapes import ShapeSettings

MCP_PATH = re.compile(r"/tool_router/(?P<session_id>trs_[A-Za-z0-9]+)/mcp/?$")


def _enabled_toolkits(body: dict[str, Any]) -> list[str]:
    toolkits = body.get("toolkits")
    if isinstance(toolkits, list):
        return [str(t) for t in toolkits]
    if isinstance(toolkits, dict):
        enabled = toolkits.get("enable", toolkits.get("enabled"))
        if isinstance(enabled, list):
            return [str(t) for t in enabled]
    return ["gong"]


class ToolRouter:
    """Sessions, connections, answer shapes, the REST routes and the MCP ASGI app."""

    def __init__(self, config: SandboxConfig, keys: RevokedKeys | None = None) -> None:
        self.config = config
        self.keys = keys or RevokedKeys()
        self.sessions: dict[str, dict[str, Any]] = {}
        #: Every session create request, in order: {session_id, user_id, body}.
        self.created: list[dict[str, Any]] = []
        self.files = FileStorage(self.keys)
        self.connections = Connections(config.default_connected)
        self.shapes = ShapeSettings(config)
        self.mcp = Server(
            "composio-tool-router", on_list_tools=self._list_tools, on_call_tool=self._call_tool
        )
        self.manager = StreamableHTTPSessionManager(
            app=self.mcp,
            json_response=True,
            stateless=True,
            # docker-compose service names and 127.0.0.1 must both work.
            security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    def reset(self) -> None:
        """Connections and shapes back to their defaults, files and the create log cleared.
        Sessions stay, so MCP URLs a worker holds keep working."""
        self.connections.reset()
        self.shapes.reset()
        self.files.reset()
        self.created.clear()

    def install(self, app: FastAPI) -> None:
        """Add every Composio route, the control routes and the MCP mount to ``app``."""
        install_error_handler(app)
        app.include_router(self.rest_router())
        app.include_router(self.files.router())
        app.include_router(
            connection_routes(self.connections, self.keys, self._session_user, self.config.gong_access_key)
        )
        app.include_router(self.shapes.router())
        app.router.routes.append(Mount("/tool_router", app=self.asgi))

    def _session_user(self, session_id: str) -> str | None:
        session = self.sessions.get(session_id)
        return None if session is None else str(session.get("user_id") or "default")

    # --- REST ------------------------------------------------------------------------------------

    def rest_router(self) -> APIRouter:
        router = APIRouter(tags=["composio"])

        @router.post("/api/v3.1/tool_router/session", status_code=201)
        async def create_session(
            request: Request, x_api_key: str | None = Header(default=None)
        ) -> dict[str, Any]:
            require_key(self.keys, x_api_key)
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise ComposioError(400, "The request body is not valid JSON") from None
            if not isinstance(body, dict):
                raise ComposioError(400, "The request body must be a JSON object")
            session_id = f"trs_{secrets.token_hex(8)}"
            user_id = body.get("user_id") or "default"
            self.sessions[session_id] = {
                "user_id": user_id,
                "toolkits": _enabled_toolkits(body),
                "tools": exposed_tools(body),
                "body": body,
            }
            self.created.append({"session_id": session_id, "user_id": user_id, "body": body})
            return self._session_body(session_id, str(request.base_url).rstrip("/"))

        @router.get("/api/v3.1/tool_router/session/{session_id}")
        async def get_session(
            session_id: str, request: Request, x_api_key: str | None = Header(default=None)
        ) -> dict[str, Any]:
            require_key(self.keys, x_api_key)
            if session_id not in self.sessions:
                raise ComposioError(404, f"Tool Router session {session_id} not found")
            return self._session_body(session_id, str(request.base_url).rstrip("/"))

        @router.get("/_sandbox/composio/sessions", tags=["sandbox control"])
        async def created_sessions() -> dict[str, Any]:
            """Every session create request since the last reset: {session_id, user_id, body}."""
            return {"sessions": self.created}

        return router

    def _session_body(self, session_id: str, origin: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        tools: list[str] = session["tools"]
        mcp_origin = (self.shapes.current.mcp_origin or origin).rstrip("/")
        body: dict[str, Any] = session["body"]
        manage = body.get("manage_connections")
        return {
            "session_id": session_id,
            "mcp": {"type": "http", "url": f"{mcp_origin}/tool_router/{session_id}/mcp"},
            "tool_router_tools": tools,
            "config": {
                "user_id": session["user_id"],
                "toolkits": {"enabled": list(session["toolkits"])},
                "execute": {"enable_multi_execute": "COMPOSIO_MULTI_EXECUTE_TOOL" in tools},
                "search": {"enable": "COMPOSIO_SEARCH_TOOLS" in tools},
                "preload": {"tools": []},
                "manage_connections": {
                    "enabled": "COMPOSIO_MANAGE_CONNECTIONS" in tools,
                    "callback_url": manage.get("callback_url") if isinstance(manage, dict) else None,
                    "enable_wait_for_connections": "COMPOSIO_WAIT_FOR_CONNECTIONS" in tools,
                },
                "workbench": {"enable": "COMPOSIO_REMOTE_WORKBENCH" in tools},
                "instant": False,
            },
            "config_version": 1,
            "experimental": {"assistive_prompt": None},
        }

    # --- MCP -------------------------------------------------------------------------------------

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The MCP endpoint: check the session and the x-api-key, then hand over to the transport."""
        # Starlette keeps the full path in scope["path"] under a Mount (root_path holds the prefix).
        match = MCP_PATH.search(scope.get("path", ""))
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        if match is None or match["session_id"] not in self.sessions:
            await error_response(404, "Tool Router session not found")(scope, receive, send)
            return
        problem = key_problem(self.keys, headers.get("x-api-key"))
        if problem is not None:
            await error_response(401, problem)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    def _session_of(self, ctx: ServerRequestContext[Any]) -> tuple[str, dict[str, Any]] | None:
        request = ctx.request
        if not isinstance(request, Request):
            return None
        match = MCP_PATH.search(request.url.path)
        if match is None or match["session_id"] not in self.sessions:
            return None
        return match["session_id"], self.sessions[match["session_id"]]

    async def _list_tools(self, ctx: ServerRequestContext[Any], params: Any) -> types.ListToolsResult:
        found = self._session_of(ctx)
        slugs = found[1]["tools"] if found is not None else []
        definitions = meta_tools()
        return types.ListToolsResult(tools=[definitions[slug].mcp_tool() for slug in slugs])

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        found = self._session_of(ctx)
        handler = HANDLERS.get(params.name)
        if found is None or handler is None or params.name not in found[1]["tools"]:
            error = f"Tool {params.name} is not available in this Tool Router session"
            return _text_result({"successful": False, "data": {}, "error": error}, True)
        session_id, session = found
        request = ctx.request
        origin = str(request.base_url).rstrip("/") if isinstance(request, Request) else "http://127.0.0.1"
        call = CallContext(
            session_id=session_id,
            session=session,
            origin=origin,
            connections=self.connections,
            shapes=self.shapes.current,
            gong=self._gong_client_factory(origin),
            files=self.files,
        )
        result = await handler(dict(params.arguments or {}), call)
        return _text_result(result, not result.get("successful", False))

    def _gong_client_factory(self, origin: str) -> Callable[[], httpx.AsyncClient]:
        """Clients for the user's connected Gong account (the simulated company's Basic keys)."""
        base = self.config.gong_base_url or origin

        def make() -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=base,
                timeout=60,
                auth=(self.config.gong_access_key, self.config.gong_access_key_secret),
                verify=SSL_CONTEXT,
            )

        return make


def _text_result(payload: dict[str, Any], is_error: bool) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(payload))], is_error=is_error
    )
