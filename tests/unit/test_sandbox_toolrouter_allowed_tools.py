"""The Responses stand-in honours a hosted mcp tool's ``allowed_tools`` (OpenAI's documented
field: a list of tool names, or ``{"tool_names": [...], "read_only": bool}``) when it runs the
Tool Router's MCP server: the listing shows only allowed tools and a tool not allowed is never
called, as a model cannot call a tool it was not shown."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

KEY = "sandbox-composio-key"
SEARCH = "COMPOSIO_SEARCH_TOOLS"
EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"






@pytest.fixture(autouse=True)
def _reset(fresh_sandbox: str) -> None:
    """Every test starts from the sandbox's defaults."""


def _respond(
    base: str, allowed: Any = None, *, instructions: str = "", approval: str = "never"
) -> list[dict[str, Any]]:
    created = httpx.post(
        f"{base}/api/v3.1/tool_router/session", json={"user_id": "u1"}, headers={"x-api-key": KEY}
    )
    tool: dict[str, Any] = {
        "type": "mcp",
        "server_label": "tool_router",
        "server_url": created.json()["mcp"]["url"],
        "headers": {"x-api-key": KEY},
        "require_approval": approval,
    }
    if allowed is not None:
        tool["allowed_tools"] = allowed
    response = httpx.post(
        f"{base}/v1/responses",
        json={"model": "gpt-5", "instructions": instructions, "input": "list all users", "tools": [tool]},
        headers={"authorization": "Bearer sk-test"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["output"])


def _listed(output: list[dict[str, Any]]) -> list[str]:
    (listing,) = [i for i in output if i["type"] == "mcp_list_tools"]
    return [t["name"] for t in listing["tools"]]


def _called(output: list[dict[str, Any]]) -> list[str]:
    return [i["name"] for i in output if i["type"] == "mcp_call"]


def _answer(output: list[dict[str, Any]]) -> str:
    return str(output[-1]["content"][0]["text"])


def _gong_requests(base: str) -> int:
    return len(httpx.get(f"{base}/_sandbox/gong/requests").json()["requests"])


def test_without_allowed_tools_every_tool_is_listed_and_the_request_is_answered(base: str) -> None:
    output = _respond(base)
    assert len(_listed(output)) == 6
    assert _called(output) == [SEARCH, EXECUTE]
    assert "Found" in _answer(output)


def test_a_list_of_allowed_tools_limits_the_listing_and_what_the_model_calls(base: str) -> None:
    before = _gong_requests(base)
    output = _respond(base, [SEARCH])
    assert _listed(output) == [SEARCH]
    assert _called(output) == [SEARCH]
    assert f"{EXECUTE} is not among the tools available to me" in _answer(output)
    assert _gong_requests(base) == before


def test_read_only_allows_only_tools_annotated_read_only(base: str) -> None:
    output = _respond(base, {"read_only": True})
    assert _listed(output) == [SEARCH, "COMPOSIO_GET_TOOL_SCHEMAS"]
    listing = next(i for i in output if i["type"] == "mcp_list_tools")
    assert all(t["annotations"]["readOnlyHint"] is True for t in listing["tools"])
    assert _called(output) == [SEARCH]


def test_tool_names_object_form_allows_the_named_tools(base: str) -> None:
    output = _respond(base, {"tool_names": [SEARCH, EXECUTE]})
    assert _listed(output) == [SEARCH, EXECUTE]
    assert _called(output) == [SEARCH, EXECUTE]


def test_a_planned_step_on_a_tool_not_allowed_is_neither_proposed_for_approval_nor_run(base: str) -> None:
    step = {
        "tool": EXECUTE,
        "arguments": {"tools": [{"tool_slug": "GONG_LIST_ALL_USERS_V2_USERS", "arguments": {}}]},
    }
    plan = f"<gongq-plan>{json.dumps({'steps': [step]})}</gongq-plan>"
    output = _respond(base, [SEARCH], instructions=plan, approval="always")
    assert [i["type"] for i in output] == ["mcp_list_tools", "message"]
    assert f"{EXECUTE} is not among the tools available to me" in _answer(output)
