"""The free-form agent: the guide's Gong assistant, for ``ask`` tasks and ``gongq ask``.

No plan: the model discovers tools with COMPOSIO_SEARCH_TOOLS and runs them itself. What it
ran is still read from the evidence and stored with the answer.
"""

from __future__ import annotations

from typing import Any

from agents import Agent

from worker.agent import ToolAccess

ASK_PROMPT = """\
You are a helpful assistant that can access Gong through the tool_router MCP server.
Help users perform Gong operations through natural language: find the right Gong tool with
COMPOSIO_SEARCH_TOOLS, run it with COMPOSIO_MULTI_EXECUTE_TOOL, and answer from what it returned.
Never erase or delete data unless the user asked for exactly that record.
"""


def build_ask_agent(access: ToolAccess, model: str) -> Agent[Any]:
    """The guide's agent on a cached Tool Router session (``access`` carries the pin guard)."""
    return Agent(
        name="Gong Assistant",
        model=model,
        instructions=ASK_PROMPT,
        tools=list(access.tools),
        mcp_servers=list(access.mcp_servers),
    )
