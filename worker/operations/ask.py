"""``ask``: a free-form request in plain language; the agent chooses the Gong tools."""

from __future__ import annotations

from pydantic import Field

from worker.operations.base import Operation, OperationKind, Payload, Result


class AskPayload(Payload):
    """A free-form request, as typed into the guide's chat."""

    prompt: str = Field(min_length=1, max_length=4000)


class AskResult(Result):
    answer: str
    tools_used: list[str] = Field(default_factory=list)


OPERATIONS = (
    Operation(
        name="ask",
        description="A free-form request in plain language; the agent picks the Gong tools.",
        slugs=(),
        payload_model=AskPayload,
        result_model=AskResult,
        kind=OperationKind.READ,
    ),
)
