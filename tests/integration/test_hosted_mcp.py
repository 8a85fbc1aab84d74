"""The Responses stand-in through the real Agents SDK: one request per plan, placeholders,
approvals before anything runs, structured output, and refusal without the Composio key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai
import pytest
from agents import Agent, HostedMCPTool, RunConfig, Runner
from agents.models.openai_responses import OpenAIResponsesModel
from composio import Composio
from composio_openai_agents import OpenAIAgentsProvider
from pydantic import BaseModel

from worker.agent import single_tool_plan
from worker.executor import evidence_from_items

pytestmark = pytest.mark.integration


def mcp_url(sandbox_url: str) -> str:
    composio = Composio(
        api_key="placeholder", base_url=sandbox_url, provider=OpenAIAgentsProvider(), allow_tracking=False
    )
    return str(composio.create(user_id="test", toolkits=["gong"], mcp=True).mcp.url)


def run(
    sandbox_url: str,
    instructions: str,
    prompt: str,
    *,
    approval: Any = "never",
    on_approval: Any = None,
    output_type: type[BaseModel] | None = None,
    key: str = "placeholder",
) -> Any:
    async def go() -> Any:
        client = openai.AsyncOpenAI(api_key="sk-placeholder", base_url=f"{sandbox_url}/v1", max_retries=0)
        tool = HostedMCPTool(
            tool_config={
                "type": "mcp",
                "server_label": "tool_router",
                "server_url": mcp_url(sandbox_url),
                "headers": {"x-api-key": key},
                "require_approval": approval,
            },
            on_approval_request=on_approval,
        )
        agent = Agent(name="t", instructions=instructions, tools=[tool], output_type=output_type)
        model = OpenAIResponsesModel(model="gpt-5", openai_client=client)
        return await Runner.run(agent, prompt, run_config=RunConfig(model=model, tracing_disabled=True))

    return asyncio.run(go())


def plan_prompt(steps: list[dict[str, Any]]) -> str:
    import json

    return f"Follow the plan.\n<gongq-plan>{json.dumps({'steps': steps})}</gongq-plan>"


def openai_count(sandbox: httpx.Client) -> int:
    return int(sandbox.get("/_sandbox/openai/requests").json()["count"])


def test_two_step_plan_with_placeholder_runs_in_one_model_request(
    sandbox_url: str, sandbox: httpx.Client
) -> None:
    first = (
        single_tool_plan(
            "GONG_ADD_NEW_CALL_V2_CALLS",
            {
                "clientUniqueId": "pbx-1",
                "actualStart": "2026-11-20T10:00:00Z",
                "primaryUser": "234599484848423",
                "direction": "Outbound",
                "parties": [{"userId": "234599484848423"}],
            },
        )
        .steps[0]
        .model_dump()
    )
    second = (
        single_tool_plan(
            "GONG_RETRIEVE_DATA_FOR_A_SPECIFIC_CALL_V2_CALLS_ID",
            {"id": "{{steps[0].data.results.0.response.data.callId}}"},
        )
        .steps[0]
        .model_dump()
    )
    before = openai_count(sandbox)
    result = run(sandbox_url, plan_prompt([first, second]), "go")
    assert openai_count(sandbox) - before == 1
    evidence = evidence_from_items(result.new_items)
    created = evidence.executions_of("GONG_ADD_NEW_CALL_V2_CALLS")[0].data["callId"]
    fetched = evidence.executions_of("GONG_RETRIEVE_DATA_FOR_A_SPECIFIC_CALL_V2_CALLS_ID")[0]
    assert fetched.successful and fetched.data["call"]["id"] == created


def test_plan_stops_at_the_first_failed_step(sandbox_url: str, sandbox: httpx.Client) -> None:
    bad = single_tool_plan("GONG_RETRIEVE_USER_V2_USERS_ID", {"id": "1"}).steps[0].model_dump()
    good = single_tool_plan("GONG_LIST_ALL_USERS_V2_USERS", {}).steps[0].model_dump()
    result = run(sandbox_url, plan_prompt([bad, good]), "go")
    assert [e.slug for e in evidence_from_items(result.new_items).executions] == [
        "GONG_RETRIEVE_USER_V2_USERS_ID"
    ]
    assert "404" in str(result.final_output)


def test_approved_call_runs_after_the_callback_said_yes(sandbox_url: str, sandbox: httpx.Client) -> None:
    seen: list[str] = []

    def approve(request: Any) -> dict[str, Any]:
        seen.append(request.data.name)
        return {"approve": True}

    step = single_tool_plan(
        "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS", {"emailAddress": "alex.morgan@contoso.example"}
    )
    result = run(
        sandbox_url, plan_prompt([step.steps[0].model_dump()]), "go", approval="always", on_approval=approve
    )
    assert seen == ["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert (
        evidence_from_items(result.new_items).executions_of("GONG_ERASE_DATA_FOR_EMAIL_ADDRESS")[0].successful
    )
    erasures = [r for r in sandbox.get("/_sandbox/gong/requests").json()["requests"] if "erase" in r["path"]]
    assert len(erasures) == 1


def test_rejected_call_never_reaches_gong(sandbox_url: str, sandbox: httpx.Client) -> None:
    step = single_tool_plan(
        "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS", {"emailAddress": "ceo@acme-robotics.example"}
    )
    result = run(
        sandbox_url,
        plan_prompt([step.steps[0].model_dump()]),
        "go",
        approval="always",
        on_approval=lambda request: {"approve": False, "reason": "not pinned"},
    )
    assert "not approved" in str(result.final_output)
    assert sandbox.get("/_sandbox/gong/requests").json()["requests"] == []


class ReportedUser(BaseModel):
    id: str
    email_address: str


class UsersReport(BaseModel):
    request_id: str
    users: list[ReportedUser]
    summary: str


def test_structured_output_fills_the_schema_from_tool_outputs(
    sandbox_url: str, sandbox: httpx.Client
) -> None:
    step = single_tool_plan("GONG_LIST_ALL_USERS_V2_USERS", {})
    result = run(sandbox_url, plan_prompt([step.steps[0].model_dump()]), "go", output_type=UsersReport)
    report = result.final_output
    assert isinstance(report, UsersReport)
    assert len(report.users) == 12
    assert report.users[0].email_address == "dana.lee@acme-robotics.example"
    assert report.request_id


def test_mcp_endpoint_refuses_requests_without_the_composio_key(sandbox_url: str) -> None:
    response = httpx.post(
        mcp_url(sandbox_url),
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401


def test_responses_api_refuses_a_missing_api_key(sandbox_url: str) -> None:
    response = httpx.post(f"{sandbox_url}/v1/responses", json={"model": "gpt-5", "input": "hi"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_a_chained_request_sees_the_stored_conversation_and_an_unknown_one_is_refused(
    sandbox: httpx.Client,
) -> None:
    """``previous_response_id``: the follow-up sends only its new item; the stand-in answers from
    the stored conversation (as the real API does), and names an id it never stored."""
    first = sandbox.post(
        "/v1/responses",
        headers={"Authorization": "Bearer sk-placeholder"},
        json={"model": "gpt-5", "input": "Say hello."},
    )
    assert first.status_code == 200, first.text
    chained = sandbox.post(
        "/v1/responses",
        headers={"Authorization": "Bearer sk-placeholder"},
        json={"model": "gpt-5", "input": [], "previous_response_id": first.json()["id"]},
    )
    assert chained.status_code == 200, chained.text
    log = sandbox.get("/_sandbox/openai/requests").json()["requests"]
    assert log[-1]["user_text"] == "Say hello."
    assert log[-1]["usage"]["input_tokens"] >= log[0]["usage"]["input_tokens"]
    unknown = sandbox.post(
        "/v1/responses",
        headers={"Authorization": "Bearer sk-placeholder"},
        json={"model": "gpt-5", "input": "again", "previous_response_id": "resp_unknown"},
    )
    assert unknown.status_code == 400
    assert "resp_unknown" in unknown.json()["error"]["message"]
