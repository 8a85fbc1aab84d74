"""Request and answer bodies of the webhook service, as pydantic models (they make /docs useful).

Every route answers with the same three lists, so a caller learns what became of each item it
sent without knowing which route it called: ``accepted`` (a new task), ``duplicates`` (the
idempotency key already named a task: a retry, or a repeated identifier) and ``ignored`` (sent
but deliberately not turned into a task, with the reason).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class TaskSubmission(BaseModel):
    """One task for POST /webhooks/tasks; the payload is checked against its operation's model."""

    model_config = ConfigDict(extra="forbid")

    operation: str = Field(min_length=1, description="An operation of the catalog (`gongq ops`).")
    payload: dict[str, Any] = Field(default_factory=dict, description="The operation's payload.")
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Same key, same task: a retried delivery never creates a second task.",
    )


#: Body of POST /webhooks/tasks: one submission or a list of them (all validated before any is stored).
TaskSubmissions = Annotated[list[TaskSubmission], Field(min_length=1, max_length=1000)]


class TaskRef(BaseModel):
    """One item that names a task: the new task, or the one an idempotency key already named."""

    task_id: str | None
    operation: str
    idempotency_key: str | None = None
    event_id: str | None = Field(default=None, description="HubSpot eventId the task came from.")
    line: int | None = Field(default=None, description="Line of the erasure list the task came from.")
    published: bool | None = Field(
        default=None,
        description="On a duplicate: true when its task had never been sent (its sender died before "
        "publishing it) and this request sent it.",
    )


class Ignored(BaseModel):
    """An item that was received and verified but maps to no task."""

    reason: str
    event_id: str | None = None
    subscription_type: str | None = None


class RejectedLine(BaseModel):
    """A row of an erasure list that could not be used, with its 1-based line number."""

    line: int
    value: str
    reason: str


class WebhookAnswer(BaseModel):
    """The 2xx answer of every route."""

    accepted: list[TaskRef] = Field(default_factory=list)
    duplicates: list[TaskRef] = Field(default_factory=list)
    ignored: list[Ignored] = Field(default_factory=list)
    replayed: bool | None = Field(
        default=None,
        description="True when this exact signed request was accepted before: nothing was enqueued "
        "and the first answer is repeated, its tasks listed as duplicates.",
    )


class ErasureAnswer(WebhookAnswer):
    """POST /erasures: the webhook answer plus the batch (for `gongq batch`) and the rejected rows."""

    batch_id: str | None = Field(description="Follow it with `gongq batch <id>`; null in a dry run.")
    dry_run: bool = False
    rejected: list[RejectedLine] = Field(default_factory=list)


class Problem(BaseModel):
    """Error body of 400/401/413/422/503 answers: a sentence naming what is wrong, and details."""

    detail: str
    errors: list[dict[str, Any]] | None = None
