"""The Tool Router stand-in answers in Composio's documented shapes, and in each alternative
``/_sandbox/composio/shapes`` selects (docs/fidelity-toolrouter.md).

Everything runs against the real app served by uvicorn on a free port: MCP calls are plain
JSON-RPC POSTs to ``/tool_router/{id}/mcp``, and every answer is checked against the
``responseSchema`` Composio publishes for the tool (sandbox/data/meta-tools.json).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from producer.processes import free_port
from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.toolrouter.definitions import meta_tools

KEY = "sandbox-composio-key"
SIX = [
    "COMPOSIO_SEARCH_TOOLS",
    "COMPOSIO_GET_TOOL_SCHEMAS",
    "COMPOSIO_MULTI_EXECUTE_TOOL",
    "COMPOSIO_MANAGE_CONNECTIONS",
    "COMPOSIO_REMOTE_WORKBENCH",
    "COMPOSIO_REMOTE_BASH_TOOL",
]
LIST_USERS = "GONG_LIST_ALL_USERS_V2_USERS"
LIST_CALLS = "GONG_RETRIEVE_CALL_DATA_BY_DATE_RANGE_V2_CALLS"
#: A range with no calls: Gong answers 404 "No calls found corresponding to the provided filters".
EMPTY_RANGE = {"fromDateTime": "2001-01-01T00:00:00Z", "toDateTime": "2001-01-02T00:00:00Z"}
NO_CALLS = "No calls found corresponding to the provided filters"






@pytest.fixture(autouse=True)
def _reset(fresh_sandbox: str) -> None:
    """Every test starts from the sandbox's defaults."""


def _create(base: str, user_id: str = "u1", **extra: Any) -> dict[str, Any]:
    body = {"user_id": user_id, "toolkits": {"enable": ["gong"]}, "manage_connections": {"enable": True}}
    response = httpx.post(
        f"{base}/api/v3.1/tool_router/session", json={**body, **extra}, headers={"x-api-key": KEY}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _rpc(url: str, method: str, params: dict[str, Any], key: str = KEY) -> httpx.Response:
    return httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        headers={"x-api-key": key, "accept": "application/json, text/event-stream"},
        timeout=30,
    )


def _call(session: dict[str, Any], name: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """(MCP isError, parsed JSON text) of one tools/call."""
    response = _rpc(session["mcp"]["url"], "tools/call", {"name": name, "arguments": arguments})
    result = response.json()["result"]
    return bool(result.get("isError")), json.loads(result["content"][0]["text"])


def _openapi_to_jsonschema(schema: Any) -> Any:
    """Composio's schemas say ``"nullable": true`` (OpenAPI); JSON Schema wants a null type."""
    if isinstance(schema, list):
        return [_openapi_to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _openapi_to_jsonschema(v) for k, v in schema.items()}
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def assert_documented(slug: str, payload: dict[str, Any]) -> None:
    """``payload`` conforms to the responseSchema Composio publishes for ``slug``."""
    schema = _openapi_to_jsonschema(meta_tools()[slug].response_schema)
    jsonschema.Draft202012Validator(schema).validate(payload)


def _execute(session: dict[str, Any], *tools: dict[str, Any]) -> dict[str, Any]:
    _, payload = _call(
        session, "COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": list(tools), "sync_response_to_workbench": False}
    )
    assert_documented("COMPOSIO_MULTI_EXECUTE_TOOL", payload)
    return payload


def _shapes(base: str, **changes: Any) -> dict[str, Any]:
    response = httpx.post(f"{base}/_sandbox/composio/shapes", json=changes)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _gong_requests(base: str) -> int:
    return len(httpx.get(f"{base}/_sandbox/gong/requests").json()["requests"])


# --- listing -------------------------------------------------------------------------------------


def test_all_six_meta_tools_are_listed_with_composio_documented_input_schemas(base: str) -> None:
    session = _create(base)
    assert session["tool_router_tools"] == SIX
    tools = _rpc(session["mcp"]["url"], "tools/list", {}).json()["result"]["tools"]
    assert [t["name"] for t in tools] == SIX
    documented = meta_tools()
    for tool in tools:
        assert tool["inputSchema"] == documented[tool["name"]].input_schema
        assert tool["description"] == documented[tool["name"]].description
    multi = next(t for t in tools if t["name"] == "COMPOSIO_MULTI_EXECUTE_TOOL")
    assert multi["inputSchema"]["required"] == ["tools", "sync_response_to_workbench"]
    assert multi["inputSchema"]["properties"]["tools"]["maxItems"] == 50
    search = next(t for t in tools if t["name"] == "COMPOSIO_SEARCH_TOOLS")
    assert search["annotations"] == {"title": "Search Tools", "readOnlyHint": True, "openWorldHint": True}


