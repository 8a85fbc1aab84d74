"""The operation catalog: what producers may enqueue and what a task stores as its result.

For each operation: a name, the Composio tool slug(s) it runs, a pydantic payload model (what
producers validate before enqueueing), a result model (what the worker stores), its kind (read,
write or destructive) and its priority lane. This module imports only pydantic, so producers
and the webhook service can validate payloads without loading Celery or the agent stack.

Payload field names are pythonic; each carries the Composio/Gong argument name as its alias,
and producers may send either form. ``to_arguments`` turns a payload into Composio arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field

from worker.errors import UnknownOperation

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
E164_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")
GONG_ID_PATTERN = r"^\d{1,20}$"


class OperationKind(StrEnum):
    """What an operation does to Gong; destructive operations get pinned arguments."""

    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"


class Lane(StrEnum):
    """Celery queues; workers consume ``privacy`` first so erasures are never stuck behind bulk work."""

    PRIVACY = "privacy"
    DEFAULT = "default"


class Payload(BaseModel):
    """Base of payload models: strict about unknown fields, accepts pythonic or Gong names."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def to_arguments(self) -> dict[str, Any]:
        """The Composio tool arguments for this payload (Gong names, unset fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Result(BaseModel):
    """Base of result models: Gong answers with more fields than we keep, so extras are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _normalized_email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValueError(f"not an email address: {value!r}")
    return email


def _normalized_phone(value: str) -> str:
    digits = re.sub(r"[\s().-]", "", value.strip())
    if not E164_PATTERN.match(digits):
        raise ValueError(f"not an E.164 phone number (+ and 7-15 digits): {value!r}")
    return digits


#: An email address, trimmed and lower-cased; invalid ones fail validation with the value.
Email = Annotated[str, AfterValidator(_normalized_email)]
#: A phone number in E.164 form (separators removed); anything else fails validation.
Phone = Annotated[str, AfterValidator(_normalized_phone)]


# --- add_call -------------------------------------------------------------------------------


class CallParty(Payload):
    """A participant of a call, as Gong's add-call ``parties`` item."""

    user_id: str | None = Field(default=None, alias="userId", pattern=GONG_ID_PATTERN)
    email_address: Email | None = Field(default=None, alias="emailAddress")
    name: str | None = None
    phone_number: Phone | None = Field(default=None, alias="phoneNumber")


class AddCallPayload(Payload):
    """A new call and its recording. The media travels by reference (``media_url``) only:
    Gong downloads it itself, so the bytes never cross the broker or a model prompt."""

    title: str = Field(min_length=1, max_length=255)
    actual_start: datetime = Field(alias="actualStart")
    primary_user: str = Field(alias="primaryUser", pattern=GONG_ID_PATTERN)
    direction: str = Field(default="Outbound", pattern="^(Inbound|Outbound|Conference|Unknown)$")
    parties: tuple[CallParty, ...] = ()
    media_url: AnyHttpUrl = Field(alias="downloadMediaUrl")
    duration: int | None = Field(default=None, ge=0)
    client_unique_id: str | None = Field(default=None, alias="clientUniqueId", max_length=2048)

    def to_arguments(self) -> dict[str, Any]:
        """Gong requires the primary user among the parties; add them when the producer did not."""
        arguments = super().to_arguments()
        parties = list(arguments.get("parties", []))
        if not any(party.get("userId") == self.primary_user for party in parties):
            parties.insert(0, {"userId": self.primary_user})
        arguments["parties"] = parties
        return arguments


class AddCallResult(Result):
    request_id: str = Field(alias="requestId")
    call_id: str = Field(alias="callId")
    client_unique_id: str = Field(alias="clientUniqueId")


# --- erasures -------------------------------------------------------------------------------


class EraseEmailPayload(Payload):
    email_address: Email = Field(alias="emailAddress")


class ErasePhonePayload(Payload):
    phone_number: Phone = Field(alias="phoneNumber")


class ErasureResult(Result):
    """Gong accepted the erasure; it completes asynchronously (hours on the real service)."""

    request_id: str = Field(alias="requestId")


# --- assign_prospects -----------------------------------------------------------------------


