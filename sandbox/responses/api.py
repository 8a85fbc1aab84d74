"""``POST /v1/responses``: OpenAI's Responses API with hosted MCP tools executed server-side.

One request runs as many MCP calls as the planner wants and ends with an assistant message,
so a typed gongq task completes in one request, as on the real API. A tool that needs approval
(per the mcp tool's ``require_approval``) ends the response with an ``mcp_approval_request``; the
next request carries the ``mcp_approval_response`` and the run resumes from there.

Client-side tools (``type: "function"``, as the Agents SDK sends a local MCP server's tools) get
one ``function_call`` per response; the caller runs it and sends a ``function_call_output``.
An mcp tool's ``allowed_tools``, revoked keys and ``GET /v1/models``: ``sandbox.responses.access``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from contextlib import AsyncExitStack
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sandbox.config import SandboxConfig
from sandbox.keys import RevokedKeys
from sandbox.responses import access, adversary, free_form, planner
from sandbox.responses.mcp_client import McpConnection, parse_output
from worker.exception_chain import http_status


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return ""


def _first_user_text(raw_input: Any) -> str:
    if isinstance(raw_input, str):
        return raw_input
    for item in raw_input or []:
        if isinstance(item, dict) and item.get("role") == "user":
            return _text_of(item.get("content"))
    return ""


def _loads(arguments: Any) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value, default=str)) // 4)


def requires_approval(tool: dict[str, Any], name: str) -> bool:
    """Apply an mcp tool's ``require_approval`` ("always", "never" or the per-tool-name object form)."""
    setting = tool.get("require_approval", "always")
    if isinstance(setting, str):
        return setting != "never"
    if isinstance(setting, dict):
        if name in ((setting.get("never") or {}).get("tool_names") or []):
            return False
        always = setting.get("always")
        if always is not None:
            return name in (always.get("tool_names") or [])
        return False
    return True


class ModelSettings(BaseModel):
    latency_seconds: float | None = Field(default=None, ge=0)
    #: Follow instructions injected into prompts and data (see ``sandbox.responses.adversary``).
    adversarial: bool | None = None