def test_a_session_with_the_workbench_off_neither_lists_nor_runs_the_remote_tools(base: str) -> None:
    session = _create(base, workbench={"enable": False})
    assert session["tool_router_tools"] == SIX[:4]
    assert session["config"]["workbench"] == {"enable": False}
    names = [t["name"] for t in _rpc(session["mcp"]["url"], "tools/list", {}).json()["result"]["tools"]]
    assert names == SIX[:4]
    is_error, payload = _call(session, "COMPOSIO_REMOTE_BASH_TOOL", {"command": "ls"})
    assert is_error and payload["successful"] is False
    assert "not available in this Tool Router session" in payload["error"]


def test_wait_for_connections_is_listed_only_when_the_session_asks_for_it(base: str) -> None:
    asked = _create(base, manage_connections={"enable": True, "enable_wait_for_connections": True})
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" in asked["tool_router_tools"]
    _, payload = _call(asked, "COMPOSIO_WAIT_FOR_CONNECTIONS", {"toolkits": ["gong"]})
    assert payload["data"]["results"]["gong"]["status"] == "ACTIVE"
    assert_documented("COMPOSIO_WAIT_FOR_CONNECTIONS", payload)
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" not in _create(base)["tool_router_tools"]


@pytest.mark.parametrize(
    ("slug", "arguments"),
    [
        ("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print(1)"}),
        ("COMPOSIO_REMOTE_BASH_TOOL", {"command": "ls"}),
    ],
)
def test_remote_tools_answer_that_the_sandbox_has_no_workbench(
    base: str, slug: str, arguments: dict[str, Any]
) -> None:
    is_error, payload = _call(_create(base), slug, arguments)
    assert is_error and payload["successful"] is False
    assert payload["error"].startswith("The sandbox has no remote workbench")
    assert_documented(slug, payload)


# --- search and schemas --------------------------------------------------------------------------


def test_search_answers_composio_documented_shape(base: str) -> None:
    session = _create(base)
    _, payload = _call(
        session,
        "COMPOSIO_SEARCH_TOOLS",
        {
            "queries": [{"use_case": "list all users"}, {"use_case": "list calls"}],
            "session": {"generate_id": True},
        },
    )
    assert_documented("COMPOSIO_SEARCH_TOOLS", payload)
    data = payload["data"]
    assert [r["index"] for r in data["results"]] == [1, 2]
    first = data["results"][0]
    assert first["primary_tool_slugs"] == [LIST_USERS] and first["toolkits"] == ["gong"]
    assert set(data["tool_schemas"]) >= {LIST_USERS, *first["related_tool_slugs"]}
    assert data["tool_schemas"][LIST_USERS]["input_schema"]["type"] == "object"
    # Kept for the sandbox model, which reads each result's own schemas.
    assert first["tool_schemas"][LIST_USERS] == data["tool_schemas"][LIST_USERS]
    status = data["toolkit_connection_statuses"]
    assert [(s["toolkit"], s["has_active_connection"]) for s in status] == [("gong", True)]
    assert status[0]["connection_details"]["connected_account_id"].startswith("ca_")
    assert data["session"]["generate_id"] is True and data["session"]["id"]
    assert data["time_info"]["current_time_utc"].endswith("Z")


def test_search_reports_no_active_connection_for_a_disconnected_user(base: str) -> None:
    httpx.post(f"{base}/_sandbox/composio/connections/u2", json={"connected": False}).raise_for_status()
    _, payload = _call(
        _create(base, "u2"), "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "list all users"}]}
    )
    assert_documented("COMPOSIO_SEARCH_TOOLS", payload)
    status = payload["data"]["toolkit_connection_statuses"][0]
    assert status["has_active_connection"] is False and status["connection_details"] == {}
    assert "COMPOSIO_MANAGE_CONNECTIONS" in status["status_message"]


