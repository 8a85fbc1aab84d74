"""The client executor: the worker itself calls the Tool Router's MCP server, guarded per call.

For model providers without hosted MCP (any Chat Completions or Responses model with function
tools), the Agents SDK lists the Tool Router's tools over MCP and offers them to the model as
function tools; when the model calls one, the SDK calls :meth:`GuardedToolRouter.call_tool` in
this process. That is where the pin guard and the rate limiter run, right before the call
leaves the worker: a refused call never reaches the Tool Router (or Gong); the model is told it
was refused, and the run then fails as a security violation like a hosted refusal does.

A typed task takes two model requests here too (the call, then the answer after its output),
and its evidence is what the worker itself sent and received, not what a provider reported.
"""

from __future__ import annotations

from typing import Any

import mcp.types as types
from agents.mcp import MCPServerStreamableHttp, create_static_tool_filter

from worker.evidence import Evidence, McpCallRecord
from worker.guard import PinGuard
from worker.toolrouter import SERVER_LABEL, ToolRouterSession


class GuardedToolRouter(MCPServerStreamableHttp):
    """The Tool Router session's MCP server, every call admitted by ``guard`` and recorded."""

    def __init__(
        self, session: ToolRouterSession, guard: PinGuard, timeout_seconds: float, allowed: tuple[str, ...]
    ) -> None:
        super().__init__(
            params={"url": session.mcp_url, "headers": session.headers, "timeout": timeout_seconds},
            cache_tools_list=True,
            name=SERVER_LABEL,
            client_session_timeout_seconds=timeout_seconds,
            # Only these tools are offered to the model (the rest of the session's are not listed).
            tool_filter=create_static_tool_filter(allowed_tool_names=list(allowed)),
        )
        self.guard = guard
        self.evidence = Evidence()

    async def call_tool(
        self, tool_name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None = None
    ) -> types.CallToolResult:
        """Run the call only if the guard admits it (and the limiter gives a token)."""
        refusal = await self.guard.admit(tool_name, arguments or {})
        if refusal is not None:
            return types.CallToolResult(content=[types.TextContent(type="text", text=refusal)], is_error=True)
        result = await super().call_tool(tool_name, arguments, meta)
        text = "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))
        failed = bool(result.is_error)
        self.evidence.add_call(
            McpCallRecord(
                name=tool_name,
                arguments=dict(arguments or {}),
                output=None if failed else text,
                error=(text or "the MCP server reported an error") if failed else None,
            )
        )
        return result
