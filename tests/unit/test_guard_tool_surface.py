"""The pin guard on the Tool Router's full tool surface (the six meta tools of meta-tools.json).

A model reading the real tool descriptions may call COMPOSIO_MANAGE_CONNECTIONS (when it thinks
Gong is not connected) or the remote workbench; the first is never run and parks the task for a
person, the others are refused as violations. ``tools[].account`` is pinned too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from agents import HostedMCPTool

from worker.agent import tool_access
from worker.guard import PinGuard
from worker.meta_tools import (
    GET_TOOL_SCHEMAS,
    MANAGE_CONNECTIONS,
    MULTI_EXECUTE,
    REMOTE_BASH,
    REMOTE_WORKBENCH,
    SEARCH_TOOLS,
)
from worker.operations import CATALOG
from worker.settings import Settings
from worker.toolrouter import ToolRouterSession

ERASE = CATALOG["erase_email"]
PINNED = {"emailAddress": "jane@customer.example"}


def admit(guard: PinGuard, tool: str, arguments: dict[str, Any]) -> str | None:
    return asyncio.run(guard.admit(tool, json.dumps(arguments)))


def planned_call(**extra: Any) -> dict[str, Any]:
    return {
        "tools": [{"tool_slug": ERASE.slug, "arguments": PINNED, **extra}],
        "sync_response_to_workbench": False,
    }


def test_manage_connections_is_not_run_and_not_a_violation_but_asks_for_a_person() -> None:
    guard = PinGuard(ERASE, PINNED)
    answer = admit(guard, MANAGE_CONNECTIONS, {"toolkits": ["gong"]})
    assert answer is not None and "gongq connect" in answer
    assert guard.connection_needed
    assert guard.refusals == []
    assert guard.approved == 0


def test_search_and_schemas_are_approved_for_a_typed_task() -> None:
    guard = PinGuard(ERASE, PINNED)
    assert admit(guard, SEARCH_TOOLS, {"queries": [{"use_case": "erase"}]}) is None
    assert admit(guard, GET_TOOL_SCHEMAS, {"tool_slugs": [ERASE.slug]}) is None
    assert guard.refusals == []


def test_the_remote_workbench_and_bash_are_refused_as_violations() -> None:
    guard = PinGuard(ERASE, PINNED)
    assert admit(guard, REMOTE_WORKBENCH, {"code_to_execute": "print(1)"}) is not None
    assert admit(guard, REMOTE_BASH, {"command": "ls"}) is not None
    assert len(guard.refusals) == 2
    assert not guard.connection_needed


def test_the_planned_call_without_an_account_is_approved() -> None:
    guard = PinGuard(ERASE, PINNED)
    assert admit(guard, MULTI_EXECUTE, planned_call()) is None
    assert guard.approved == 1


def test_a_call_naming_an_account_is_refused_unless_it_is_the_configured_one() -> None:
    assert admit(PinGuard(ERASE, PINNED), MULTI_EXECUTE, planned_call(account="ca_other")) is not None
    configured = PinGuard(ERASE, PINNED, account="ca_ours")
    assert admit(configured, MULTI_EXECUTE, planned_call(account="ca_ours")) is None
    assert admit(configured, MULTI_EXECUTE, planned_call(account="ca_other")) is not None


def test_a_call_item_with_unexpected_keys_is_refused() -> None:
    guard = PinGuard(ERASE, PINNED)
    assert admit(guard, MULTI_EXECUTE, planned_call(connected_account_id="ca_x")) is not None
    assert guard.refusals and "unexpected keys" in guard.refusals[0]


SESSION = ToolRouterSession("trs_unit", "http://127.0.0.1:9/tool_router/trs_unit/mcp", {"x-api-key": "k"})


@pytest.mark.parametrize(
    ("operation", "offered"),
    [("erase_email", [MULTI_EXECUTE]), ("ask", [SEARCH_TOOLS, GET_TOOL_SCHEMAS, MULTI_EXECUTE])],
)
def test_each_agent_is_offered_only_the_tool_router_tools_it_needs(
    operation: str, offered: list[str]
) -> None:
    guard = PinGuard(CATALOG[operation], PINNED if operation != "ask" else None)
    hosted = tool_access(SESSION, guard, Settings(sandbox=True, _env_file=None))
    assert isinstance(hosted.tools[0], HostedMCPTool)
    assert hosted.tools[0].tool_config["allowed_tools"] == offered
    client = tool_access(SESSION, guard, Settings(sandbox=True, executor="client", _env_file=None))
    assert client.mcp_servers[0].tool_filter == {"allowed_tool_names": offered}


ASK = CATALOG["ask"]


def test_a_confirmed_write_in_a_chat_is_handed_off_never_run_and_the_model_is_told() -> None:
    offered: list[tuple[str, dict[str, Any]]] = []

    def hand_off(operation: Any, arguments: dict[str, Any]) -> str | None:
        offered.append((operation.name, arguments))
        return "enqueued as task t1"

    guard = PinGuard(ASK, None, hand_off=hand_off)
    assert admit(guard, MULTI_EXECUTE, planned_call()) == "enqueued as task t1"
    assert offered == [("erase_email", PINNED)]
    assert guard.handed_off == ["enqueued as task t1"] and guard.refusals == [] and guard.approved == 0


def test_a_declined_write_in_a_chat_is_refused_and_reads_are_never_offered() -> None:
    offered: list[str] = []

    def decline(operation: Any, arguments: dict[str, Any]) -> str | None:
        offered.append(operation.name)
        return None

    guard = PinGuard(ASK, None, hand_off=decline)
    assert admit(guard, MULTI_EXECUTE, planned_call()) is not None
    assert guard.refusals and "may only read" in guard.refusals[0]
    read = {"tools": [{"tool_slug": CATALOG["list_users"].slug, "arguments": {}}]}
    assert admit(guard, MULTI_EXECUTE, read) is None
    two = {"tools": [planned_call()["tools"][0], read["tools"][0]]}
    assert admit(guard, MULTI_EXECUTE, two) is not None  # a batch with a write is not offered
    assert offered == ["erase_email"]