class ResponsesApi:
    """The Responses stand-in, its request log and its control endpoints."""

    def __init__(self, config: SandboxConfig, keys: RevokedKeys | None = None) -> None:
        self.config = config
        self.keys = keys or RevokedKeys()
        self.latency = config.model_latency_seconds
        self.adversarial = False
        self.log: list[dict[str, Any]] = []
        #: Stored responses (``store`` defaults to true on the real API): each response's whole
        #: conversation, so a request naming it as ``previous_response_id`` sends only what is new.
        self.conversations: dict[str, list[dict[str, Any]]] = {}

    def reset(self) -> None:
        self.latency = self.config.model_latency_seconds
        self.adversarial = False
        self.log = []
        self.conversations = {}

    def router(self) -> APIRouter:
        router = APIRouter()
        router.include_router(access.models_router(self.keys))

        @router.post("/v1/responses", tags=["openai"])
        async def create_response(request: Request) -> JSONResponse:
            if not access.bearer_key(request):
                return _error(401, "You didn't provide an API key.", "invalid_api_key")
            refused = access.revoked_key_error(request, self.keys)
            if refused is not None:
                return refused
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return _error(400, "We could not parse the JSON body of your request.")
            if body.get("stream"):
                return _error(400, "The sandbox model does not stream; call without stream=true.")
            return await self._respond(body)

        @router.get("/_sandbox/openai/requests", tags=["sandbox control"])
        async def requests() -> dict[str, Any]:
            return {"count": len(self.log), "requests": self.log}

        @router.post("/_sandbox/model", tags=["sandbox control"])
        async def set_model(settings: ModelSettings) -> dict[str, Any]:
            if settings.latency_seconds is not None:
                self.latency = settings.latency_seconds
            if settings.adversarial is not None:
                self.adversarial = settings.adversarial
            return {"latency_seconds": self.latency, "adversarial": self.adversarial}

        return router

    async def _respond(self, body: dict[str, Any]) -> JSONResponse:
        raw_input = body.get("input")
        previous = body.get("previous_response_id")
        if previous is not None and previous not in self.conversations:
            return _error(400, f"Previous response with id '{previous}' not found.")
        items: list[dict[str, Any]] = [
            *self.conversations.get(previous or "", []),
            *(
                [{"type": "message", "role": "user", "content": raw_input}]
                if isinstance(raw_input, str)
                else [i for i in raw_input or [] if isinstance(i, dict)]
            ),
        ]
        users = [n for n, i in enumerate(items) if i.get("role") == "user"]
        turn = items[users[-1] + 1 :] if users else items
        user_text = _text_of(items[users[-1]].get("content")) if users else ""
        mcp_tools = {t["server_label"]: t for t in body.get("tools") or [] if t.get("type") == "mcp"}
        plan = planner.find_plan(body.get("instructions"))
        default_label = next(iter(mcp_tools), "tool_router")
        context = free_form.ModelContext(self.config.model_today, self.config.account_owner_email.lower())
        functions = {str(t.get("name")) for t in body.get("tools") or [] if t.get("type") == "function"}
        if functions and not mcp_tools:
            return await self._respond_with_function_call(
                body, items, turn, plan, user_text, functions, context
            )

        outputs = [parse_output(i.get("output")) for i in turn if i.get("type") == "mcp_call"]
        answered = {i.get("approval_request_id") for i in turn if i.get("type") == "mcp_call"}
        decisions = {
            i.get("approval_request_id"): i for i in turn if i.get("type") == "mcp_approval_response"
        }
        pending = [i for i in turn if i.get("type") == "mcp_approval_request" and i.get("id") not in answered]
        listed = {i.get("server_label") for i in items if i.get("type") == "mcp_list_tools"}
        available = access.listed_tools(items)
        output: list[dict[str, Any]] = []
        called: list[str] = []
        final: str | None = None
        attempted = {
            adversary.fingerprint(str(i.get("name")), _loads(i.get("arguments")))
            for i in turn
            if i.get("type") in ("mcp_call", "mcp_approval_request")
        }

        thought = False
        async with AsyncExitStack() as stack:
            connections: dict[str, McpConnection] = {}
            while final is None:
                # One model turn of latency per response, spent on its first new decision: a
                # call approved in the previous response runs at once (it was decided then), as
                # the real API runs approved calls before the model generates again.
                resuming = bool(pending) and pending[0].get("id") in decisions
                if not resuming and not thought:
                    await asyncio.sleep(self.latency)
                    thought = True
                step = self._decide(body, plan, user_text, outputs, attempted, default_label, context)
                if isinstance(step, planner.Done):
                    final = step.text
                    break
                tool = mcp_tools.get(step.server_label)
                if tool is None:
                    final = f"I have no MCP server labelled {step.server_label!r} to run {step.tool}."
                    break
                if step.server_label not in connections:
                    try:
                        connections[step.server_label] = await stack.enter_async_context(
                            McpConnection(tool["server_url"], dict(tool.get("headers") or {}))
                        )
                    except Exception as exc:  # any transport or protocol failure, as the real API reports
                        status = http_status(exc)
                        detail = f"Http status code: {status}" if status is not None else type(exc).__name__
                        return _error(
                            424,
                            f"Error retrieving tool list from MCP server '{step.server_label}'. {detail}",
                            "external_connector_error",
                        )
                    if step.server_label not in listed:
                        shown = access.allowed_listing(
                            tool, await connections[step.server_label].list_tools()
                        )
                        output.append(
                            {
                                "type": "mcp_list_tools",
                                "id": _id("mcpl"),
                                "server_label": step.server_label,
                                "tools": shown,
                            }
                        )
                        listed.add(step.server_label)
                        available[step.server_label] = {str(t["name"]): t for t in shown}
                if not access.can_call(tool, step.tool, available.get(step.server_label, {})):
                    final = f"I can't do that: {step.tool} is not among the tools available to me."
                    break
                arguments = json.dumps(step.arguments)
                attempted.add(adversary.fingerprint(step.tool, step.arguments))
                approval_id = None
                if requires_approval(tool, step.tool):
                    request_item = pending.pop(0) if pending else None
                    if request_item is None:
                        output.append(
                            {
                                "type": "mcp_approval_request",
                                "id": _id("mcpr"),
                                "server_label": step.server_label,
                                "name": step.tool,
                                "arguments": arguments,
                            }
                        )
                        break
                    decision = decisions.get(request_item["id"])
                    if decision is None:
                        output.append(request_item)
                        break
                    if not decision.get("approve"):
                        reason = decision.get("reason") or "no reason given"
                        final = f"The call to {step.tool} was not approved ({reason}); nothing was executed."
                        break
                    approval_id = request_item["id"]
                    # Execute exactly what was approved, as the real API does.
                    step = planner.Step(
                        step.server_label, str(request_item["name"]), _loads(request_item["arguments"])
                    )
                    arguments = str(request_item["arguments"])
                text, is_error = await connections[step.server_label].call(step.tool, step.arguments)
                called.append(step.tool)
                output.append(
                    {
                        "type": "mcp_call",
                        "id": _id("mcp"),
                        "server_label": step.server_label,
                        "name": step.tool,
                        "arguments": arguments,
                        "output": text,
                        "status": "completed" if not is_error else "failed",
                        "approval_request_id": approval_id,
                        "error": {
                            "type": "mcp_tool_execution_error",
                            "content": [{"type": "text", "text": text}],
                        }
                        if is_error
                        else None,
                    }
                )
                outputs.append(parse_output(text))

        if final is not None:
            output.append(self._message(final, body, outputs))
        return JSONResponse(self._envelope(body, items, output, called, plan is not None))

    def _decide(
        self,
        body: dict[str, Any],
        plan: list[dict[str, Any]] | None,
        user_text: str,
        outputs: list[Any],
        attempted: set[str],
        default_label: str,
        context: free_form.ModelContext,
    ) -> planner.Step | planner.Done:
        """The model's next move: the plan's next step, or the free-form model's; in adversarial
        mode tampered with, or followed by an attack, as injected text says."""
        step = (
            planner.next_plan_step(plan, outputs, default_label)
            if plan is not None
            else free_form.next_step(user_text, outputs, default_label, context)
        )
        if self.adversarial:
            texts = [str(body.get("instructions") or ""), user_text, json.dumps(outputs)]
            emails = adversary.injected_emails(texts)
            if isinstance(step, planner.Step) and plan is not None:
                step = adversary.tamper(step, emails)
            elif isinstance(step, planner.Done):
                step = adversary.next_attack(emails, attempted, default_label) or step
        return step

    async def _respond_with_function_call(
        self,
        body: dict[str, Any],
        items: list[dict[str, Any]],
        turn: list[dict[str, Any]],
        plan: list[dict[str, Any]] | None,
        user_text: str,
        functions: set[str],
        context: free_form.ModelContext,
    ) -> JSONResponse:
        """Client-side tools (the caller runs MCP itself and offers its tools as functions): one
        ``function_call`` per response, or the answer once the outputs sent back settle it.
        ``items`` is the whole conversation (stored with the response), ``turn`` what follows its
        last user message."""
        outputs = [
            parse_output(o if isinstance(o := i.get("output"), str) else _text_of(o))
            for i in turn
            if i.get("type") == "function_call_output"
        ]
        attempted = {
            adversary.fingerprint(str(i.get("name")), _loads(i.get("arguments")))
            for i in turn
            if i.get("type") == "function_call"
        }
        await asyncio.sleep(self.latency)
        step = self._decide(body, plan, user_text, outputs, attempted, "tool_router", context)
        if isinstance(step, planner.Step) and step.tool not in functions:
            step = planner.Done(f"I have no tool named {step.tool!r}.")
        if isinstance(step, planner.Done):
            output = [self._message(step.text, body, outputs)]
            called: list[str] = []
        else:
            call = {"type": "function_call", "name": step.tool, "arguments": json.dumps(step.arguments)}
            output = [{**call, "id": _id("fc"), "call_id": _id("call"), "status": "completed"}]
            called = [step.tool]
        return JSONResponse(self._envelope(body, items, output, called, plan is not None))

    def _message(self, text: str, body: dict[str, Any], outputs: list[Any]) -> dict[str, Any]:
        fmt = (body.get("text") or {}).get("format") or {}
        if fmt.get("type") == "json_schema":
            text = json.dumps(planner.fill_schema(fmt.get("schema") or {}, outputs, text))
        return {
            "type": "message",
            "id": _id("msg"),
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
        }

    def _envelope(
        self,
        body: dict[str, Any],
        items: list[dict[str, Any]],
        output: list[dict[str, Any]],
        called: list[str],
        has_plan: bool,
    ) -> dict[str, Any]:
        """The response object; stored (unless ``store`` is false) for ``previous_response_id``."""
        # The whole context is billed, whether it was sent or chained by previous_response_id,
        # and so are function tool definitions (OpenAI's function-calling guide: functions "count
        # against the model's context limit and are billed as input tokens"). Hosted MCP tools
        # are billed through their mcp_list_tools items, which are part of ``items``.
        functions = [t for t in body.get("tools") or [] if t.get("type") == "function"]
        input_tokens = _tokens([body.get("instructions"), items, functions])
        output_tokens = _tokens(output)
        usage = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        }
        now = time.time()
        self.log.append(
            {
                "seq": len(self.log) + 1,
                "time": now,
                "model": body.get("model"),
                "has_plan": has_plan,
                # The conversation's first user message (a typed task's names its task id), so tests
                # can tell which task a request belonged to.
                "user_text": _first_user_text(items)[:200],
                "tools_called": called,
                # What the model was offered: function tools by name, MCP tools by server label.
                "offered_tools": [t.get("name") or t.get("server_label") for t in body.get("tools") or []],
                "usage": usage,
                # Size of what the model was shown, so tests can prove files never ride in prompts.
                "prompt_chars": len(json.dumps([body.get("instructions"), items], default=str)),
            }
        )
        response_id = _id("resp")
        if body.get("store", True):
            self.conversations[response_id] = [*items, *output]
        return {
            "id": response_id,
            "object": "response",
            "created_at": int(now),
            "completed_at": int(now),
            "status": "completed",
            "model": body.get("model") or "gpt-5",
            "output": output,
            "instructions": body.get("instructions"),
            "tools": body.get("tools") or [],
            "tool_choice": body.get("tool_choice") or "auto",
            "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"),
            "text": body.get("text") or {"format": {"type": "text"}},
            "usage": usage,
            "error": None,
            "incomplete_details": None,
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
        }
