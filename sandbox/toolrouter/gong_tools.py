"""Executing a Composio Gong tool: flat arguments → Gong HTTP request → Composio envelope.

Rebuilds the request as Composio does (gong-api.md A.8): path parameters from ``{name}`` in the
path, query parameters where Gong takes them, ``a__b`` names nested into the JSON body, file
objects ``{name, content(base64)}`` uploaded as multipart/form-data. The envelope is always
``{"data", "error", "successful"}``; on a Gong error ``data`` carries Gong's error body plus the
HTTP ``status_code`` and ``retry_after`` so callers can tell transient from final failures.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import httpx

from sandbox.toolrouter.catalog import GongTool
from sandbox.toolrouter.files import FileStorage

FILE_ARGUMENTS = {"mediaFile", "dataFile"}
#: Arguments Gong takes in the query string even on POST/PUT/DELETE (gong-api.md A.7 quirk 3).
QUERY_ON_WRITE = {
    "emailAddress",
    "phoneNumber",
    "workspaceId",
    "profileId",
    "integrationId",
    "objectType",
    "clientRequestId",
}
#: Composio spells Gong's hyphenated query names with a double underscore.
HYPHENATED = {"workspace__id": "workspace-id", "manager__id": "manager-id"}


def envelope(data: Any, error: str | None = None) -> dict[str, Any]:
    return {"data": data, "error": error, "successful": error is None}


def _nest(arguments: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in arguments.items():
        *parents, leaf = name.split("__")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return body


#: Gong wants a ``filter`` object in these bodies even when every filter field is optional.
FILTER_REQUIRED = {
    "/v2/calls/extensive",
    "/v2/calls/transcript",
    "/v2/users/extensive",
    "/v2/stats/activity/scorecards",
}


def build_request(
    tool: GongTool, arguments: dict[str, Any], files: FileStorage | None = None
) -> tuple[str, dict[str, str], Any, dict[str, Any]]:
    """(path, query, json body or None, multipart files) for one tool call."""
    remaining = dict(arguments)
    path = tool.path
    for name in re.findall(r"{(\w+)}", tool.path):
        if name not in remaining:
            raise ValueError(f"missing required path argument {name!r}")
        path = path.replace(f"{{{name}}}", str(remaining.pop(name)))
    query: dict[str, str] = {}
    upload: dict[str, Any] = {}
    for name in list(remaining):
        if name in HYPHENATED:
            query[HYPHENATED[name]] = str(remaining.pop(name))
        elif (
            name == "cursor"
            or (tool.method == "GET" and not name.startswith("filter__") and name != "objectsCrmIds")
        ) or (name in QUERY_ON_WRITE and tool.method != "GET" and not tool.path.startswith("/v2/meetings")):
            query[name] = _query_value(remaining.pop(name))
        elif name in FILE_ARGUMENTS:
            upload[name] = _file(name, remaining.pop(name), files)
    if tool.slug == "GONG_GET_CRM_OBJECTS_V2_CRM_ENTITIES":
        return path, query, remaining.pop("objectsCrmIds", []), upload
    body = _nest(remaining) if remaining and not upload else None
    if tool.path in FILTER_REQUIRED:
        body = body or {}
        body.setdefault("filter", {})
    return path, query, body, upload


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _file(name: str, value: Any, files: FileStorage | None) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of a file argument: a storage key or inline base64."""
    if isinstance(value, dict) and isinstance(value.get("s3key"), str):
        stored = files.get(value["s3key"]) if files is not None else None
        if stored is None:
            raise ValueError(f"{name}.s3key does not name an uploaded file")
        return str(value.get("name") or stored.name), stored.content, stored.mimetype
    if not isinstance(value, dict) or not isinstance(value.get("content"), str):
        raise ValueError(f"{name} must be an object {{name, mimetype, s3key}} or {{name, content (base64)}}")
    try:
        content = base64.b64decode(value["content"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name}.content is not valid base64") from None
    return str(value.get("name") or name), content, "application/octet-stream"


async def execute(
    client: httpx.AsyncClient, tool: GongTool, arguments: dict[str, Any], files: FileStorage | None = None
) -> dict[str, Any]:
    """Run one Gong tool through ``client`` (base URL and Basic auth set) and wrap the answer."""
    try:
        path, query, body, upload = build_request(tool, arguments, files)
    except ValueError as exc:
        return envelope(None, f"Invalid arguments for {tool.slug}: {exc}")
    try:
        response = await client.request(
            tool.method,
            path,
            params=query,
            json=body if body is not None and not upload else None,
            files=upload or None,
        )
    except httpx.HTTPError as exc:
        return envelope(None, f"Could not reach Gong: {type(exc).__name__}")
    try:
        data = response.json() if response.content else {}
    except ValueError:
        data = {"raw": response.text[:500]}
    if response.is_success:
        return envelope(data)
    retry_after = response.headers.get("retry-after")
    failure = dict(data) if isinstance(data, dict) else {"body": data}
    failure["status_code"] = response.status_code
    failure["retry_after"] = int(retry_after) if retry_after and retry_after.isdigit() else None
    messages = "; ".join(map(str, failure.get("errors", []))) or response.reason_phrase
    error = f"Gong API error {response.status_code}: {messages}"
    if failure["retry_after"] is not None:
        error += f" (Retry-After: {failure['retry_after']} s)"
    return envelope(failure, error)
