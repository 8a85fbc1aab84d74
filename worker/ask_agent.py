"""The free-form agent: the guide's Gong assistant, for ``ask`` tasks and ``gongq ask``.

No plan: the model discovers tools with COMPOSIO_SEARCH_TOOLS and runs them itself. What it
ran is still read from the evidence and stored with the answer.
"""

from __future__ import annotations

from typing import Any

from agents import Agent

from worker.agent import tool_router_tool
from worker.guard import PinGuard
from worker.toolrouter import ToolRouterSession

ASK_PROMPT = """\
You are a helpful assistant that can access Gong through the tool_router MCP server.
Help users perform Gong operations through natural language: find the right Gong tool with
COMPOSIO_SEARCH_TOOLS, run it with COMPOSIO_MULTI_EXECUTE_TOOL, and answer from what it returned.
Never erase or delete data unless the user asked for exactly that record.
"""


def build_ask_agent(session: ToolRouterSession, model: str, guard: PinGuard) -> Agent[Any]:
    """The guide's agent, pointed at a cached Tool Router session, its calls reviewed by ``guard``."""
    return Agent(
        name="Gong Assistant", model=model, instructions=ASK_PROMPT, tools=[tool_router_tool(session, guard)]
    )
