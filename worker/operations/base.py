"""The building blocks of the operation catalog: payload and result bases, field types, kinds.

A payload model says what a producer may enqueue for one Gong tool; its field aliases are the
Composio argument names (``filter__fromDate``, ``workspace__id``...), so ``to_arguments`` is a
plain dump by alias and no second mapping can drift from the models. This package imports only
pydantic, so producers and the webhook service validate payloads without the agent stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

# The field types of email addresses and phone numbers, re-exported with the other field types.
from worker.delivery import Lane as Lane
from worker.operations.identifiers import Email as Email
from worker.operations.identifiers import Phone as Phone

GONG_ID_PATTERN = r"^\d{1,20}$"


class OperationKind(StrEnum):
    """What an operation does to Gong; writing and destructive ones get pinned arguments."""

    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


class Payload(BaseModel):
    """Base of payload models: strict about unknown fields, accepts pythonic or Composio names."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)

    #: The Composio argument that carries a file (``{name, mimetype, s3key}`` once staged).
    file_argument: ClassVar[str | None] = None

    def to_arguments(self) -> dict[str, Any]:
        """The Composio tool arguments for this payload (Composio names, unset fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def for_task(self, task_id: str) -> Payload:
        """This payload with the task's stable defaults filled in (idempotency keys Gong
        de-duplicates on). The default has none; operations with such keys override it."""
        return self

    def file_source(self) -> str | None:
        """Where the file of a file-bearing operation is (URL or staged path); ``None`` if none."""
        return None


class NoArguments(Payload):
    """Tools that take no arguments at all."""


class Result(BaseModel):
    """Base of result models: Gong answers with more fields than we name, so extras are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class GongRecord(BaseModel):
    """An item Gong returns in a list: the fields we name are typed, the rest are kept as given."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class Records(Result):
    """Gong's cursor-pagination block; ``cursor`` is present only when more pages remain."""

    total_records: int = Field(alias="totalRecords")
    current_page_size: int = Field(alias="currentPageSize")
    current_page_number: int = Field(alias="currentPageNumber")
    cursor: str | None = None


class RequestResult(Result):
    """Gong's minimal success body: its request id (kept for support tickets and the audit)."""

    request_id: str = Field(alias="requestId")


class PagedResult(RequestResult):
    records: Records | None = None


#: Gong's numeric-string ids (calls, users, workspaces, profiles, folders): up to 20 digits.
GongId = Annotated[str, Field(pattern=GONG_ID_PATTERN)]
#: A date-time with an offset (Gong refuses naive ones), sent as ISO-8601.
GongDateTime = AwareDatetime
#: A plain ``YYYY-MM-DD`` date, as Gong's stats filters take (company time zone).
GongDate = Annotated[date, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
#: Gong's int64 ids (CRM integration): a JSON number, not a string.
Int64 = Annotated[int, Field(ge=0, lt=2**63)]


@dataclass(frozen=True)
class Operation:
    """One entry of the catalog."""

    name: str
    description: str
    slugs: tuple[str, ...]
    payload_model: type[Payload]
    result_model: type[Result]
    kind: OperationKind
    lane: Lane = Lane.DEFAULT
    #: The result field of a list operation for which Gong answers 404 ("No calls found...")
    #: instead of an empty list (gong-api.md): that 404 is a success with 0 items.
    empty_list: str | None = None
    #: Whether running it twice does no harm: a read, a write Gong de-duplicates (add_call's
    #: clientUniqueId, CRM clientRequestIds, engagement eventIds), or one that sets a state
    #: (erasures, access, updates, deletes). ``False`` for writes that create something anew
    #: each time (create_meeting...): an attempt that may have reached Gong is not run again
    #: by itself; the task waits in ``needs_review`` for an operator (``gongq retry --force``).
    repeatable: bool = True

    @property
    def is_free_form(self) -> bool:
        """Free-form operations let the agent choose tools; typed ones follow a fixed plan."""
        return not self.slugs

    @property
    def slug(self) -> str:
        """The one Composio tool a typed operation runs."""
        return self.slugs[0]


def operation(
    name: str,
    slug: str,
    payload: type[Payload],
    result: type[Result],
    kind: OperationKind,
    description: str,
    lane: Lane = Lane.DEFAULT,
    empty_list: str | None = None,
    repeatable: bool = True,
) -> Operation:
    """A typed single-tool catalog entry (every Gong operation is one Composio tool)."""
    if empty_list is not None and empty_list not in result.model_fields:
        raise ValueError(f"{name}: {empty_list!r} is not a field of {result.__name__}")
    return Operation(
        name=name,
        description=description,
        slugs=(slug,),
        payload_model=payload,
        result_model=result,
        kind=kind,
        lane=lane,
        empty_list=empty_list,
        repeatable=repeatable,
    )
