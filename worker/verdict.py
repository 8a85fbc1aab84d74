"""Deciding a task's outcome from evidence, never from the model's words.

A typed operation succeeded only if the planned Gong tool ran with exactly the planned
arguments and Gong answered with a body that validates against the operation's result model.
A Gong tool the plan did not name, or planned arguments changed by the model, make the task a
security violation (never retried). A failed run is classified by ``worker.failures`` from every
signal it carries. A write whose call ran but whose answer cannot be judged is
:class:`Unverified`: a second run could repeat the write, so an operator decides.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from worker.errors import NotConnected, Permanent, Retryable, SecurityViolation, TaskFailure, Unverified
from worker.evidence import Evidence, ToolExecution, changed_arguments
from worker.failures import NO_CONNECTION, FailureSignals, classify, gong_request_id, read_signals
from worker.operations import AskResult, Operation, Result
from worker.operations.base import OperationKind


def signals_of(execution: ToolExecution) -> FailureSignals:
    """Every failure signal of one tool run: its text, and status/body fields when present."""
    text = execution.error or f"{execution.slug} failed"
    return read_signals(text, execution.status_code, execution.retry_after, execution.data)


def failure_of(execution: ToolExecution) -> TaskFailure:
    """The error-hierarchy kind of one failed tool run (whole text kept as the reason)."""
    return classify(signals_of(execution))


def _check_pinned(operation: Operation, planned: dict[str, Any], evidence: Evidence) -> None:
    slug = operation.slug
    for execution in evidence.executions:
        if execution.slug != slug:
            raise SecurityViolation(f"agent ran {execution.slug}, which {operation.name} did not plan")
        if execution.arguments != planned:
            changed = changed_arguments(planned, execution.arguments)
            raise SecurityViolation(f"agent changed pinned arguments of {slug}: {', '.join(changed)}")


def _empty_list(
    operation: Operation, planned: dict[str, Any], execution: ToolExecution, signals: FailureSignals
) -> Result | None:
    """Gong's 404 for a list with nothing in it, read as the success it is (0 items)."""
    if operation.empty_list is None or execution.error is None or not signals.says_empty_list:
        return None
    field = operation.result_model.model_fields[operation.empty_list]
    body: dict[str, Any] = {
        "requestId": gong_request_id(execution.error) or execution.data.get("requestId") or "",
        field.alias or operation.empty_list: [],
    }
    try:
        return operation.result_model.model_validate({**planned, **body})
    except ValidationError:
        return None


def judge_typed(operation: Operation, planned: dict[str, Any], evidence: Evidence) -> Result:
    """The result of a typed operation, or the :class:`TaskFailure` that explains why there is none."""
    slug = operation.slug
    _check_pinned(operation, planned, evidence)
    runs = evidence.executions_of(slug)
    if not runs:
        detail = "; ".join(evidence.call_errors) or "no tool call was made"
        if NO_CONNECTION.search(detail):
            raise NotConnected(detail)
        raise Retryable(f"agent did not run {slug}: {detail}")
    successful = [run for run in runs if run.successful]
    if not successful:
        last = runs[-1]
        signals = signals_of(last)
        empty = _empty_list(operation, planned, last, signals)
        if empty is not None:
            return empty
        raise classify(signals)
    run = successful[-1]
    writes = operation.kind is not OperationKind.READ
    if run.offloaded:
        reason = (
            f"Composio saved Gong's answer to {slug} in a remote file (remote_file_info); "
            "gongq does not judge a preview"
        )
        raise Unverified(reason, run.raw) if writes else Permanent(reason)
    try:
        return operation.result_model.model_validate({**planned, **run.data})
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        reason = f"Gong's answer to {slug} lacks expected fields: {fields}"
        if writes:
            raise Unverified(f"{reason}; the write ran, review before retrying", run.raw) from exc
        raise Permanent(reason) from exc


def summary_of(operation: Operation, result: Result) -> str:
    """One line about what Gong did, read off the judged result (the evidence): how many items
    each list holds and the ids Gong gave. Not the model's sentence: it could only restate the
    answer, and reading the answer costs a model request and sends Gong's data to the model."""
    parts = []
    for name, value in result.model_dump(exclude_none=True).items():
        if isinstance(value, list):
            parts.append(f"{len(value)} {name}")
        elif (name == "id" or name.endswith("_id")) and isinstance(value, str | int) and value != "":
            parts.append(f"{name} {value}")
    return f"Gong ran {operation.slug}" + (f": {', '.join(parts)}" if parts else "")


def judge_free_form(evidence: Evidence, answer: str) -> AskResult:
    """A free-form answer stands unless every Gong call it made failed transiently."""
    if evidence.executions and not any(e.successful for e in evidence.executions):
        failure = failure_of(evidence.executions[-1])
        if isinstance(failure, Retryable | NotConnected):
            raise failure
    return AskResult(answer=answer, tools_used=evidence.tools_used)
