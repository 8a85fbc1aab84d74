"""Each skeleton operation, enqueued through the client, run by a real Celery worker process
through the real Agents SDK and Composio SDK against the sandbox, and judged from evidence."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from producer.client import GongqClient, InvalidPayload
from producer.media_server import serving, tone_wav
from producer.processes import Processes
from worker.pii import pii_token
from worker.store import TaskStatus

pytestmark = pytest.mark.integration

PRIMARY_USER = "234599484848423"


def gong_requests(sandbox: httpx.Client) -> list[dict[str, object]]:
    return list(sandbox.get("/_sandbox/gong/requests").json()["requests"])


def test_add_call_hands_gong_exactly_the_source_bytes(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    recording = tone_wav(seconds=2.0, frequency=523.0)
    with serving(recording) as media:
        task = client.enqueue(
            "add_call",
            {
                "title": "Pricing call",
                "actual_start": "2026-11-20T15:00:00Z",
                "primary_user": PRIMARY_USER,
                "media_url": media.url,
            },
        )
        record = client.wait(task.task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result is not None
    call_id = record.result["call_id"]
    received = sandbox.get(f"/_sandbox/gong/calls/{call_id}/media").json()
    assert received["sha256"] == hashlib.sha256(recording).hexdigest()
    assert received["bytes"] == len(recording)
    assert record.result["client_unique_id"] == f"gongq-{task.task_id}"


def test_erase_email_succeeds_with_gongs_request_id(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    record = client.wait(
        client.enqueue("erase_email", {"email_address": "Jamie.Rivera@Northwind.example"}).task_id, timeout=60
    )
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result and record.result["request_id"]
    erasures = [r for r in gong_requests(sandbox) if "erase-data-for-email-address" in str(r["path"])]
    assert [r["query"] for r in erasures] == [{"emailAddress": "jamie.rivera@northwind.example"}]


def test_erase_phone_succeeds(worker: Processes, client: GongqClient, sandbox: httpx.Client) -> None:
    record = client.wait(
        client.enqueue("erase_phone", {"phone_number": "+1 415 555 0123"}).task_id, timeout=60
    )
    assert record.status is TaskStatus.SUCCEEDED, record.error
    erasures = [r for r in gong_requests(sandbox) if "erase-data-for-phone-number" in str(r["path"])]
    assert [r["query"] for r in erasures] == [{"phoneNumber": "+14155550123"}]


def test_assign_prospects_reports_each_prospect_gong_did_not_assign(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    task = client.enqueue(
        "assign_prospects",
        {
            "crm_prospects_ids": ["0035g00000AbCd001", "0035g00000UNKNOWN"],
            "flow_id": "1695493301223590792",
            "flow_instance_owner_email": "dana.lee@acme-robotics.example",
        },
    )
    record = client.wait(task.task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result is not None
    assert [p["crm_prospect_id"] for p in record.result["assigned"]] == ["0035g00000AbCd001"]
    assert [(p["crm_prospect_id"], p["error_code"]) for p in record.result["not_assigned"]] == [
        ("0035g00000UNKNOWN", "InvalidArgument")
    ]


def test_list_users_returns_the_simulated_company(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    record = client.wait(client.enqueue("list_users", {}).task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result is not None
    # A finished record keeps personal data only as tokens, whatever the lane.
    emails = {u["email_address"] for u in record.result["users"]}
    assert pii_token(client.settings.pii_key.get_secret_value(), "dana.lee@acme-robotics.example") in emails
    assert "dana.lee@acme-robotics.example" not in json.dumps(record.result)


def test_typed_task_takes_two_model_requests_one_to_propose_one_to_run_the_approved_call(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    task = client.enqueue("list_users", {})
    record = client.wait(task.task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    logged = sandbox.get("/_sandbox/openai/requests").json()["requests"]
    requests = [r for r in logged if task.task_id in r["user_text"]]
    # The first response asks for approval of the planned call; the pin guard approves it and
    # the second response runs it and answers (the hosted MCP approval protocol).
    assert len(requests) == 2
    assert [r["tools_called"] for r in requests] == [[], ["COMPOSIO_MULTI_EXECUTE_TOOL"]]


def test_ask_answers_from_the_simulated_users(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    record = client.wait(client.enqueue("ask", {"prompt": "list all users"}).task_id, timeout=60)
    assert record.status is TaskStatus.SUCCEEDED, record.error
    assert record.result is not None
    dana = pii_token(client.settings.pii_key.get_secret_value(), "dana.lee@acme-robotics.example")
    assert dana in record.result["answer"] and "acme-robotics.example" not in record.result["answer"]
    assert "GONG_LIST_ALL_USERS_V2_USERS" in record.result["tools_used"]


def test_gong_rejection_dead_letters_the_task_with_its_reason(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    task = client.enqueue(
        "add_call",
        {
            "title": "Ghost host",
            "actual_start": "2026-11-20T15:00:00Z",
            "primary_user": "999999999999",
            "media_url": "http://127.0.0.1:9/x.wav",
        },
    )
    record = client.wait(task.task_id, timeout=60)
    assert record.status is TaskStatus.DEAD
    assert record.error and "400" in record.error
    assert record.attempts == 1


def test_invalid_payload_is_refused_before_anything_is_enqueued(client: GongqClient) -> None:
    with pytest.raises(InvalidPayload, match="email_address"):
        client.enqueue("erase_email", {"email_address": "not-an-email"})


def test_same_idempotency_key_runs_once(
    worker: Processes, client: GongqClient, sandbox: httpx.Client
) -> None:
    first = client.enqueue("erase_phone", {"phone_number": "+442071838750"}, idempotency_key="erase-once")
    second = client.enqueue("erase_phone", {"phone_number": "+442071838750"}, idempotency_key="erase-once")
    assert second.duplicate and second.task_id == first.task_id
    assert client.wait(first.task_id, timeout=60).status is TaskStatus.SUCCEEDED
    erasures = [r for r in gong_requests(sandbox) if "erase-data-for-phone-number" in str(r["path"])]
    assert len(erasures) == 1
