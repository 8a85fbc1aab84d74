"""What an OpenAI caller may reach: its API key, ``GET /v1/models``, and an mcp tool's
``allowed_tools``.

- A key revoked with ``POST /_sandbox/keys {"openai_revoked": [...]}`` gets OpenAI's 401
  ``invalid_api_key`` error on every ``/v1`` route.
- ``GET /v1/models`` lists the sandbox model (OpenAI's list-models shape), so a client can check
  its key without spending a response.
- ``allowed_tools`` on a hosted mcp tool (OpenAI's documented field: a list of tool names, or
  ``{"tool_names": [...], "read_only": bool}``) limits what ``mcp_list_tools`` shows and what the
  model may call; ``read_only: true`` keeps only tools annotated ``readOnlyHint``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.keys import RevokedKeys

MODELS = ["gpt-5"]


def bearer_key(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ").strip()


def revoked_key_error(request: Request, keys: RevokedKeys) -> JSONResponse | None:
    """OpenAI's 401 for a revoked key, or None when the key is not revoked."""
    if not keys.openai_revoked(bearer_key(request)):
        return None
    return JSONResponse(
        {
            "error": {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
                "param": None,
            }
        },
        401,
    )


def models_router(keys: RevokedKeys) -> APIRouter:
    router = APIRouter(tags=["openai"])

    @router.get("/v1/models", response_model=None)
    async def list_models(request: Request) -> JSONResponse | dict[str, Any]:
        if not bearer_key(request):
            return JSONResponse(
                {
                    "error": {
                        "message": "You didn't provide an API key.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
                401,
            )
        refused = revoked_key_error(request, keys)
        if refused is not None:
            return refused
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "openai"} for m in MODELS],
        }

    return router


def tool_allowed(tool: dict[str, Any], name: str, annotations: dict[str, Any] | None) -> bool:
    """Whether the mcp tool config ``tool`` lets the model see and call the MCP tool ``name``."""
    allowed = tool.get("allowed_tools")
    if allowed is None:
        return True
    if isinstance(allowed, list):
        return name in allowed
    if isinstance(allowed, dict):
        names = allowed.get("tool_names")
        if names is not None and name not in names:
            return False
        return not (allowed.get("read_only") is True and not (annotations or {}).get("readOnlyHint"))
    return True


def allowed_listing(tool: dict[str, Any], listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``mcp_list_tools`` entries ``tool`` allows."""
    return [t for t in listed if tool_allowed(tool, str(t.get("name")), t.get("annotations"))]


def listed_tools(items: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Server label → tool name → its ``mcp_list_tools`` entry, from a conversation's listings."""
    listed: dict[str, dict[str, dict[str, Any]]] = {}
    for item in items:
        if item.get("type") == "mcp_list_tools":
            tools = [t for t in item.get("tools") or [] if isinstance(t, dict)]
            listed[str(item.get("server_label"))] = {str(t.get("name")): t for t in tools}
    return listed


def can_call(tool: dict[str, Any], name: str, listed: dict[str, dict[str, Any]]) -> bool:
    """The model calls only a tool it was shown and ``tool`` (this request's config) allows."""
    entry = listed.get(name)
    return entry is not None and tool_allowed(tool, name, entry.get("annotations"))
