"""What the Tool Router's meta tools answer, in Composio's documented shapes.

Each answer is the JSON text of one MCP TextContent: ``{"successful", "error", "data"}`` with
``data`` as the tool's ``responseSchema`` in meta-tools.json says (schemas in
``sandbox.toolrouter.definitions``; the multi-execute tool in ``sandbox.toolrouter.multi_execute``).
Sandbox-only additions are named in docs/fidelity-toolrouter.md: each SEARCH result also carries
the ``tool_schemas`` of its own tools (the sandbox model reads them there).
"""

from __future__ import annotations

import asyncio
import difflib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sandbox.toolrouter import catalog
from sandbox.toolrouter.connections import (
    ACTIVE,
    AUTH_CONFIG_ID,
    AUTH_SCHEME,
    GONG,
    GONG_DESCRIPTION,
    authorize_url,
)
from sandbox.toolrouter.context import CallContext
from sandbox.toolrouter.definitions import (
    GET_SCHEMAS,
    MANAGE_CONNECTIONS,
    MULTI_EXECUTE,
    REMOTE_BASH,
    REMOTE_WORKBENCH,
    SEARCH,
    WAIT_FOR_CONNECTIONS,
)
from sandbox.toolrouter.multi_execute import multi_execute

#: How long COMPOSIO_WAIT_FOR_CONNECTIONS waits for a pending connection (the real one waits longer).
WAIT_SECONDS = 3.0
NO_WORKBENCH = (
    "The sandbox has no remote workbench: {slug} cannot run code here. Work with the inline "
    "tool results instead."
)