class AssignProspectsPayload(Payload):
    crm_prospects_ids: tuple[str, ...] = Field(alias="crmProspectsIds", min_length=1, max_length=200)
    flow_id: str = Field(alias="flowId", min_length=1)
    flow_instance_owner_email: Email = Field(alias="flowInstanceOwnerEmail")


class AssignedProspect(Result):
    crm_prospect_id: str = Field(alias="crmProspectId")
    flow_id: str = Field(alias="flowId")
    flow_instance_id: str | None = Field(default=None, alias="flowInstanceId")
    flow_instance_status: str | None = Field(default=None, alias="flowInstanceStatus")


class NotAssignedProspect(Result):
    crm_prospect_id: str = Field(alias="crmProspectId")
    error_code: str = Field(alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")


class AssignProspectsResult(Result):
    """Gong reports partial failures inside a 200; both lists are kept per prospect."""

    request_id: str = Field(alias="requestId")
    assigned: list[AssignedProspect] = Field(default_factory=list, alias="prospectsAssigned")
    not_assigned: list[NotAssignedProspect] = Field(default_factory=list, alias="prospectsNotAssigned")


# --- list_users -----------------------------------------------------------------------------


class ListUsersPayload(Payload):
    include_avatars: bool | None = Field(default=None, alias="includeAvatars")


class GongUser(Result):
    id: str
    email_address: str | None = Field(default=None, alias="emailAddress")
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    title: str | None = None
    active: bool | None = None


class ListUsersResult(Result):
    request_id: str = Field(alias="requestId")
    users: list[GongUser]


# --- ask ------------------------------------------------------------------------------------


class AskPayload(Payload):
    """A free-form request, as typed into the guide's chat."""

    prompt: str = Field(min_length=1, max_length=4000)


class AskResult(Result):
    answer: str
    tools_used: list[str] = Field(default_factory=list)


# --- the catalog ----------------------------------------------------------------------------


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

    @property
    def is_free_form(self) -> bool:
        """Free-form operations let the agent choose tools; typed ones follow a fixed plan."""
        return not self.slugs


CATALOG: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            name="add_call",
            description="Create a call in Gong and attach its recording (Gong downloads the media URL).",
            slugs=("GONG_ADD_NEW_CALL_V2_CALLS",),
            payload_model=AddCallPayload,
            result_model=AddCallResult,
            kind=OperationKind.WRITE,
        ),
        Operation(
            name="erase_email",
            description="Erase all Gong data for an email address (data-privacy erasure).",
            slugs=("GONG_ERASE_DATA_FOR_EMAIL_ADDRESS",),
            payload_model=EraseEmailPayload,
            result_model=ErasureResult,
            kind=OperationKind.DESTRUCTIVE,
            lane=Lane.PRIVACY,
        ),
        Operation(
            name="erase_phone",
            description="Erase all Gong data for a phone number (data-privacy erasure).",
            slugs=("GONG_ERASE_DATA_FOR_PHONE_NUMBER",),
            payload_model=ErasePhonePayload,
            result_model=ErasureResult,
            kind=OperationKind.DESTRUCTIVE,
            lane=Lane.PRIVACY,
        ),
        Operation(
            name="assign_prospects",
            description="Assign CRM prospects to a Gong Engage flow; unassigned ones are reported.",
            slugs=("GONG_ASSIGN_PROSPECTS_TO_FLOW",),
            payload_model=AssignProspectsPayload,
            result_model=AssignProspectsResult,
            kind=OperationKind.WRITE,
        ),
        Operation(
            name="list_users",
            description="List the company's Gong users.",
            slugs=("GONG_LIST_ALL_USERS_V2_USERS",),
            payload_model=ListUsersPayload,
            result_model=ListUsersResult,
            kind=OperationKind.READ,
        ),
        Operation(
            name="ask",
            description="A free-form request in plain language; the agent picks the Gong tools.",
            slugs=(),
            payload_model=AskPayload,
            result_model=AskResult,
            kind=OperationKind.READ,
        ),
    )
}


def get_operation(name: str) -> Operation:
    """The catalog entry for ``name``; unknown names are a permanent, clearly worded error."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise UnknownOperation(f"unknown operation {name!r}; known operations: {known}") from None
