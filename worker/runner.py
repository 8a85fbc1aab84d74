"""``run_operation``: one attempt of one task, as a plain function testable without Celery.

It loads the record (the payload never crossed the broker), runs the operation's agent, judges
the evidence, and stores the result. Failures are raised as :class:`TaskFailure` for the retry
policy in ``worker.tasks`` to handle.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import redis
from agents import Agent
from pydantic import ValidationError

from worker.agent import build_typed_agent, single_tool_plan, tool_access
from worker.ask_agent import build_ask_agent
from worker.audit import AuditLog
from worker.broker import Broker
from worker.connection import connection_state
from worker.connections import redis_client
from worker.errors import (
    NotConnected,
    Permanent,
    SecurityViolation,
    ToolRouterUnreachable,
    Unverified,
)
from worker.evidence import Evidence
from worker.executor import RunOutcome, run_agent
from worker.guard import PinGuard
from worker.heartbeat import worker_name
from worker.keys import Keys
from worker.ledger import VERIFICATION, ErasureLedger
from worker.metrics import record_model_usage
from worker.operations import AskPayload, ErasureResult, PrivacyDataResult, Result, get_operation
from worker.pii import scrub, scrub_text
from worker.ratelimit import GongRateLimiter
from worker.settings import Settings
from worker.staging import stage_file
from worker.store import TaskRecord, TaskStatus, TaskStore
from worker.toolrouter import ToolRouterSessions
from worker.verdict import judge_free_form, judge_typed, summary_of

log = logging.getLogger("gongq.worker")


@dataclass
class Runtime:
    """What a worker process holds for all its tasks: settings, Redis, Tool Router sessions."""

    settings: Settings

    @cached_property
    def redis(self) -> redis.Redis[str]:
        return redis_client(self.settings)

    @cached_property
    def keys(self) -> Keys:
        return Keys(self.settings.key_prefix)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog.from_settings(self.redis, self.keys, self.settings)

    @cached_property
    def broker(self) -> Broker:
        """The one door onto the broker (deferred release, parked release, the sweeper)."""
        return Broker(self.redis, self.keys, self.audit)

    @cached_property
    def store(self) -> TaskStore:
        return self.broker.store

    @cached_property
    def limiter(self) -> GongRateLimiter:
        """The global Gong rate limiter (shared through Redis with every other worker)."""
        return GongRateLimiter(self.redis, self.keys, self.settings)

    @cached_property
    def ledger(self) -> ErasureLedger:
        return ErasureLedger(self.redis, self.keys, self.store, self.settings)

    @cached_property
    def sessions(self) -> ToolRouterSessions:
        return ToolRouterSessions(self.settings)


async def planned_arguments(record: TaskRecord, settings: Settings) -> dict[str, object]:
    """The Composio arguments of a typed task, from its validated payload.

    Stable per-task defaults are filled in (add_call's clientUniqueId, CRM clientRequestIds,
    engagement eventIds) so a redelivered task is recognised by Gong instead of repeated. A
    file the operation carries is staged first; the arguments hold its storage key only.
    """
    operation = get_operation(record.operation)
    try:
        payload = operation.payload_model.model_validate(record.payload).for_task(record.id)
    except ValidationError as exc:
        raise Permanent(
            f"payload no longer validates for {record.operation}: {exc.error_count()} error(s)"
        ) from exc
    arguments: dict[str, object] = payload.to_arguments()
    source = payload.file_source()
    if payload.file_argument is not None and source is not None:
        arguments[payload.file_argument] = await stage_file(settings, operation.slug, source)
    return arguments


def settle_run(runtime: Runtime, task_id: str, outcome: RunOutcome, guard: PinGuard) -> None:
    """Count the run's model usage; then: a run the rate limiter stopped fails as the limiter
    said (budget spent → deferred; no token in time → retried); a run in which the pin guard
    refused a call is a security violation, audited, not retried. Neither refused call reached
    Gong; whatever else such a run did is not trusted either."""
    record_model_usage(
        runtime.redis,
        runtime.keys,
        outcome.input_tokens,
        outcome.output_tokens,
        requests=outcome.model_requests,
    )
    if guard.limited is not None:
        raise guard.limited
    if guard.connection_needed and not guard.refusals:
        raise NotConnected("the agent asked to manage connections")
    if not guard.refusals:
        return
    reason = "; ".join(guard.refusals)
    runtime.audit.append(task_id, "security_violation", reason=reason)
    log.error("pin guard refused a tool call: %s", reason, extra={"task_id": task_id})
    raise SecurityViolation(f"refused by the pin guard: {reason}")


async def run_checked(
    runtime: Runtime, agent: Agent[Any], prompt: str, evidence: Evidence | None
) -> RunOutcome:
    """Run the agent; when the Tool Router's MCP server could not be reached, drop the cached
    session (it may have expired) and ask Composio over REST whether the key still works, so a
    refused key parks the task (ConfigurationProblem) instead of burning its attempts."""
    try:
        return await run_agent(agent, prompt, runtime.settings, evidence=evidence)
    except ToolRouterUnreachable:
        user_id = runtime.settings.user_id
        runtime.sessions.forget(user_id)
        await asyncio.to_thread(connection_state, runtime.sessions, user_id)
        raise


async def run_operation(task_id: str, runtime: Runtime, message_id: str | None = None) -> TaskRecord:
    """Run one attempt of ``task_id`` (from broker message ``message_id``), return the record.

    A task already recorded as succeeded is not run again: a broker redelivery after the
    side effect happened must not repeat it. A message that is not the task's newest is
    dropped (:class:`StaleMessage`); one whose task another live worker runs comes back later
    (:class:`RunningElsewhere`). A write Gong cannot de-duplicate whose earlier attempt
    was sent with no outcome recorded is not sent again (:class:`Unverified`: needs review).
    """
    record = runtime.store.get(task_id)
    if record.status is TaskStatus.SUCCEEDED:
        log.info("task already succeeded; redelivery ignored", extra={"task_id": task_id})
        return record
    operation = get_operation(record.operation)
    attempt = runtime.store.mark_running(task_id, message_id, runner=worker_name())
    log.info("attempt %d of %s", attempt, operation.name, extra={"task_id": task_id})
    if record.write_sent and not operation.repeatable:
        raise Unverified(unrecorded_write_reason(record, operation.name), raw_answer=None)
    if runtime.store.connection_seen_inactive():
        raise NotConnected("no active connection seen in the last few seconds; waiting with the others")
    session = await runtime.sessions.get(runtime.settings.user_id)
    if operation.is_free_form:
        prompt = AskPayload.model_validate(record.payload).prompt
        runtime.limiter.check_budget()
        guard = PinGuard(
            operation, None, limiter=runtime.limiter, account=runtime.settings.composio_gong_account
        )
        access = tool_access(session, guard, runtime.settings)
        agent = build_ask_agent(access, runtime.settings.model)
        outcome = await run_checked(runtime, agent, prompt, access.evidence)
        settle_run(runtime, task_id, outcome, guard)
        answer = judge_free_form(outcome.evidence, str(outcome.final_output))
        result: Result = answer
        summary = answer.answer
    else:
        arguments = await planned_arguments(record, runtime.settings)
        plan = single_tool_plan(operation.slug, arguments)
        runtime.limiter.check_budget()
        guard = PinGuard(
            operation, arguments, limiter=runtime.limiter, account=runtime.settings.composio_gong_account
        )
        if not operation.repeatable:
            guard.on_send = lambda: runtime.store.mark_write_sent(task_id, attempt)
        access = tool_access(session, guard, runtime.settings)
        agent = build_typed_agent(operation.name, plan, access, runtime.settings.model)
        prompt = f"Run gongq task {task_id} ({operation.name})."
        outcome = await run_checked(runtime, agent, prompt, access.evidence)
        settle_run(runtime, task_id, outcome, guard)
        result = judge_typed(operation, arguments, outcome.evidence)
        summary = summary_of(operation, result)
        keep_erasure_ledger(runtime, record, arguments, result)
    finish(runtime, record, result, summary)
    return runtime.store.get(task_id)


def unrecorded_write_reason(record: TaskRecord, operation: str) -> str:
    """Why a write that may be in Gong is not sent again (with the evidence: which attempt, when)."""
    attempt, _, at = (record.write_sent or "").partition("@")
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(at))) if at else "an unknown time"
    return (
        f"attempt {attempt} sent this {operation} to Gong at {when} and its outcome was never "
        f"recorded (its worker stopped or lost Redis); Gong cannot de-duplicate {operation}, so "
        f"gongq does not send it again by itself: check Gong, then `gongq retry --force {record.id}`"
    )


def keep_erasure_ledger(
    runtime: Runtime, record: TaskRecord, arguments: dict[str, object], result: Result
) -> None:
    """An accepted erasure opens its ledger entry; a verification lookup settles one."""
    if record.operation in VERIFICATION and isinstance(result, ErasureResult):
        field = VERIFICATION[record.operation][1]
        runtime.ledger.record_request(record.operation, str(arguments[field]), record.id, result.request_id)
    if record.verifies is not None and isinstance(result, PrivacyDataResult):
        runtime.ledger.record_check(
            record.verifies, result.references_anything, record.operation, dict(record.payload)
        )


def finish(runtime: Runtime, record: TaskRecord, result: Result, summary: str) -> None:
    """Mark the task succeeded, keeping personal data only as tokens in payload, summary and
    result, whatever the lane: an ``ask`` answer or a list of users quotes addresses as surely
    as an erasure's result does, and a finished task is read by operators, not by Gong."""
    key = runtime.settings.pii_key.get_secret_value()
    stored = scrub(key, result.model_dump(mode="json"))
    runtime.store.mark_succeeded(
        record.id, stored, scrub_text(key, summary), payload=scrub(key, record.payload)
    )
