"""The pin guard: every Gong tool call the agent proposes is checked before it can run.

With the hosted executor the model provider calls the Tool Router itself, so the only place to
stop a call before it reaches Gong is the approval step: the agent's MCP tool requires approval
for every tool, and ``admit`` answers each approval request. With the client executor the worker
calls the Tool Router itself and ``admit`` runs right before each call
(``worker.client_executor``).

Rules:
- A typed operation may run exactly its planned call: its own Composio slug with the arguments
  from the validated payload (so an email, phone, call id, meeting id, prospect ids, flow id or
  profile id can only come from the producer, never from the model or from data it read).
- ``ask`` (free-form) may run reading tools only; a writing or destructive Gong tool is never
  run by the agent (erasures and writes are typed operations, with pinned arguments, the
  erasure ledger and the audit). In ``gongq ask`` a proposed write is *handed off*: once a
  person confirms it, it becomes a typed task and the model is told so (``hand_off``); the
  chat itself never runs it. Declined, or with no one to ask, it is refused.
- Tool Router calls that only describe tools (search, schemas) are approved. Every tool still
  goes through approval ("always"): a tool the Tool Router adds later (a workbench that runs
  code, say) is refused unless this module learns about it.
- COMPOSIO_MANAGE_CONNECTIONS (its description tells models to call it when Gong is not
  connected) is not run and is not a violation: the run notes that a connection is needed and
  the task is parked for ``gongq connect``, where a person finishes the authorization.
- A multi-execute item may name the connected account (``tools[].account``) only if it is the
  configured one (``GONGQ_COMPOSIO_GONG_ACCOUNT``); items carry no other keys.

A refusal is recorded; the run then fails as a :class:`SecurityViolation` (never retried), and
the reason names tools and argument names, never their values (they may be personal data).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents import MCPToolApprovalFunctionResult, MCPToolApprovalRequest

from worker.errors import Retryable
from worker.evidence import changed_arguments
from worker.meta_tools import DESCRIBING_TOOLS, MANAGE_CONNECTIONS, MULTI_EXECUTE
from worker.operations import Operation, by_slug
from worker.operations.base import Lane, OperationKind
from worker.ratelimit import GongRateLimiter

#: The keys a multi-execute item may carry.
ITEM_KEYS = frozenset({"tool_slug", "arguments", "account"})

#: What the model is told when it tries to manage connections itself.
CONNECTION_BY_PERSON = (
    "gongq does not manage connections from an agent; the task waits until a person runs `gongq connect`"
)


@dataclass
class PinGuard:
    """Reviews the tool calls of one run of ``operation`` (``planned`` = its pinned arguments)."""

    operation: Operation
    planned: dict[str, Any] | None
    #: ``gongq ask``: turns a writing call the model proposes into a typed task once a person
    #: confirms it; returns what the model is told instead of a tool result, or ``None`` when
    #: the person declined (then the call is refused).
    hand_off: Callable[[Operation, dict[str, Any]], str | None] | None = None
    #: What ``hand_off`` said for each call it took over, in order.
    handed_off: list[str] = field(default_factory=list)
    #: Takes Gong rate-limit tokens for an approved call, right before the provider makes it.
    limiter: GongRateLimiter | None = None
    refusals: list[str] = field(default_factory=list)
    approved: int = 0
    #: The limiter's refusal (daily budget spent, no token in time): the run stops, the retry
    #: policy decides (defer to midnight, or retry).
    limited: Retryable | None = None
    #: The only connected account id a call may name (``tools[].account``); ``None``: none.
    account: str | None = None
    #: The model asked to manage connections (Gong is not connected, it believes): not run.
    connection_needed: bool = False
    #: Called right before an admitted typed call reaches Gong (the runner records that the
    #: write may have happened, for writes Gong cannot de-duplicate); if it fails, not sent.
    on_send: Callable[[], None] | None = None

    def review(self, tool: str, raw_arguments: str | dict[str, Any] | None) -> str | None:
        """``None`` to approve the call, else the reason it is refused (no personal values)."""
        if tool in DESCRIBING_TOOLS:
            return None
        if tool != MULTI_EXECUTE:
            return f"{tool} is not a tool gongq lets the agent use"
        arguments = _arguments(raw_arguments)
        calls = arguments.get("tools")
        if not isinstance(calls, list) or not calls:
            return f"{MULTI_EXECUTE} without tools"
        for call in calls:
            reason = self._review_one(call)
            if reason is not None:
                return reason
        return None

    def _review_one(self, call: Any) -> str | None:
        if not isinstance(call, dict):
            return "a tool call that is not an object"
        extra = sorted(set(call) - ITEM_KEYS)
        if extra:
            return f"a tool call with unexpected keys: {', '.join(extra)}"
        account = call.get("account")
        if account is not None and account != self.account:
            return "a tool call naming a connected account gongq is not configured for"
        slug = str(call.get("tool_slug"))
        raw = call.get("arguments")
        arguments: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if self.operation.is_free_form:
            target = by_slug(slug)
            if target is None:
                return f"{slug} is not a Gong tool gongq knows"
            if target.kind is OperationKind.READ:
                return None
            return f"{self.operation.name} may only read; it tried {target.kind.value} tool {slug}"
        if slug != self.operation.slug:
            return f"{self.operation.name} did not plan {slug}"
        if arguments != self.planned:
            planned = self.planned or {}
            changed = changed_arguments(planned, arguments)
            return f"{slug} with changed pinned arguments: {', '.join(changed)}"
        return None

    async def admit(self, tool: str, raw_arguments: str | dict[str, Any] | None) -> str | None:
        """``None`` when the call may run now, else why not (recorded; no personal values).

        An admitted call that runs Gong tools first takes one rate-limit token per tool: this is
        the last moment before the call reaches the Tool Router, so the limiter spaces the Gong
        requests themselves, not the starts of tasks (which are a model turn earlier).
        """
        if tool == MANAGE_CONNECTIONS:
            self.connection_needed = True
            return CONNECTION_BY_PERSON
        handed = self._hand_off(tool, raw_arguments)
        if handed is not None:
            return handed
        reason = self.review(tool, raw_arguments)
        if reason is not None:
            self.refusals.append(reason)
            return f"refused by gongq's pin guard: {reason}"
        gong_calls = _gong_calls(tool, raw_arguments)
        if self.limiter is not None and gong_calls:
            try:
                await self.limiter.acquire(priority=self.operation.lane is Lane.PRIVACY, cost=gong_calls)
            except Retryable as exc:
                self.limited = exc
                return "Gong's rate limit: not now"
        if self.on_send is not None and gong_calls:
            try:
                self.on_send()
            except Exception as exc:  # Redis unreachable: a write not recorded is a write not sent
                self.limited = Retryable(
                    f"could not record the write before sending it: {type(exc).__name__}"
                )
                return "gongq could not record this write before sending it: not now"
        self.approved += 1
        return None

    def _hand_off(self, tool: str, raw_arguments: str | dict[str, Any] | None) -> str | None:
        """What the model is told when a free-form run proposes a single, well-formed write that
        ``hand_off`` took over (enqueued as a typed task); ``None`` to review the call as usual.

        Only a call that would otherwise pass every other rule is offered (one item, no unknown
        keys, the configured account, a Gong tool gongq knows): a person is never asked to
        confirm a call the guard would refuse anyway.
        """
        if self.hand_off is None or not self.operation.is_free_form or tool != MULTI_EXECUTE:
            return None
        calls = _arguments(raw_arguments).get("tools")
        if not isinstance(calls, list) or len(calls) != 1 or not isinstance(calls[0], dict):
            return None
        call = calls[0]
        target = by_slug(str(call.get("tool_slug")))
        if target is None or target.kind is OperationKind.READ or set(call) - ITEM_KEYS:
            return None
        if call.get("account") not in (None, self.account):
            return None
        arguments = call.get("arguments")
        note = self.hand_off(target, arguments if isinstance(arguments, dict) else {})
        if note is None:
            return None  # declined: reviewed (and refused) like any write a free-form run tries
        self.handed_off.append(note)
        return note

    async def on_approval_request(self, request: MCPToolApprovalRequest) -> MCPToolApprovalFunctionResult:
        """The Agents SDK's approval hook (hosted executor): approve what :meth:`admit` admits."""
        refusal = await self.admit(request.data.name, request.data.arguments)
        if refusal is not None:
            return {"approve": False, "reason": refusal}
        return {"approve": True}


def _gong_calls(tool: str, raw: str | dict[str, Any] | None) -> int:
    """How many Gong requests an approved call makes (one per Gong tool it executes)."""
    if tool != MULTI_EXECUTE:
        return 0
    calls = _arguments(raw).get("tools")
    return len(calls) if isinstance(calls, list) else 0


def _arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
