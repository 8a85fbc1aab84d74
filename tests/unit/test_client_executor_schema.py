"""What the client executor offers the model for a typed task: multi-execute as Composio lists it
(docs/public/data/meta-tools.json, copied in sandbox/data), minus its prose and the fields no
plan sets; and the one-line summary read off a judged result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mcp.types as types

from worker.agent import PLANNED_FIELDS, single_tool_plan
from worker.client_executor import PLANNED_CALL_DESCRIPTION, compact_for_plan, strip_prose
from worker.operations import get_operation
from worker.verdict import summary_of

META_TOOLS = Path(__file__).resolve().parents[2] / "sandbox" / "data" / "meta-tools.json"


def multi_execute() -> types.Tool:
    listed = json.loads(META_TOOLS.read_text())["tools"]
    tool = next(t for t in listed if t["slug"] == "COMPOSIO_MULTI_EXECUTE_TOOL")
    return types.Tool(name=tool["slug"], description=tool["description"], inputSchema=tool["inputParameters"])


def keys_anywhere(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = set(schema)
        for key, value in schema.items():
            found |= (
                keys_anywhere(value)
                if key != "properties"
                else set().union(*(keys_anywhere(v) for v in value.values()))
            )
        return found
    if isinstance(schema, list):
        return set().union(*(keys_anywhere(v) for v in schema)) if schema else set()
    return set()


def test_the_compact_tool_keeps_only_the_fields_a_plan_sets_and_the_servers_required_ones() -> None:
    compact = compact_for_plan(multi_execute(), PLANNED_FIELDS)
    assert set(compact.input_schema["properties"]) == {"tools", "sync_response_to_workbench", "thought"}
    assert compact.input_schema["required"] == ["tools", "sync_response_to_workbench"]
    assert compact.description == PLANNED_CALL_DESCRIPTION
    # The plan's own arguments are exactly those fields: nothing it sends is missing.
    assert set(single_tool_plan("GONG_LIST_ALL_USERS_V2_USERS", {}).steps[0].arguments) == PLANNED_FIELDS


def test_the_compact_tool_has_no_prose_and_is_a_fraction_of_the_listed_size() -> None:
    original, compact = multi_execute(), compact_for_plan(multi_execute(), PLANNED_FIELDS)
    assert not keys_anywhere(compact.input_schema) & {"description", "examples", "title"}
    item = compact.input_schema["properties"]["tools"]["items"]
    assert (
        item["required"] == ["tool_slug", "arguments"] and item["properties"]["arguments"]["type"] == "object"
    )
    before = len(json.dumps(original.input_schema)) + len(original.description or "")
    after = len(json.dumps(compact.input_schema)) + len(compact.description or "")
    assert after * 4 < before, (before, after)


def test_stripping_prose_keeps_a_property_named_like_a_keyword() -> None:
    schema = {
        "type": "object",
        "title": "Meeting",
        "properties": {"title": {"type": "string", "description": "x"}},
    }
    assert strip_prose(schema) == {"type": "object", "properties": {"title": {"type": "string"}}}


def test_the_summary_counts_lists_and_names_gongs_ids() -> None:
    operation = get_operation("list_users")
    result = operation.result_model.model_validate(
        {"requestId": "req-1", "users": [{"id": "1", "emailAddress": "a@b.example"}, {"id": "2"}]}
    )
    assert summary_of(operation, result) == "Gong ran GONG_LIST_ALL_USERS_V2_USERS: request_id req-1, 2 users"
