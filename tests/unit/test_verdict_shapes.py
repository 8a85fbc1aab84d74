"""Verdicts hold for every multi-execute shape Composio documents or may send (docs/fidelity.md).

Each case is a COMPOSIO_MULTI_EXECUTE_TOOL output as the Tool Router returns it: items
``{tool_slug, index, error, response}``, the batch's ``successful``/``error`` and counts, the
tool's data flat or nested, Gong's failure as text in each wording, and offloaded answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from worker.errors import (
    NotConnected,
    Permanent,
    Retryable,
    Unclassified,
    Unverified,
)
from worker.evidence import MULTI_EXECUTE, Evidence, McpCallRecord
from worker.operations import CATALOG
from worker.verdict import judge_free_form, judge_typed

ERASE = CATALOG["erase_email"]
ERASE_ARGS = {"emailAddress": "jane@customer.example"}
LIST_CALLS = CATALOG["list_calls"]
LIST_ARGS = {"fromDateTime": "2026-10-01T00:00:00Z", "toDateTime": "2026-10-02T00:00:00Z"}
GET_CALL = CATALOG["get_call"]
GET_ARGS = {"id": "123"}
NO_CONNECTION = "No active connected account found for toolkit: gong"
EMPTY_BODY = (
    '{"requestId":"4al018gzaztcr8nbukw","errors":["No calls found corresponding to the provided filters"]}'
)


def multi_execute(
    slug: str, arguments: dict[str, Any], item: dict[str, Any], *, extra: dict[str, Any] | None = None
) -> Evidence:
    """Evidence of one multi-execute call with one result item, batch fields as Composio merges them."""
    failed = bool(item.get("error")) or not (item.get("response") or {}).get("successful")
    output = {
        "data": {
            "results": [{"tool_slug": slug, "index": 0, **item}],
            "total_count": 1,
            "success_count": 0 if failed else 1,
            "error_count": 1 if failed else 0,
            **(extra or {}),
        },
        "error": "1 out of 1 tools failed" if failed else None,
        "successful": not failed,
    }
    evidence = Evidence()
    evidence.add_call(
        McpCallRecord(
            name=MULTI_EXECUTE,
            arguments={
                "tools": [{"tool_slug": slug, "arguments": arguments}],
                "sync_response_to_workbench": False,
            },
            output=json.dumps(output),
            error=None,
        )
    )
    return evidence


def flat(data: dict[str, Any]) -> dict[str, Any]:
    return {"error": None, "response": {"data": data, "error": None, "successful": True, "log_id": "log_1"}}


def nested(data: dict[str, Any]) -> dict[str, Any]:
    """The documented example's nesting: ``response.data.response.data``."""
    return {
        "error": None,
        "response": {
            "data": {"response": {"data": data}},
            "error": None,
            "successful": True,
            "log_id": "log_1",
        },
    }


def failed(text: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "error": text,
        "response": {"data": data or {}, "error": text, "successful": False, "log_id": "log_2"},
    }


@pytest.mark.parametrize("shape", [flat, nested], ids=["flat", "nested"])
def test_success_data_is_read_flat_or_nested(shape: Any) -> None:
    result = judge_typed(
        ERASE, ERASE_ARGS, multi_execute(ERASE.slug, ERASE_ARGS, shape({"requestId": "r-1"}))
    )
    assert result.model_dump()["request_id"] == "r-1"


def test_missing_connection_item_parks_instead_of_retrying() -> None:
    item = {"error": NO_CONNECTION, "response": None}
    with pytest.raises(NotConnected, match="gongq connect") as caught:
        judge_typed(ERASE, ERASE_ARGS, multi_execute(ERASE.slug, ERASE_ARGS, item))
    assert NO_CONNECTION in caught.value.reason


def test_missing_connection_as_a_batch_error_without_items_parks() -> None:
    evidence = Evidence()
    evidence.add_call(
        McpCallRecord(
            name=MULTI_EXECUTE,
            arguments={"tools": [{"tool_slug": ERASE.slug, "arguments": ERASE_ARGS}]},
            output=json.dumps({"data": {}, "error": NO_CONNECTION, "successful": False}),
            error=None,
        )
    )
    with pytest.raises(NotConnected):
        judge_typed(ERASE, ERASE_ARGS, evidence)


GONG_404 = '{"requestId":"r9","errors":["Call 123 not found"]}'
GONG_429 = '{"requestId":"r9","errors":["Too many requests"]}'


