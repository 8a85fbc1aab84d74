"""Executing a Composio Gong tool: flat arguments → Gong HTTP request → Gong's answer.

Rebuilds the request as Composio does (gong-api.md A.8): path parameters from ``{name}`` in the
path, query parameters where Gong takes them, ``a__b`` names nested into the JSON body, file
objects ``{name, content(base64)}`` uploaded as multipart/form-data. :func:`call` returns Gong's
answer as it came (:class:`GongReply`); how it is wrapped for the caller (success shape, failure
wording) is ``sandbox.toolrouter.multi_execute``'s and ``sandbox.toolrouter.failures``' job.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class GongReply:
    """One Gong HTTP answer: status, reason, the URL asked, raw body text and its JSON."""

    status: int
    reason: str
    url: str
    text: str
    body: Any
    retry_after: int | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def call(
    client: httpx.AsyncClient, tool: GongTool, arguments: dict[str, Any], files: FileStorage | None = None
) -> GongReply:
    """Run one Gong tool through ``client`` (base URL and Basic auth set).

    Raises ValueError for arguments that cannot make a request, httpx.HTTPError when Gong
    cannot be reached."""
    path, query, body, upload = build_request(tool, arguments, files)
    response = await client.request(
        tool.method,
        path,
        params=query,
        json=body if body is not None and not upload else None,
        files=upload or None,
    )
    try:
        data = response.json() if response.content else {}
    except ValueError:
        data = {"raw": response.text[:500]}
    retry_after = response.headers.get("retry-after", "").strip()
    return GongReply(
        status=response.status_code,
        reason=response.reason_phrase,
        url=str(response.request.url),
        text=response.text,
        body=data,
        retry_after=int(retry_after) if retry_after.isdigit() else None,
    )
