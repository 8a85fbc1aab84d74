"""Deciding a task's outcome from evidence, never from the model's words.

A typed operation succeeded only if the planned Gong tool ran with exactly the planned
arguments and Gong answered with a body that validates against the operation's result model.
A Gong tool the plan did not name, or planned arguments changed by the model, make the task a
security violation (never retried).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from worker.errors import Permanent, Retryable, SecurityViolation
from worker.evidence import Evidence, ToolExecution
from worker.operations import AskResult, Operation, Result


def _failure(execution: ToolExecution) -> Retryable | Permanent:
    """Gong 429 and 5xx (or an unknown status) are transient; other answers are final."""
    status = execution.status_code
    reason = execution.error or f"{execution.slug} failed"
    if status is None or status == 429 or status >= 500:
        return Retryable(reason, retry_after=execution.retry_after)
    return Permanent(reason)


def judge_typed(operation: Operation, planned: dict[str, Any], evidence: Evidence) -> Result:
    """The result of a typed operation, or the :class:`TaskFailure` that explains why there is none."""
    slug = operation.slugs[0]
    for execution in evidence.executions:
        if execution.slug != slug:
            raise SecurityViolation(f"agent ran {execution.slug}, which {operation.name} did not plan")
        if execution.arguments != planned:
            changed = sorted(
                k
                for k in set(planned) | set(execution.arguments)
                if planned.get(k) != execution.arguments.get(k)
            )
            raise SecurityViolation(f"agent changed pinned arguments of {slug}: {', '.join(changed)}")
    runs = evidence.executions_of(slug)
    if not runs:
        detail = "; ".join(evidence.call_errors) or "no tool call was made"
        raise Retryable(f"agent did not run {slug}: {detail}")
    successful = [run for run in runs if run.successful]
    if not successful:
        raise _failure(runs[-1])
    try:
        return operation.result_model.model_validate({**planned, **successful[-1].data})
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        raise Permanent(f"Gong's answer to {slug} lacks expected fields: {fields}") from exc


def judge_free_form(evidence: Evidence, answer: str) -> AskResult:
    """A free-form answer stands unless every Gong call it made failed transiently."""
    if evidence.executions and not any(e.successful for e in evidence.executions):
        failure = _failure(evidence.executions[-1])
        if isinstance(failure, Retryable):
            raise failure
    return AskResult(answer=answer, tools_used=evidence.tools_used)