def test_get_tool_schemas_reports_unknown_slugs_with_suggestions(base: str) -> None:
    _, payload = _call(
        _create(base), "COMPOSIO_GET_TOOL_SCHEMAS", {"tool_slugs": [LIST_USERS, "GONG_LIST_ALL_USER"]}
    )
    assert_documented("COMPOSIO_GET_TOOL_SCHEMAS", payload)
    data = payload["data"]
    assert data["success"] is False and list(data["tool_schemas"]) == [LIST_USERS]
    assert data["not_found"] == ["GONG_LIST_ALL_USER"]
    assert LIST_USERS in data["suggestions"]["GONG_LIST_ALL_USER"]
    assert "GONG_LIST_ALL_USER" in data["not_found_message"]


# --- multi-execute -------------------------------------------------------------------------------


def test_multi_execute_success_puts_gongs_body_at_response_data_by_default(base: str) -> None:
    payload = _execute(_create(base), {"tool_slug": LIST_USERS, "arguments": {}})
    assert payload["successful"] is True and payload["error"] is None
    assert {k: payload["data"][k] for k in ("total_count", "success_count", "error_count")} == {
        "total_count": 1,
        "success_count": 1,
        "error_count": 0,
    }
    item = payload["data"]["results"][0]
    assert (item["tool_slug"], item["index"], item["error"]) == (LIST_USERS, 0, None)
    response = item["response"]
    assert response["successful"] is True and response["error"] is None
    assert response["log_id"].startswith("log_")
    assert response["data"]["users"] and "requestId" in response["data"]
    assert "remote_file_info" not in payload["data"] and payload["data"]["session"]["id"]


def test_multi_execute_success_nests_gongs_body_as_the_documented_example_when_selected(base: str) -> None:
    _shapes(base, success_data="nested")
    response = _execute(_create(base), {"tool_slug": LIST_USERS, "arguments": {}})["data"]["results"][0][
        "response"
    ]
    assert set(response["data"]) == {"response"}
    assert response["data"]["response"]["data"]["users"]


def test_multi_execute_without_an_active_connection_fails_the_item_and_never_calls_gong(base: str) -> None:
    httpx.post(f"{base}/_sandbox/composio/connections/u3", json={"connected": False}).raise_for_status()
    before = _gong_requests(base)
    payload = _execute(_create(base, "u3"), {"tool_slug": LIST_USERS, "arguments": {}})
    assert payload["data"]["results"][0] == {
        "tool_slug": LIST_USERS,
        "index": 0,
        "error": "No active connected account found for toolkit: gong",
        "response": None,
    }
    assert payload["successful"] is False and payload["error"] == "1 out of 1 tools failed"
    assert _gong_requests(base) == before


def test_one_failed_item_fails_the_batch_with_the_sdks_count_message_and_keeps_request_order(
    base: str,
) -> None:
    payload = _execute(
        _create(base),
        {"tool_slug": LIST_CALLS, "arguments": EMPTY_RANGE},
        {"tool_slug": LIST_USERS, "arguments": {}},
    )
    assert payload["successful"] is False and payload["error"] == "1 out of 2 tools failed"
    assert [(r["index"], r["tool_slug"]) for r in payload["data"]["results"]] == [
        (0, LIST_CALLS),
        (1, LIST_USERS),
    ]
    failed, succeeded = payload["data"]["results"]
    assert failed["response"]["successful"] is False and failed["response"]["data"] == {}
    assert failed["response"]["error"] == failed["error"] and succeeded["error"] is None
    assert (payload["data"]["success_count"], payload["data"]["error_count"]) == (1, 1)


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("text", r'^Gong API error 404: \{"requestId":"[^"]+","errors":\["' + NO_CALLS + r'"\]\}$'),
        (
            "requests",
            r"^404 Client Error: Not Found for url: http://127\.0\.0\.1:\d+/v2/calls\?fromDateTime=2001"
            r'[^ ]* \| \{"requestId":"[^"]+","errors":\["' + NO_CALLS + r'"\]\}$',
        ),
        ("opaque", "^" + NO_CALLS + "$"),
        ("fields", r'^Gong API error 404: \{"requestId":"[^"]+","errors":\["' + NO_CALLS + r'"\]\}$'),
    ],
)
def test_gong_failure_text_follows_the_selected_style(base: str, style: str, expected: str) -> None:
    assert _shapes(base, gong_failure=style)["gong_failure"] == style
    item = _execute(_create(base), {"tool_slug": LIST_CALLS, "arguments": EMPTY_RANGE})["data"]["results"][0]
    assert item["error"] == item["response"]["error"]
    assert re.match(expected, item["error"]), item["error"]
    if style == "fields":
        data = item["response"]["data"]
        assert data["status_code"] == 404 and data["retry_after"] is None and data["errors"] == [NO_CALLS]
    else:
        assert item["response"]["data"] == {}


