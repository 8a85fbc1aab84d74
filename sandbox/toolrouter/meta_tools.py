"""The Tool Router meta-tools the MCP server offers, with their input schemas and behaviour.

Output shapes (JSON text in one MCP TextContent):
- COMPOSIO_SEARCH_TOOLS → ``{"successful", "error", "data": {"results": [{"use_case", "primary_tool_slugs",
  "related_tool_slugs", "toolkits", "tool_schemas": {slug: {description, input_schema}}}],
  "toolkit_connection_statuses": [{"toolkit": "gong", "has_active_connection": true}]}}``
- COMPOSIO_GET_TOOL_SCHEMAS → ``{"successful", "error", "data": {"tool_schemas": {slug: {...}}}}``
- COMPOSIO_MULTI_EXECUTE_TOOL → ``{"successful", "error", "data": {"results": [{"tool_slug", "index",
  "response": {"data", "error", "successful"}}], "total_count", "success_count", "error_count"}}``
- COMPOSIO_MANAGE_CONNECTIONS → ``{"successful", "error", "data": {"results": {"gong": {"status"}}}}``
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.toolrouter import catalog, gong_tools
from sandbox.toolrouter.files import FileStorage

MAX_PARALLEL_TOOLS = 50


@dataclass(frozen=True)
class Connection:
    """The user's connected Gong account (an HTTP client factory) and Composio's file storage."""

    gong: Callable[[], httpx.AsyncClient]
    files: FileStorage

SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "COMPOSIO_SEARCH_TOOLS": (
        "Find the tools for a task, one query per use case; returns tool slugs, schemas, connection status.",
        {
            "type": "object",
            "properties": {
                "queries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"use_case": {"type": "string"}, "known_fields": {"type": "string"}},
                        "required": ["use_case"],
                    },
                },
                "session": {"type": "object"},
            },
            "required": ["queries"],
        },
    ),
    "COMPOSIO_GET_TOOL_SCHEMAS": (
        "Return the input schemas of the given tool slugs.",
        {
            "type": "object",
            "properties": {"tool_slugs": {"type": "array", "items": {"type": "string"}}},
            "required": ["tool_slugs"],
        },
    ),
    "COMPOSIO_MULTI_EXECUTE_TOOL": (
        "Execute up to 50 tools in parallel: tools=[{tool_slug, arguments}]. Returns one result per tool.",
        {
            "type": "object",
            "properties": {
                "tools": {
                    "type": "array",
                    "maxItems": MAX_PARALLEL_TOOLS,
                    "items": {
                        "type": "object",
                        "properties": {"tool_slug": {"type": "string"}, "arguments": {"type": "object"}},
                        "required": ["tool_slug", "arguments"],
                    },
                },
                "sync_response_to_workbench": {"type": "boolean"},
                "thought": {"type": "string"},
                "memory": {"type": "object"},
                "current_step": {"type": "string"},
            },
            "required": ["tools"],
        },
    ),
    "COMPOSIO_MANAGE_CONNECTIONS": (
        "Check or create the user's connections to toolkits; returns an auth link when one is missing.",
        {
            "type": "object",
            "properties": {"toolkits": {"type": "array", "items": {"type": "string"}}},
            "required": ["toolkits"],
        },
    ),
}


def _ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"successful": True, "error": None, "data": data}


def _schema(tool: catalog.GongTool) -> dict[str, Any]:
    return {
        "tool_slug": tool.slug,
        "toolkit": "gong",
        "description": tool.description,
        "input_schema": tool.input_schema(),
    }


async def search_tools(arguments: dict[str, Any], _: Connection) -> dict[str, Any]:
    queries = arguments.get("queries") or [{"use_case": arguments.get("use_case", "")}]
    results = []
    for query in queries:
        use_case = str(query.get("use_case", "")) if isinstance(query, dict) else str(query)
        found = catalog.search(use_case)
        results.append(
            {
                "use_case": use_case,
                "primary_tool_slugs": [t.slug for t in found[:1]],
                "related_tool_slugs": [t.slug for t in found[1:]],
                "toolkits": ["gong"] if found else [],
                "tool_schemas": {t.slug: _schema(t) for t in found},
            }
        )
    return _ok(
        {
            "results": results,
            "toolkit_connection_statuses": [{"toolkit": "gong", "has_active_connection": True}],
        }
    )


async def get_tool_schemas(arguments: dict[str, Any], _: Connection) -> dict[str, Any]:
    tools = catalog.gong_tools()
    slugs = [str(s) for s in arguments.get("tool_slugs", [])]
    unknown = [s for s in slugs if s not in tools]
    data: dict[str, Any] = {"tool_schemas": {s: _schema(tools[s]) for s in slugs if s in tools}}
    if unknown:
        data["not_found"] = unknown
    return _ok(data)


async def multi_execute(arguments: dict[str, Any], connection: Connection) -> dict[str, Any]:
    requested = arguments.get("tools")
    if not isinstance(requested, list) or not requested or len(requested) > MAX_PARALLEL_TOOLS:
        return {
            "successful": False,
            "data": None,
            "error": f"tools must be a list of 1 to {MAX_PARALLEL_TOOLS} {{tool_slug, arguments}}",
        }
    tools = catalog.gong_tools()

    async def run_one(item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or item.get("tool_slug") not in tools:
            slug = item.get("tool_slug") if isinstance(item, dict) else None
            return gong_tools.envelope(None, f"Tool {slug!r} not found in the session's toolkits")
        args = item.get("arguments") or {}
        if not isinstance(args, dict):
            return gong_tools.envelope(None, "arguments must be an object")
        async with connection.gong() as client:
            return await gong_tools.execute(client, tools[item["tool_slug"]], args, connection.files)

    responses = await asyncio.gather(*(run_one(item) for item in requested))
    results = [
        {
            "tool_slug": item.get("tool_slug") if isinstance(item, dict) else None,
            "index": i,
            "response": response,
        }
        for i, (item, response) in enumerate(zip(requested, responses, strict=True))
    ]
    succeeded = sum(r["successful"] for r in responses)
    return _ok(
        {
            "results": results,
            "total_count": len(results),
            "success_count": succeeded,
            "error_count": len(results) - succeeded,
        }
    )


async def manage_connections(arguments: dict[str, Any], _: Connection) -> dict[str, Any]:
    toolkits = [str(t).lower() for t in arguments.get("toolkits", ["gong"])]
    return _ok({"results": {t: {"status": "active" if t == "gong" else "not_in_session"} for t in toolkits}})


HANDLERS: dict[str, Callable[[dict[str, Any], Connection], Awaitable[dict[str, Any]]]] = {
    "COMPOSIO_SEARCH_TOOLS": search_tools,
    "COMPOSIO_GET_TOOL_SCHEMAS": get_tool_schemas,
    "COMPOSIO_MULTI_EXECUTE_TOOL": multi_execute,
    "COMPOSIO_MANAGE_CONNECTIONS": manage_connections,
}
