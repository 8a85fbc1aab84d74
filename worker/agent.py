"""The typed-operation agent: runs one catalog operation through the Tool Router.

The prompt carries an explicit plan (the exact Composio call with the validated payload's
arguments) so a capable model executes it in a single Responses request; the sandbox's planner
model follows the same ``<gongq-plan>`` block deterministically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, HostedMCPTool, Tool
from agents.mcp import MCPServer
from pydantic import BaseModel

from worker.client_executor import GuardedToolRouter
from worker.evidence import Evidence
from worker.guard import PinGuard
from worker.meta_tools import FREE_FORM_TOOLS, MULTI_EXECUTE, TYPED_TASK_TOOLS
from worker.settings import Settings
from worker.toolrouter import SERVER_LABEL, ToolRouterSession

TYPED_OPERATION_PROMPT = """\
You run one Gong operation for gongq through the tool_router MCP server: call the tool of the
plan with exactly its arguments, once; call nothing else, change no value. Then answer in one
short sentence.

<gongq-plan>{plan}</gongq-plan>
"""


class PlanStep(BaseModel):
    """One MCP tool call of a plan."""

    server_label: str = SERVER_LABEL
    tool: str
    arguments: dict[str, Any]


class Plan(BaseModel):
    """The steps a typed operation takes; shown to the model verbatim as JSON."""

    steps: list[PlanStep]


def single_tool_plan(slug: str, arguments: dict[str, Any]) -> Plan:
    """A plan that runs one Gong tool through COMPOSIO_MULTI_EXECUTE_TOOL."""
    return Plan(
        steps=[
            PlanStep(
                tool=MULTI_EXECUTE,
                arguments={
                    "tools": [{"tool_slug": slug, "arguments": arguments}],
                    "sync_response_to_workbench": False,
                    "thought": f"Run {slug} as planned by gongq",
                },
            )
        ]
    )


#: The multi-execute arguments every typed plan sets (what the client executor offers the model).
PLANNED_FIELDS = frozenset(single_tool_plan("ANY", {}).steps[0].arguments)


def tool_router_tool(session: ToolRouterSession, guard: PinGuard, allowed: tuple[str, ...]) -> HostedMCPTool:
    """The hosted MCP tool of the guide, with two changes: the provider offers the model only
    the ``allowed`` tools (OpenAI's ``allowed_tools``), and every call needs approval, which the
    pin guard gives, so nothing the guard refuses ever reaches the Tool Router (or Gong)."""
    return HostedMCPTool(
        tool_config={
            "type": "mcp",
            "server_label": SERVER_LABEL,
            "server_url": session.mcp_url,
            "headers": session.headers,
            "allowed_tools": list(allowed),
            "require_approval": "always",
        },
        on_approval_request=guard.on_approval_request,
    )


@dataclass(frozen=True)
class ToolAccess:
    """How an agent reaches the Tool Router under the configured executor.

    ``hosted``: a :class:`HostedMCPTool` (the provider calls the MCP server; evidence comes from
    the ``mcp_call`` items it reports). ``client``: a :class:`GuardedToolRouter` the worker
    connects to itself (evidence is what it sent and received).
    """

    tools: list[Tool] = field(default_factory=list)
    mcp_servers: list[MCPServer] = field(default_factory=list)
    evidence: Evidence | None = None


def tool_access(session: ToolRouterSession, guard: PinGuard, settings: Settings) -> ToolAccess:
    """The Tool Router as ``settings.executor`` says, every call reviewed by ``guard``, offering
    only the meta tools the guard's operation needs (``worker.meta_tools``)."""
    allowed = FREE_FORM_TOOLS if guard.operation.is_free_form else TYPED_TASK_TOOLS
    if settings.executor == "client":
        planned = None if guard.operation.is_free_form else PLANNED_FIELDS
        server = GuardedToolRouter(session, guard, settings.task_timeout_seconds, allowed, planned)
        return ToolAccess(mcp_servers=[server], evidence=server.evidence)
    return ToolAccess(tools=[tool_router_tool(session, guard, allowed)])


def build_typed_agent(operation_name: str, plan: Plan, access: ToolAccess, model: str) -> Agent[Any]:
    """An agent whose instructions hold ``plan``.

    With the client executor the run stops at the planned tool's result (one model request;
    Gong's answer is never sent back to the model, which could only restate it). With the hosted
    executor the provider runs the call after the pin guard's approval, within the second
    request, and the model answers in that one. Either way the task's verdict and summary come
    from the evidence, never from the model's words.
    """
    return Agent(
        name=f"gongq {operation_name}",
        model=model,
        instructions=TYPED_OPERATION_PROMPT.format(plan=json.dumps(plan.model_dump(), sort_keys=True)),
        tools=list(access.tools),
        mcp_servers=list(access.mcp_servers),
        tool_use_behavior="stop_on_first_tool" if access.mcp_servers else "run_llm_again",
    )
