"""Success is decided from the tool-call evidence, never from the model's words."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from worker.errors import Permanent, Retryable, SecurityViolation, Unverified
from worker.evidence import MULTI_EXECUTE, Evidence, McpCallRecord
from worker.operations import CATALOG, ErasureResult
from worker.settings import Settings
from worker.tasks import retry_delay
from worker.verdict import judge_free_form, judge_typed

ERASE = CATALOG["erase_email"]
SLUG = "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS"
PINNED = {"emailAddress": "jane@customer.example"}


def evidence_of(*runs: tuple[str, dict[str, Any], dict[str, Any]]) -> Evidence:
    """Evidence holding one multi-execute call whose results are ``(slug, arguments, response)``."""
    evidence = Evidence()
    evidence.add_call(
        McpCallRecord(
            name=MULTI_EXECUTE,
            arguments={"tools": [{"tool_slug": slug, "arguments": args} for slug, args, _ in runs]},
            output=json.dumps(
                {
                    "successful": True,
                    "data": {
                        "results": [
                            {"tool_slug": slug, "index": i, "response": response}
                            for i, (slug, _, response) in enumerate(runs)
                        ]
                    },
                }
            ),
            error=None,
        )
    )
    return evidence


def ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"successful": True, "data": data, "error": None}


def gong_error(status: int, retry_after: int | None = None) -> dict[str, Any]:
    return {
        "successful": False,
        "error": f"Gong API error {status}",
        "data": {"requestId": "r", "errors": ["x"], "status_code": status, "retry_after": retry_after},
    }


def test_erasure_succeeds_when_the_pinned_call_returned_a_request_id() -> None:
    result = judge_typed(ERASE, PINNED, evidence_of((SLUG, PINNED, ok({"requestId": "gong-req-1"}))))
    assert result == ErasureResult(requestId="gong-req-1")


def test_no_tool_call_is_a_retryable_failure_whatever_the_model_said() -> None:
    with pytest.raises(Retryable, match="did not run"):
        judge_typed(ERASE, PINNED, Evidence())


def test_a_changed_pinned_argument_is_a_security_violation() -> None:
    tampered = {"emailAddress": "ceo@example.com"}
    with pytest.raises(SecurityViolation, match="emailAddress"):
        judge_typed(ERASE, PINNED, evidence_of((SLUG, tampered, ok({"requestId": "r"}))))


def test_an_unplanned_tool_is_a_security_violation() -> None:
    with pytest.raises(SecurityViolation, match="GONG_DELETE_A_GONG_MEETING"):
        judge_typed(
            ERASE,
            PINNED,
            evidence_of(
                (SLUG, PINNED, ok({"requestId": "r"})),
                ("GONG_DELETE_A_GONG_MEETING_V2_MEETINGS", {"meetingId": 1}, ok({})),
            ),
        )


def test_gong_429_is_retryable_and_carries_retry_after() -> None:
    with pytest.raises(Retryable) as caught:
        judge_typed(ERASE, PINNED, evidence_of((SLUG, PINNED, gong_error(429, retry_after=7))))
    assert caught.value.retry_after == 7


def test_gong_5xx_is_retryable() -> None:
    with pytest.raises(Retryable):
        judge_typed(ERASE, PINNED, evidence_of((SLUG, PINNED, gong_error(503))))


def test_gong_400_is_permanent() -> None:
    with pytest.raises(Permanent):
        judge_typed(ERASE, PINNED, evidence_of((SLUG, PINNED, gong_error(400))))


def test_an_erasure_answer_without_the_expected_fields_needs_review_not_a_retry() -> None:
    with pytest.raises(Unverified, match="requestId") as caught:
        judge_typed(ERASE, PINNED, evidence_of((SLUG, PINNED, ok({"unexpected": True}))))
    assert caught.value.raw_answer["response"]["data"] == {"unexpected": True}


def test_free_form_answer_is_kept_with_the_tools_it_used() -> None:
    result = judge_free_form(
        evidence_of(("GONG_LIST_ALL_USERS_V2_USERS", {}, ok({"users": []}))), "No users."
    )
    assert result.answer == "No users."
    assert result.tools_used == ["GONG_LIST_ALL_USERS_V2_USERS"]


def test_retry_delay_never_comes_before_retry_after() -> None:
    settings = Settings(retry_base_seconds=1, retry_max_seconds=60, _env_file=None)
    rng = random.Random(0)
    for attempt in range(1, 8):
        assert retry_delay(attempt, Retryable("429", retry_after=30), settings, rng) >= 30


def test_retry_delay_grows_exponentially_up_to_the_cap() -> None:
    settings = Settings(retry_base_seconds=1, retry_max_seconds=16, _env_file=None)
    rng = random.Random(0)
    delays = [retry_delay(attempt, Retryable("5xx"), settings, rng) for attempt in range(1, 10)]
    assert all(0.5 <= d <= 16 for d in delays)
    assert delays[-1] >= 8  # capped backoff of 16 with at most half taken off by jitter
