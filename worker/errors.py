"""The one error hierarchy of gongq.

Every failure a task can meet is one of two kinds, and the retry policy (declared once, in
``worker.tasks``) looks only at the kind: :class:`Retryable` failures are tried again no earlier
than their ``retry_after``; :class:`Permanent` failures go to the dead letter at once.
"""

from __future__ import annotations


class GongqError(Exception):
    """Base of every error gongq raises on purpose."""


class ConfigurationError(GongqError):
    """The settings cannot work (e.g. placeholder secrets outside sandbox mode)."""


class TaskFailure(GongqError):
    """A task attempt failed; subclasses say whether trying again can help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retryable(TaskFailure):
    """Transient: Gong 429/5xx, model-provider 429/5xx, timeouts, transport errors."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, refused_by_gong: bool = False
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        #: Gong answered 429: it did nothing, so even a write it cannot de-duplicate may run again.
        self.refused_by_gong = refused_by_gong


class BudgetExhausted(Retryable):
    """Gong's daily request budget is spent; nothing can run before ``reset_at`` (epoch, UTC midnight).

    A Retryable, because the task is fine, but the retry policy defers it to ``reset_at`` through
    the ``deferred`` sorted set instead of a Celery countdown: a countdown of hours would outlive
    the broker's visibility timeout and be redelivered early.
    """

    def __init__(self, reset_at: float) -> None:
        super().__init__(f"Gong daily request budget spent until {reset_at:.0f}", retry_after=None)
        self.reset_at = reset_at


class ToolRouterUnreachable(Retryable):
    """The Tool Router's MCP server could not be reached or refused the connection. The MCP
    client (and a hosted provider's 424) may hide the HTTP status, so the runner asks Composio
    over REST whether the key still works before retrying (a refused key parks the task)."""


class Unclassified(Retryable):
    """A failure no signal classifies (no status, no known wording): retried, but only
    ``unclassified_max_attempts`` times, and dead-lettered with its whole text."""


class Permanent(TaskFailure):
    """Trying again cannot help: validation errors, other 4xx, guard refusals."""


class Parked(TaskFailure):
    """The task cannot run until something outside it changes; it uses no attempt.

    Parked tasks wait in the ``parked`` set with their ``cause`` and run again when that cause
    is cleared (a Gong connection becomes active, the worker starts with working keys), or when
    an operator says so (``gongq retry``).
    """

    cause = "parked"


class NotConnected(Parked):
    """The Composio user id has no active Gong connection: a person must finish the OAuth page."""

    cause = "connection"

    def __init__(self, detail: str) -> None:
        super().__init__(f"Gong is not connected for this Composio user ({detail}); run `gongq connect`")
        self.detail = detail


class ConfigurationProblem(Parked):
    """A key was refused or an endpoint is misconfigured: no retry can fix it, an operator must.

    ``setting`` names the setting to fix, so the message says exactly what to change.
    """

    cause = "configuration"

    def __init__(self, reason: str, setting: str) -> None:
        super().__init__(f"{reason}; check {setting}")
        self.setting = setting


class Unverified(TaskFailure):
    """A write reached Gong (its call ran) but the answer could not be judged: it did not
    validate, or Composio offloaded it to a remote file. Never retried automatically, since a
    second run could repeat the write; kept with the raw answer for an operator to review."""

    def __init__(self, reason: str, raw_answer: object) -> None:
        super().__init__(reason)
        self.raw_answer = raw_answer


class SecurityViolation(Permanent):
    """The agent tried a call the operation did not ask for; refused and never retried."""


class UnknownOperation(Permanent):
    """A producer named an operation that is not in the catalog."""


class CorruptRecord(GongqError):
    """A task record that cannot be decoded (a field missing or unreadable): the worker
    dead-letters the task with this reason, every CLI command shows it on one line."""

    def __init__(self, task_id: str, problem: str) -> None:
        super().__init__(f"task {task_id} has a corrupt record: {problem}")
        self.task_id = task_id
        self.problem = problem


class DeadLettered(GongqError):
    """What the Celery task raises once gongq has dead-lettered a task, so Celery records it
    as FAILURE (Flower, the result backend) instead of a green SUCCESS.

    Raised only after the policy has written the dead letter: it is an outcome, not a failure to
    classify, hence no :class:`TaskFailure`. Its one argument is the dead letter's reason with
    personal data as tokens (Gong's messages can quote addresses; Celery copies the message
    into the task-failed event and the result backend), so it pickles and JSON-serialises as
    one string and Celery rebuilds it from that. The task declares it in ``throws``: Celery logs
    it in one line, without a traceback, and acks the message as for any failure.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StaleMessage(GongqError):
    """A broker message that is no longer the task's newest (the sweeper published another):
    acknowledged and dropped, so one task never runs from two messages."""


class RunningElsewhere(GongqError):
    """Another worker that still looks alive (its heartbeat has not lapsed) runs the task: this
    message comes back once that heartbeat could have lapsed, rather than run it a second time
    or be dropped (the other worker may have just died)."""

    def __init__(self, task_id: str, runner: str) -> None:
        super().__init__(f"task {task_id} is running on {runner}, which looks alive")
        self.runner = runner


class UnknownTask(GongqError):
    """No task record exists under the given id."""