def _ok(data: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    return {"successful": error is None, "error": error, "data": data}


def _schema(tool: catalog.GongTool, output: bool = False) -> dict[str, Any]:
    schema = {
        "tool_slug": tool.slug,
        "toolkit": GONG,
        "description": tool.description,
        "input_schema": tool.input_schema(),
    }
    if output:
        schema["output_schema"] = {
            "type": "object",
            "description": "Gong's JSON response body",
            "additionalProperties": True,
        }
    return schema


def _echo(ctx: CallContext, arguments: dict[str, Any]) -> dict[str, Any]:
    workflow = ctx.workflow(arguments.get("session_id"))
    return {"id": workflow["id"], "instructions": workflow["instructions"]}


def _connection_status(ctx: CallContext) -> dict[str, Any]:
    account = ctx.connections.active_account(ctx.user_id)
    if account is None:
        return {
            "toolkit": GONG,
            "description": GONG_DESCRIPTION,
            "has_active_connection": False,
            "connection_details": {},
            "current_user_info": None,
            "status_message": (
                "No active connection for gong. Call COMPOSIO_MANAGE_CONNECTIONS with toolkits "
                "['gong'] and show the user the link it returns."
            ),
        }
    return {
        "toolkit": GONG,
        "description": GONG_DESCRIPTION,
        "has_active_connection": True,
        "connection_details": {
            "connected_account_id": account.id,
            "auth_config_id": AUTH_CONFIG_ID,
            "auth_scheme": AUTH_SCHEME,
            "status": account.status,
        },
        "current_user_info": None,
        "account_type": "PRIVATE",
        "status_message": "gong is connected; its tools can be executed.",
    }


async def search_tools(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    queries = arguments.get("queries") or [{"use_case": arguments.get("use_case", "")}]
    results: list[dict[str, Any]] = []
    schemas: dict[str, Any] = {}
    for index, query in enumerate(queries, start=1):
        use_case = str(query.get("use_case", "")) if isinstance(query, dict) else str(query)
        found = catalog.search(use_case)
        own = {t.slug: _schema(t) for t in found}
        schemas.update(own)
        results.append(
            {
                "index": index,
                "use_case": use_case,
                "primary_tool_slugs": [t.slug for t in found[:1]],
                "related_tool_slugs": [t.slug for t in found[1:]],
                "toolkits": [GONG] if found else [],
                "reasoning": (
                    f"{found[0].slug} matches the use case best; the related tools share its words."
                    if found
                    else "No Gong tool matches this use case."
                ),
                "task_difficulty": "easy" if found else "unknown",
                "error": None,
                "tool_schemas": own,
            }
        )
    given = arguments.get("session")
    session: dict[str, Any] = given if isinstance(given, dict) else {}
    workflow = ctx.workflow(session.get("id"), bool(session.get("generate_id")))
    statuses = [_connection_status(ctx)] if any(r["toolkits"] for r in results) else []
    guidance = [
        "Execute the primary tools with COMPOSIO_MULTI_EXECUTE_TOOL, arguments exactly per input_schema."
    ]
    if statuses and not statuses[0]["has_active_connection"]:
        guidance.insert(0, "Gong has no active connection: call COMPOSIO_MANAGE_CONNECTIONS first.")
    now = datetime.now(UTC)
    return _ok(
        {
            "results": results,
            "tool_schemas": schemas,
            "toolkit_connection_statuses": statuses,
            "time_info": {
                "current_time_utc": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "current_time_utc_epoch_seconds": int(time.time()),
                "message": "Times are UTC; convert to the user's timezone when it matters.",
            },
            "session": workflow,
            "next_steps_guidance": guidance,
        }
    )


async def get_tool_schemas(arguments: dict[str, Any], _: CallContext) -> dict[str, Any]:
    tools = catalog.gong_tools()
    slugs = [str(s) for s in arguments.get("tool_slugs") or []]
    output = "output_schema" in (arguments.get("include") or [])
    unknown = [s for s in slugs if s not in tools]
    data: dict[str, Any] = {
        "success": not unknown,
        "tool_schemas": {s: _schema(tools[s], output) for s in slugs if s in tools},
        "not_found": unknown,
        "suggestions": {s: difflib.get_close_matches(s, list(tools), n=3, cutoff=0.5) for s in unknown},
    }
    if unknown:
        data["not_found_message"] = (
            f"{len(unknown)} tool slug(s) not found: {', '.join(unknown)}. Check suggestions and call "
            "again with the correct slugs."
        )
    return _ok(data)


def _connection_result(toolkit: str, reinitiate: bool, ctx: CallContext) -> dict[str, Any]:
    if toolkit != GONG:
        return {
            "toolkit": toolkit,
            "status": "failed",
            "has_active_connection": False,
            "error_message": f"Toolkit '{toolkit}' is not enabled in this session",
        }
    active = ctx.connections.active_account(ctx.user_id)
    if active is not None and not reinitiate:
        return {
            "toolkit": GONG,
            "status": "active",
            "has_active_connection": True,
            "connected_account_id": active.id,
            "auth_config_id": AUTH_CONFIG_ID,
            "created_at": active.created_at,
            "current_user_info": None,
            "account_type": "PRIVATE",
        }
    link = ctx.connections.link(ctx.user_id)
    return {
        "toolkit": GONG,
        "status": "initiated",
        "has_active_connection": active is not None,
        "redirect_url": authorize_url(ctx.origin, link),
        "connected_account_id": link.id,
        "auth_config_id": AUTH_CONFIG_ID,
        "created_at": link.created_at,
        "instruction": "Show the user the redirect_url as a markdown link; they connect Gong there.",
        "was_reinitiated": active is not None,
    }


async def manage_connections(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    toolkits = [str(t).lower() for t in arguments.get("toolkits") or [GONG]]
    reinitiate = arguments.get("reinitiate_all") is True
    results = {t: _connection_result(t, reinitiate, ctx) for t in dict.fromkeys(toolkits)}
    counts = {s: sum(r["status"] == s for r in results.values()) for s in ("active", "initiated", "failed")}
    data = {
        "message": (
            f"{counts['active']} active, {counts['initiated']} initiated (open the redirect_url), "
            f"{counts['failed']} failed."
        ),
        "results": results,
        "summary": {
            "total_toolkits": len(results),
            "active_connections": counts["active"],
            "initiated_connections": counts["initiated"],
            "failed_connections": counts["failed"],
        },
        "session": _echo(ctx, arguments),
    }
    return _ok(data, "Some toolkits could not be connected" if counts["failed"] else None)


def _wait_status(toolkit: str, ctx: CallContext) -> dict[str, Any]:
    if toolkit != GONG:
        return {"toolkit": toolkit, "status": "NOT_FOUND", "has_active_connection": False}
    account = ctx.connections.latest_account(ctx.user_id)
    if account is None:
        return {"toolkit": GONG, "status": "NOT_FOUND", "has_active_connection": False}
    return {
        "toolkit": GONG,
        "status": account.status,
        "has_active_connection": account.status == ACTIVE,
        "connected_account_id": account.id,
        "auth_config_id": AUTH_CONFIG_ID,
        "created_at": account.created_at,
    }


async def wait_for_connections(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    toolkits = list(dict.fromkeys(str(t).lower() for t in arguments.get("toolkits") or [GONG]))
    settle = all if arguments.get("mode") == "all" else any
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        results = {t: _wait_status(t, ctx) for t in toolkits}
        done = settle(r["status"] in (ACTIVE, "FAILED", "NOT_FOUND") for r in results.values())
        if done or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.2)
    message = ", ".join(f"{t}: {r['status']}" for t, r in results.items())
    return _ok({"message": message, "results": results, "session": _echo(ctx, arguments)})


async def remote_workbench(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    error = NO_WORKBENCH.format(slug=REMOTE_WORKBENCH)
    data = {"results": "", "stdout": "", "stderr": error, "error": error, "session": _echo(ctx, arguments)}
    return _ok(data, error)


async def remote_bash(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    error = NO_WORKBENCH.format(slug=REMOTE_BASH)
    data = {
        "stdout": "",
        "stdoutLines": 0,
        "stderr": error,
        "stderrLines": 1,
        "session": _echo(ctx, arguments),
    }
    return _ok(data, error)


Handler = Callable[[dict[str, Any], CallContext], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {
    SEARCH: search_tools,
    GET_SCHEMAS: get_tool_schemas,
    MULTI_EXECUTE: multi_execute,
    MANAGE_CONNECTIONS: manage_connections,
    WAIT_FOR_CONNECTIONS: wait_for_connections,
    REMOTE_WORKBENCH: remote_workbench,
    REMOTE_BASH: remote_bash,
}