@pytest.mark.parametrize(
    ("text", "data", "kind", "retry_after"),
    [
        (f"Gong API error 404: {GONG_404}", None, Permanent, None),
        (
            f"404 Client Error: Not Found for url: https://api.gong.io/v2/calls/123 | {GONG_404}",
            None,
            Permanent,
            None,
        ),
        ("Gong API error 400: {}", None, Permanent, None),
        ("Gong API error 401: bad credentials", None, Permanent, None),
        ("Gong API error 403: not allowed", None, Permanent, None),
        (f"Gong API error 429: {GONG_429}", None, Retryable, None),
        (f"Gong API error 429: {GONG_429} (Retry-After: 12 s)", None, Retryable, 12.0),
        (
            "503 Server Error: Service Unavailable for url: https://api.gong.io/v2/calls/123",
            None,
            Retryable,
            None,
        ),
        ("Gong API error 500: {}", None, Retryable, None),
        ("Request failed with status code 502", None, Retryable, None),
        ("Could not reach Gong: ReadTimeout", None, Retryable, None),
        ("Call 123 not found", None, Unclassified, None),
        (
            "Gong API error",
            {"requestId": "r9", "errors": ["x"], "status_code": 429, "retry_after": 7},
            Retryable,
            7.0,
        ),
        (
            "Gong API error",
            {"requestId": "r9", "errors": ["x"], "status_code": 404, "retry_after": None},
            Permanent,
            None,
        ),
    ],
    ids=[
        "text-404",
        "requests-404",
        "text-400",
        "text-401",
        "text-403",
        "text-429",
        "text-429-retry-after",
        "requests-503",
        "text-500",
        "status-code-502",
        "transport-timeout",
        "opaque-unclassified",
        "fields-429",
        "fields-404",
    ],
)
def test_gong_failures_are_classified_from_every_signal(
    text: str, data: dict[str, Any] | None, kind: type[Exception], retry_after: float | None
) -> None:
    with pytest.raises(kind) as caught:
        judge_typed(GET_CALL, GET_ARGS, multi_execute(GET_CALL.slug, GET_ARGS, failed(text, data)))
    failure = caught.value
    assert text in str(failure), "Gong's whole text is kept as the reason"
    if isinstance(failure, Retryable):
        assert failure.retry_after == retry_after
    if kind is Permanent:
        assert not isinstance(failure, Retryable)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        (f"Gong API error 404: {EMPTY_BODY}", None),
        (f"404 Client Error: Not Found for url: https://api.gong.io/v2/calls | {EMPTY_BODY}", None),
        ("No calls found corresponding to the provided filters", None),
        (
            "Gong API error",
            {"requestId": "r7", "errors": ["No calls found for the specified period"], "status_code": 404},
        ),
    ],
    ids=["text", "requests", "opaque", "fields"],
)
def test_gongs_empty_list_404_is_a_success_with_no_items(text: str, data: dict[str, Any] | None) -> None:
    result = judge_typed(LIST_CALLS, LIST_ARGS, multi_execute(LIST_CALLS.slug, LIST_ARGS, failed(text, data)))
    assert result.model_dump()["calls"] == []


def test_a_404_that_is_not_an_empty_list_stays_a_final_failure() -> None:
    text = 'Gong API error 404: {"requestId":"r","errors":["Workspace 9 not found (workspaceId)"]}'
    with pytest.raises(Permanent, match="Workspace 9 not found"):
        judge_typed(LIST_CALLS, LIST_ARGS, multi_execute(LIST_CALLS.slug, LIST_ARGS, failed(text)))


def test_an_empty_list_404_on_an_operation_that_is_no_list_is_not_a_success() -> None:
    text = f"Gong API error 404: {EMPTY_BODY}"
    with pytest.raises(Permanent):
        judge_typed(GET_CALL, GET_ARGS, multi_execute(GET_CALL.slug, GET_ARGS, failed(text)))


OFFLOAD = {"remote_file_info": {"file_path": "/home/user/.composio/output/r.json", "size_bytes": 900000}}


def test_an_offloaded_read_answer_is_not_judged_from_its_preview() -> None:
    preview = flat({"preview": '{"requestId": ...', "truncated": True})
    with pytest.raises(Permanent, match="remote file"):
        judge_typed(LIST_CALLS, LIST_ARGS, multi_execute(LIST_CALLS.slug, LIST_ARGS, preview, extra=OFFLOAD))


def test_an_offloaded_write_answer_needs_review() -> None:
    preview = flat({"preview": "...", "truncated": True})
    with pytest.raises(Unverified, match="remote file"):
        judge_typed(ERASE, ERASE_ARGS, multi_execute(ERASE.slug, ERASE_ARGS, preview, extra=OFFLOAD))


def test_a_write_whose_answer_does_not_validate_keeps_the_raw_answer_for_review() -> None:
    meeting = CATALOG["create_meeting"]
    arguments = {"title": "Demo"}
    item = nested({"requestId": "r", "unexpectedShape": {"id": "m-1"}})
    with pytest.raises(Unverified) as caught:
        judge_typed(meeting, arguments, multi_execute(meeting.slug, arguments, item))
    assert caught.value.raw_answer["response"]["data"]["response"]["data"]["unexpectedShape"] == {"id": "m-1"}


def test_a_read_whose_answer_does_not_validate_is_final() -> None:
    with pytest.raises(Permanent, match="lacks expected fields"):
        judge_typed(GET_CALL, GET_ARGS, multi_execute(GET_CALL.slug, GET_ARGS, flat({"requestId": "r"})))


def test_successful_response_with_an_item_error_is_a_failure() -> None:
    item = {"error": "Gong API error 500: {}", "response": {"data": {}, "successful": True}}
    with pytest.raises(Retryable):
        judge_typed(GET_CALL, GET_ARGS, multi_execute(GET_CALL.slug, GET_ARGS, item))


def test_free_form_answer_meeting_no_connection_is_parked() -> None:
    evidence = multi_execute("GONG_LIST_ALL_USERS_V2_USERS", {}, {"error": NO_CONNECTION, "response": None})
    with pytest.raises(NotConnected):
        judge_free_form(evidence, "I could not reach Gong.")
