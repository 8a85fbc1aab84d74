"""The client executor: the worker itself calls the Tool Router's MCP server, guarded per call.

For model providers without hosted MCP (any Chat Completions or Responses model with function
tools), the Agents SDK lists the Tool Router's tools over MCP and offers them to the model as
function tools; when the model calls one, the SDK calls :meth:`GuardedToolRouter.call_tool` in
this process. That is where the pin guard and the rate limiter run, right before the call
leaves the worker: a refused call never reaches the Tool Router (or Gong); the model is told it
was refused, and the run then fails as a security violation like a hosted refusal does.

A typed task takes one model request: the model calls the planned tool and the run stops at
the tool's result (the agent's ``stop_on_first_tool``), so Gong's answer never goes back to the
model; the verdict and the task's summary come from the evidence, which is what the worker
itself sent and received, not what a provider reported. And the model is offered the planned
tool in a compact form (:func:`compact_for_plan`): the server's schema without its prose,
restricted to the fields a plan sets, so a typed task's one request stays under ~1,000 tokens.
"""

from __future__ import annotations

from typing import Any

import mcp.types as types
from agents.agent import AgentBase
from agents.mcp import MCPServerStreamableHttp, create_static_tool_filter
from agents.run_context import RunContextWrapper

from worker.evidence import Evidence, McpCallRecord
from worker.guard import PinGuard
from worker.toolrouter import SERVER_LABEL, ToolRouterSession

#: JSON-schema keys that only explain (the model needs none to fill in a given plan).
PROSE = frozenset({"description", "examples", "title"})

#: What the compact tool says instead of the server's ~2,000-character description.
PLANNED_CALL_DESCRIPTION = "Run the Composio tool call of the plan, with exactly its arguments."


def strip_prose(schema: Any) -> Any:
    """``schema`` without descriptions, examples and titles, at every depth (a property *named*
    like one of them, e.g. a ``title`` argument, is kept: only schema keywords go)."""
    if isinstance(schema, list):
        return [strip_prose(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key in PROSE:
            continue
        if key == "properties" and isinstance(value, dict):
            kept[key] = {name: strip_prose(sub) for name, sub in value.items()}
        else:
            kept[key] = strip_prose(value)
    return kept


def compact_for_plan(tool: types.Tool, planned_fields: frozenset[str]) -> types.Tool:
    """``tool`` as a typed task's model is offered it: the server's input schema minus its prose,
    with only the ``planned_fields`` (and the server's required ones among them). Nothing is
    added: every field left is the server's own, and the server still validates the call."""
    schema = tool.input_schema
    properties = {k: v for k, v in (schema.get("properties") or {}).items() if k in planned_fields}
    compact = {
        **{k: v for k, v in schema.items() if k not in ("properties", "required")},
        "properties": properties,
        "required": [name for name in schema.get("required") or [] if name in properties],
    }
    return tool.model_copy(
        update={"description": PLANNED_CALL_DESCRIPTION, "input_schema": strip_prose(compact), "title": None}
    )


class GuardedToolRouter(MCPServerStreamableHttp):
    """The Tool Router session's MCP server, every call admitted by ``guard`` and recorded."""

    def __init__(
        self,
        session: ToolRouterSession,
        guard: PinGuard,
        timeout_seconds: float,
        allowed: tuple[str, ...],
        planned_fields: frozenset[str] | None = None,
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
        #: The argument names a typed task's plan sets; None (free-form) offers tools as listed.
        self.planned_fields = planned_fields

    async def list_tools(
        self, run_context: RunContextWrapper[Any] | None = None, agent: AgentBase | None = None
    ) -> list[types.Tool]:
        """The allowed tools, compacted to what the plan sets when there is a plan."""
        tools = await super().list_tools(run_context, agent)
        if self.planned_fields is None:
            return tools
        return [compact_for_plan(tool, self.planned_fields) for tool in tools]

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