def test_retry_after_reaches_the_text_only_when_selected_and_a_field_only_in_fields_style(base: str) -> None:
    faults = {"faults": [{"status": 429, "rate": 1.0, "retry_after": 4}]}
    httpx.post(f"{base}/_sandbox/gong/faults", json=faults).raise_for_status()
    session = _create(base)

    def error_of() -> tuple[str, dict[str, Any]]:
        item = _execute(session, {"tool_slug": LIST_USERS, "arguments": {}})["data"]["results"][0]
        return str(item["error"]), item["response"]["data"]

    text, data = error_of()
    assert text.startswith("Gong API error 429: ") and "Retry-After" not in text and data == {}
    _shapes(base, retry_after_in_text=True)
    assert error_of()[0].endswith(" (Retry-After: 4 s)")
    _shapes(base, gong_failure="opaque")
    assert " (Retry-After: 4 s)" in error_of()[0]
    _shapes(base, gong_failure="fields", retry_after_in_text=False)
    text, data = error_of()
    assert "Retry-After" not in text and (data["status_code"], data["retry_after"]) == (429, 4)


def test_unreachable_gong_is_reported_per_item_as_could_not_reach_gong() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with TestClient(create_app(SandboxConfig(gong_base_url=closed))) as client:
        created = client.post(
            "/api/v3.1/tool_router/session", json={"user_id": "u1"}, headers={"x-api-key": KEY}
        ).json()
        arguments = {
            "tools": [{"tool_slug": LIST_USERS, "arguments": {}}],
            "sync_response_to_workbench": False,
        }
        response = client.post(
            f"/tool_router/{created['session_id']}/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "COMPOSIO_MULTI_EXECUTE_TOOL", "arguments": arguments},
            },
            headers={"x-api-key": KEY, "accept": "application/json, text/event-stream"},
        )
    payload = json.loads(response.json()["result"]["content"][0]["text"])
    assert_documented("COMPOSIO_MULTI_EXECUTE_TOOL", payload)
    item = payload["data"]["results"][0]
    assert item["error"] == "Could not reach Gong: ConnectError"
    assert item["response"]["successful"] is False and item["response"]["data"] == {}


def test_invalid_arguments_and_unknown_slugs_fail_only_their_own_items(base: str) -> None:
    payload = _execute(
        _create(base),
        {"tool_slug": "GONG_NOT_A_TOOL", "arguments": {}},
        {"tool_slug": "GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA", "arguments": {"mediaFile": {"name": "a"}}},
        {"tool_slug": LIST_USERS, "arguments": {}},
    )
    unknown, invalid, fine = payload["data"]["results"]
    assert unknown["error"] == "Tool GONG_NOT_A_TOOL not found in the session's toolkits"
    assert unknown["response"] is None
    assert invalid["error"].startswith("Invalid arguments for GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA: ")
    assert invalid["response"]["successful"] is False and invalid["response"]["error"] == invalid["error"]
    assert fine["error"] is None and payload["error"] == "2 out of 3 tools failed"


@pytest.mark.parametrize("success_data", ["flat", "nested"])
def test_bodies_over_the_offload_threshold_become_previews_with_remote_file_info(
    base: str, success_data: str
) -> None:
    _shapes(base, offload_over_bytes=200, success_data=success_data)
    payload = _execute(_create(base), {"tool_slug": LIST_USERS, "arguments": {}})
    data = payload["data"]["results"][0]["response"]["data"]
    preview = data if success_data == "flat" else data["response"]["data"]
    assert preview["truncated"] is True and preview["preview"].startswith('{"requestId"')
    assert len(preview["preview"]) == 500
    info = payload["data"]["remote_file_info"]
    assert info["file_path"].startswith("/home/user/.composio/output/multi_execute_response_")
    assert info["file_path"].endswith(".json") and info["size_bytes"] > 500 and info["message"]
    assert payload["successful"] is True


def test_bodies_under_the_offload_threshold_stay_inline(base: str) -> None:
    _shapes(base, offload_over_bytes=10_000_000)
    payload = _execute(_create(base), {"tool_slug": LIST_USERS, "arguments": {}})
    assert "remote_file_info" not in payload["data"]
    assert payload["data"]["results"][0]["response"]["data"]["users"]


# --- connections through the meta tools ----------------------------------------------------------


