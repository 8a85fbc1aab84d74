"""The Tool Router's meta tools as Composio documents them, and which ones a session exposes.

Slugs, descriptions, tags, input and response schemas are Composio's own, from
``sandbox/data/meta-tools.json`` (ComposioHQ/composio docs/public/data/meta-tools.json at
28a4669). Which tools a session lists follows its create body: the two remote-sandbox tools
only while ``workbench.enable`` is not false, COMPOSIO_WAIT_FOR_CONNECTIONS only when
``manage_connections.enable_wait_for_connections`` is true (docs/fidelity-toolrouter.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import mcp.types as types

SEARCH = "COMPOSIO_SEARCH_TOOLS"
GET_SCHEMAS = "COMPOSIO_GET_TOOL_SCHEMAS"
MULTI_EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"
MANAGE_CONNECTIONS = "COMPOSIO_MANAGE_CONNECTIONS"
WAIT_FOR_CONNECTIONS = "COMPOSIO_WAIT_FOR_CONNECTIONS"
REMOTE_WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
REMOTE_BASH = "COMPOSIO_REMOTE_BASH_TOOL"
#: The order session create lists them in ``tool_router_tools``.
ORDER = (
    SEARCH,
    GET_SCHEMAS,
    MULTI_EXECUTE,
    MANAGE_CONNECTIONS,
    WAIT_FOR_CONNECTIONS,
    REMOTE_WORKBENCH,
    REMOTE_BASH,
)
#: Composio's tags that are MCP tool annotations (the others, like "important", are not).
ANNOTATION_TAGS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")


@dataclass(frozen=True)
class MetaTool:
    slug: str
    name: str
    display_name: str
    description: str
    tags: tuple[str, ...]
    input_schema: dict[str, Any]
    response_schema: dict[str, Any]

    def mcp_tool(self) -> types.Tool:
        hints = {tag: True for tag in self.tags if tag in ANNOTATION_TAGS}
        return types.Tool(
            name=self.slug,
            description=self.description,
            input_schema=self.input_schema,
            annotations=types.ToolAnnotations(title=self.display_name, **hints),
        )


@cache
def meta_tools() -> dict[str, MetaTool]:
    raw = json.loads(resources.files("sandbox").joinpath("data/meta-tools.json").read_text())
    return {
        t["slug"]: MetaTool(
            slug=t["slug"],
            name=t["name"],
            display_name=t["displayName"],
            description=t["description"],
            tags=tuple(t["tags"]),
            input_schema=t["inputParameters"],
            response_schema=t["responseSchema"],
        )
        for t in raw["tools"]
    }


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def exposed_tools(body: dict[str, Any]) -> list[str]:
    """The meta tools a session created with ``body`` lists, in Composio's order."""
    manage = _section(body, "manage_connections")
    manage_on = body.get("manage_connections") is not False and manage.get("enable", True) is not False
    enabled = {
        SEARCH: _section(body, "search").get("enable", True) is not False,
        GET_SCHEMAS: True,
        MULTI_EXECUTE: _section(body, "execute").get("enable_multi_execute", True) is not False,
        MANAGE_CONNECTIONS: manage_on,
        WAIT_FOR_CONNECTIONS: manage_on and manage.get("enable_wait_for_connections") is True,
        REMOTE_WORKBENCH: _section(body, "workbench").get("enable", True) is not False,
        REMOTE_BASH: _section(body, "workbench").get("enable", True) is not False,
    }
    return [slug for slug in ORDER if enabled[slug]]
