"""COMPOSIO_MULTI_EXECUTE_TOOL: run up to 50 Gong tools in parallel, one result item each.

The answer is Composio's documented shape (meta-tools.json responseSchema and example):
``{"successful", "error", "data": {"results": [{"tool_slug", "index", "error", "response"}],
"total_count", "success_count", "error_count", "session", "remote_file_info"?}}``, items in
request order. Any failed item makes the batch ``successful: false`` with ``error`` =
``"<failed> out of <total> tools failed"`` (the wording of the composio SDK's own merge in
``ToolRouterSession._route_multi_execute``). Per item:

- success: ``response = {"data": <Gong body>, "error": null, "successful": true, "log_id"}``
  (``flat``), or ``"data": {"response": {"data": <Gong body>}}`` (``nested``, the documented
  example); item ``error`` null;
- no active Gong connection for the session's user id: item ``error`` = ``No active connected
  account found for toolkit: gong``, ``response`` null, and Gong is not asked;
- unknown slug or malformed item: item ``error``, ``response`` null (nothing ran);
- invalid arguments, Gong unreachable, Gong non-2xx: item ``error`` = the text,
  ``response = {"data": {}, "error": <text>, "successful": false, "log_id"}``
  (``sandbox.toolrouter.failures`` words a Gong failure);
- offload (``offload_over_bytes``; INFERRED, see docs/fidelity-toolrouter.md): a Gong body
  longer than that becomes ``{"preview", "truncated": true}`` where the body would be, and
  ``data.remote_file_info`` names the "remote file" holding the whole answer.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.toolrouter import catalog, failures, gong_tools
from sandbox.toolrouter.connections import ACTIVE, GONG
from sandbox.toolrouter.context import CallContext

MAX_PARALLEL_TOOLS = 50
NO_CONNECTION = f"No active connected account found for toolkit: {GONG}"
PREVIEW_CHARS = 500
OUTPUT_DIR = "/home/user/.composio/output"


def _log_id() -> str:
    return f"log_{secrets.token_hex(6)}"


def _failed(error: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"data": data or {}, "error": error, "successful": False, "log_id": _log_id()}


def _place(body: Any, nested: bool) -> Any:
    return {"response": {"data": body}} if nested else body


@dataclass
class _Run:
    """One item's result, and Gong's body when it succeeded (for offloading)."""

    item: dict[str, Any]
    body: Any = None


def _item(slug: Any, index: int, error: str | None, response: dict[str, Any] | None) -> dict[str, Any]:
    return {"tool_slug": slug, "index": index, "error": error, "response": response}


async def _run_one(index: int, entry: Any, ctx: CallContext) -> _Run:
    slug = entry.get("tool_slug") if isinstance(entry, dict) else None
    if not isinstance(entry, dict) or not isinstance(slug, str) or not slug:
        return _Run(_item(slug, index, "Each tools[] item must be an object {tool_slug, arguments}", None))
    tool = catalog.gong_tools().get(slug)
    if tool is None:
        return _Run(_item(slug, index, f"Tool {slug} not found in the session's toolkits", None))
    account = ctx.connections.active_account(ctx.user_id)
    if account is None:
        return _Run(_item(slug, index, NO_CONNECTION, None))
    named = entry.get("account")
    if named is not None and named != account.id:
        other = ctx.connections.get(str(named))
        if other is None or other.user_id != ctx.user_id or other.status != ACTIVE:
            error = f"Connected account {named} is not an active {GONG} account of this user"
            return _Run(_item(slug, index, error, None))
    arguments = entry.get("arguments")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        error = f"Invalid arguments for {slug}: arguments must be an object"
        return _Run(_item(slug, index, error, _failed(error)))
    shapes = ctx.shapes
    try:
        async with ctx.gong() as client:
            reply = await gong_tools.call(client, tool, arguments, ctx.files)
    except ValueError as exc:
        error = f"Invalid arguments for {slug}: {exc}"
        return _Run(_item(slug, index, error, _failed(error)))
    except httpx.HTTPError as exc:
        error = f"Could not reach Gong: {type(exc).__name__}"
        return _Run(_item(slug, index, error, _failed(error)))
    if not reply.ok:
        error = failures.failure_text(reply, shapes.gong_failure, shapes.retry_after_in_text)
        return _Run(
            _item(slug, index, error, _failed(error, failures.failure_data(reply, shapes.gong_failure)))
        )
    response = {
        "data": _place(reply.body, shapes.success_data == "nested"),
        "error": None,
        "successful": True,
        "log_id": _log_id(),
    }
    return _Run(_item(slug, index, None, response), reply.body)


def _offload(runs: list[_Run], ctx: CallContext) -> dict[str, Any] | None:
    """Replace bodies over the threshold by previews; the remote file's info, or None."""
    limit = ctx.shapes.offload_over_bytes
    if limit is None:
        return None
    whole = json.dumps([run.item for run in runs], default=str)
    offloaded = 0
    for run in runs:
        if run.item["error"] is not None:
            continue
        text = json.dumps(run.body, default=str)
        if len(text.encode()) <= limit:
            continue
        preview = {"preview": text[:PREVIEW_CHARS], "truncated": True}
        run.item["response"]["data"] = _place(preview, ctx.shapes.success_data == "nested")
        offloaded += 1
    if not offloaded:
        return None
    return {
        "file_path": f"{OUTPUT_DIR}/multi_execute_response_{secrets.token_hex(6)}.json",
        "size_bytes": len(whole.encode()),
        "message": (
            f"The response was too large to return inline: {offloaded} of {len(runs)} results are "
            "previews. The complete response was saved to file_path in the remote workbench."
        ),
    }


def _answer(results: list[dict[str, Any]], error: str | None = None, **extra: Any) -> dict[str, Any]:
    failed = sum(r["error"] is not None for r in results)
    data: dict[str, Any] = {
        "results": results,
        "total_count": len(results),
        "success_count": len(results) - failed,
        "error_count": failed,
        **extra,
    }
    if error is None and failed:
        error = f"{failed} out of {len(results)} tools failed"
    return {"successful": error is None, "error": error, "data": data}


async def multi_execute(arguments: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    workflow = ctx.workflow(arguments.get("session_id"))
    session = {"id": workflow["id"], "instructions": workflow["instructions"]}
    requested = arguments.get("tools")
    if not isinstance(requested, list) or not requested or len(requested) > MAX_PARALLEL_TOOLS:
        error = f"tools must be a list of 1 to {MAX_PARALLEL_TOOLS} {{tool_slug, arguments}} items"
        return _answer([], error, session=session)
    runs = list(await asyncio.gather(*(_run_one(i, entry, ctx) for i, entry in enumerate(requested))))
    extra: dict[str, Any] = {"session": session}
    remote = _offload(runs, ctx)
    if remote is not None:
        extra["remote_file_info"] = remote
    return _answer([run.item for run in runs], **extra)