def test_manage_connections_reports_an_active_gong_connection(base: str) -> None:
    _, payload = _call(_create(base), "COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["gong"]})
    assert_documented("COMPOSIO_MANAGE_CONNECTIONS", payload)
    gong = payload["data"]["results"]["gong"]
    assert (gong["status"], gong["has_active_connection"]) == ("active", True)
    assert gong["connected_account_id"].startswith("ca_") and gong.get("redirect_url") is None
    assert payload["data"]["summary"] == {
        "total_toolkits": 1,
        "active_connections": 1,
        "initiated_connections": 0,
        "failed_connections": 0,
    }


def test_manage_connections_gives_a_link_for_a_missing_connection_but_connects_nothing(base: str) -> None:
    httpx.post(f"{base}/_sandbox/composio/connections/u4", json={"connected": False}).raise_for_status()
    session = _create(base, "u4")
    _, payload = _call(session, "COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["gong"]})
    assert_documented("COMPOSIO_MANAGE_CONNECTIONS", payload)
    gong = payload["data"]["results"]["gong"]
    assert (gong["status"], gong["has_active_connection"]) == ("initiated", False)
    assert gong["redirect_url"] == f"{base}/_sandbox/composio/authorize/{gong['connected_account_id']}"
    assert gong["instruction"]
    assert httpx.get(f"{base}/_sandbox/composio/connections/u4").json() == {
        "user_id": "u4",
        "connected": False,
    }
    assert httpx.get(gong["redirect_url"]).status_code == 200
    assert httpx.get(f"{base}/_sandbox/composio/connections/u4").json()["connected"] is True
    assert _execute(session, {"tool_slug": LIST_USERS, "arguments": {}})["successful"] is True


# --- control routes ------------------------------------------------------------------------------


def test_shapes_route_reads_and_changes_settings_and_reset_restores_the_defaults(base: str) -> None:
    defaults = {
        "success_data": "flat",
        "gong_failure": "text",
        "retry_after_in_text": False,
        "offload_over_bytes": None,
        "mcp_origin": None,
    }
    assert httpx.get(f"{base}/_sandbox/composio/shapes").json() == defaults
    changed = _shapes(base, gong_failure="requests", offload_over_bytes=1000, mcp_origin="http://elsewhere:1")
    assert changed == {
        **defaults,
        "gong_failure": "requests",
        "offload_over_bytes": 1000,
        "mcp_origin": "http://elsewhere:1",
    }
    assert _shapes(base, offload_over_bytes=None)["offload_over_bytes"] is None
    assert httpx.post(f"{base}/_sandbox/composio/shapes", json={"gong_failure": "loud"}).status_code == 422
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    assert httpx.get(f"{base}/_sandbox/composio/shapes").json() == defaults


def test_mcp_origin_moves_the_sessions_mcp_url_to_that_origin(base: str) -> None:
    _shapes(base, mcp_origin="http://composio-elsewhere:9000")
    session = _create(base)
    assert session["mcp"]["url"] == f"http://composio-elsewhere:9000/tool_router/{session['session_id']}/mcp"


def test_env_overrides_select_the_default_shapes_and_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGQ_SANDBOX_SUCCESS_DATA", "nested")
    monkeypatch.setenv("GONGQ_SANDBOX_GONG_FAILURE", "opaque")
    monkeypatch.setenv("GONGQ_SANDBOX_GONG_CONNECTED", "0")
    config = SandboxConfig.from_env()
    assert (config.success_data, config.gong_failure, config.default_connected) == ("nested", "opaque", False)
    monkeypatch.setenv("GONGQ_SANDBOX_GONG_FAILURE", "loud")
    with pytest.raises(ValueError, match="text, requests, opaque, fields"):
        SandboxConfig.from_env()


def test_session_create_bodies_are_recorded_until_reset(base: str) -> None:
    first = _create(base, "u5", workbench={"enable": False})
    second = _create(base, "u6")
    sessions = httpx.get(f"{base}/_sandbox/composio/sessions").json()["sessions"]
    assert [(s["session_id"], s["user_id"]) for s in sessions] == [
        (first["session_id"], "u5"),
        (second["session_id"], "u6"),
    ]
    assert sessions[0]["body"]["workbench"] == {"enable": False}
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    assert httpx.get(f"{base}/_sandbox/composio/sessions").json() == {"sessions": []}
    # The session itself survives a reset: a worker's cached MCP URL keeps working.
    assert _rpc(first["mcp"]["url"], "tools/list", {}).status_code == 200
