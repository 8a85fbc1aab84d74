"""Composio's Tool Router on the sandbox origin: session REST endpoint and the MCP server.

``POST /api/v3.1/tool_router/session`` answers what ``Composio(...).create(user_id, toolkits=[...])``
parses; its ``mcp.url`` is ``{origin}/tool_router/{session_id}/mcp`` on the same origin, because
the SDK only hands over the x-api-key for a same-origin MCP URL. The MCP endpoint is a real
streamable-HTTP server (mcp's low-level Server, JSON responses, stateless) that requires the
x-api-key header and serves the meta-tools of ``meta_tools``.
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
from fastapi import APIRouter, Header, HTTPException, Request
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from sandbox.config import SandboxConfig
from sandbox.responses.mcp_client import SSL_CONTEXT
from sandbox.toolrouter.files import FileStorage
from sandbox.toolrouter.meta_tools import HANDLERS, SCHEMAS, Connection

MCP_PATH = re.compile(r"/tool_router/(?P<session_id>trs_[A-Za-z0-9]+)/mcp/?$")


class ToolRouter:
    """Sessions, the REST router and the MCP ASGI app of the Composio stand-in."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sessions: dict[str, dict[str, Any]] = {}
        self.files = FileStorage()
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

    # --- REST ------------------------------------------------------------------------------------

    def rest_router(self) -> APIRouter:
        router = APIRouter(tags=["composio"])

        @router.post("/api/v3.1/tool_router/session", status_code=201)
        async def create_session(
            request: Request, x_api_key: str | None = Header(default=None)
        ) -> dict[str, Any]:
            _check_key(x_api_key)
            body = await request.json()
            session_id = f"trs_{secrets.token_hex(8)}"
            toolkits = body.get("toolkits") or {"enabled": ["gong"]}
            self.sessions[session_id] = {"user_id": body.get("user_id"), "toolkits": toolkits}
            return self._session_body(session_id, str(request.base_url).rstrip("/"))

        @router.get("/api/v3.1/tool_router/session/{session_id}")
        async def get_session(
            session_id: str, request: Request, x_api_key: str | None = Header(default=None)
        ) -> dict[str, Any]:
            _check_key(x_api_key)
            if session_id not in self.sessions:
                raise HTTPException(404, {"error": {"message": f"session {session_id} not found"}})
            return self._session_body(session_id, str(request.base_url).rstrip("/"))

        return router

    def _session_body(self, session_id: str, origin: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        toolkits = session["toolkits"]
        enabled = (
            toolkits
            if isinstance(toolkits, list)
            else toolkits.get("enabled", toolkits.get("enable", ["gong"]))
        )
        return {
            "session_id": session_id,
            "mcp": {"type": "http", "url": f"{origin}/tool_router/{session_id}/mcp"},
            "tool_router_tools": list(SCHEMAS),
            "config": {
                "user_id": session["user_id"] or "default",
                "toolkits": {"enabled": list(enabled)},
                "execute": {"enable_multi_execute": True},
                "search": {"enable": True},
                "preload": {"tools": []},
                "manage_connections": {"enabled": True},
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
            await JSONResponse({"error": {"message": "Tool Router session not found"}}, 404)(
                scope, receive, send
            )
            return
        if not headers.get("x-api-key"):
            await JSONResponse({"error": {"message": "missing x-api-key"}}, 401)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    async def _list_tools(self, ctx: ServerRequestContext[Any], params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=name, description=description, input_schema=schema)
                for name, (description, schema) in SCHEMAS.items()
            ]
        )

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        handler = HANDLERS.get(params.name)
        if handler is None:
            return _text_result(
                {"successful": False, "data": None, "error": f"Unknown tool {params.name}"}, True
            )
        origin = (
            str(ctx.request.base_url).rstrip("/") if isinstance(ctx.request, Request) else "http://127.0.0.1"
        )
        result = await handler(
            dict(params.arguments or {}), Connection(self._gong_client_factory(origin), self.files)
        )
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


def _check_key(key: str | None) -> None:
    if not key:
        raise HTTPException(401, {"error": {"message": "x-api-key header is required"}})


def _text_result(payload: dict[str, Any], is_error: bool) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(payload))], is_error=is_error
    )
