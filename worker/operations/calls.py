"""Calls: create calls and their media, read calls, transcripts and CRM links, manage call access."""

from __future__ import annotations

from typing import Any

from pydantic import AnyHttpUrl, Field, model_validator

from worker.operations.base import (
    Email,
    GongDateTime,
    GongId,
    GongRecord,
    OperationKind,
    PagedResult,
    Payload,
    Phone,
    RequestResult,
    Result,
    operation,
)

# --- add_call -------------------------------------------------------------------------------


class CallParty(Payload):
    """A participant of a call, as Gong's add-call ``parties`` item."""

    user_id: GongId | None = Field(default=None, alias="userId")
    email_address: Email | None = Field(default=None, alias="emailAddress")
    name: str | None = None
    phone_number: Phone | None = Field(default=None, alias="phoneNumber")
    media_channel_id: int | None = Field(default=None, alias="mediaChannelId", ge=0, le=1)


class AddCallPayload(Payload):
    """A new call and its recording. The media travels by reference (``media_url``) only:
    Gong downloads it itself, so the bytes never cross the broker or a model prompt."""

    title: str = Field(min_length=1, max_length=255)
    actual_start: GongDateTime = Field(alias="actualStart")
    primary_user: GongId = Field(alias="primaryUser")
    direction: str = Field(default="Outbound", pattern="^(Inbound|Outbound|Conference|Unknown)$")
    parties: tuple[CallParty, ...] = ()
    media_url: AnyHttpUrl = Field(alias="downloadMediaUrl")
    duration: int | None = Field(default=None, ge=0)
    purpose: str | None = Field(default=None, max_length=255)
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")
    language_code: str | None = Field(default=None, alias="languageCode", pattern=r"^[a-z]{2}-[A-Z]{2}$")
    client_unique_id: str | None = Field(default=None, alias="clientUniqueId", max_length=2048)

    def to_arguments(self) -> dict[str, Any]:
        """Gong requires the primary user among the parties; add them when the producer did not."""
        arguments = super().to_arguments()
        parties = list(arguments.get("parties", []))
        if not any(party.get("userId") == self.primary_user for party in parties):
            parties.insert(0, {"userId": self.primary_user})
        arguments["parties"] = parties
        return arguments

    def for_task(self, task_id: str) -> AddCallPayload:
        """A redelivered task must never create a second call: Gong de-duplicates on this id."""
        if self.client_unique_id is not None:
            return self
        return self.model_copy(update={"client_unique_id": f"gongq-{task_id}"})


class AddCallResult(Result):
    """``request_id`` is None only when a redelivered attempt found the call an earlier attempt
    of the same task had created (Gong's 409 on our clientUniqueId): that answer has no id."""

    request_id: str | None = Field(alias="requestId")
    call_id: str = Field(alias="callId")
    client_unique_id: str = Field(alias="clientUniqueId")


# --- add_call_media -------------------------------------------------------------------------


class AddCallMediaPayload(Payload):
    """A recording for an existing call, given by reference: an http(s) URL or a path on a
    volume the workers share. The worker stages it with Composio's file storage and the agent
    only ever sees the storage key."""

    file_argument = "mediaFile"

    call_id: GongId = Field(alias="id")
    media_url: AnyHttpUrl | None = Field(default=None, alias="mediaUrl")
    media_path: str | None = Field(default=None, alias="mediaPath", min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> AddCallMediaPayload:
        if (self.media_url is None) == (self.media_path is None):
            raise ValueError("give exactly one of mediaUrl or mediaPath")
        return self

    def to_arguments(self) -> dict[str, Any]:
        return {"id": self.call_id}

    def file_source(self) -> str:
        return str(self.media_url) if self.media_url is not None else str(self.media_path)


class AddCallMediaResult(Result):
    request_id: str = Field(alias="requestId")
    call_id: str = Field(alias="callId")
    url: str | None = None


# --- reading calls --------------------------------------------------------------------------


class CallRecord(GongRecord):
    """A basic call object (``GET /v2/calls`` item)."""

    id: str
    title: str | None = None
    started: str | None = None
    primary_user_id: str | None = Field(default=None, alias="primaryUserId")


class ListCallsPayload(Payload):
    from_date_time: GongDateTime = Field(alias="fromDateTime")
    to_date_time: GongDateTime = Field(alias="toDateTime")
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")
    cursor: str | None = None


class ListCallsResult(PagedResult):
    calls: list[CallRecord]


class GetCallPayload(Payload):
    call_id: GongId = Field(alias="id")


class GetCallResult(RequestResult):
    call: CallRecord


class CallDetailsPayload(Payload):
    """``/v2/calls/extensive``: which calls (filter) and which parts of them (content selector)."""

    from_date_time: GongDateTime | None = Field(default=None, alias="filter__fromDateTime")
    to_date_time: GongDateTime | None = Field(default=None, alias="filter__toDateTime")
    workspace_id: GongId | None = Field(default=None, alias="filter__workspaceId")
    call_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__callIds", min_length=1)
    primary_user_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__primaryUserIds")
    context: str | None = Field(
        default=None, alias="contentSelector__context", pattern="^(None|Basic|Extended)$"
    )
    parties: bool | None = Field(default=None, alias="contentSelector__exposedFields__parties")
    media: bool | None = Field(default=None, alias="contentSelector__exposedFields__media")
    topics: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__topics")
    trackers: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__trackers")
    brief: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__brief")
    key_points: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__keyPoints")
    outline: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__outline")
    highlights: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__highlights")
    call_outcome: bool | None = Field(
        default=None, alias="contentSelector__exposedFields__content__callOutcome"
    )
    structure: bool | None = Field(default=None, alias="contentSelector__exposedFields__content__structure")
    speakers: bool | None = Field(default=None, alias="contentSelector__exposedFields__interaction__speakers")
    questions: bool | None = Field(
        default=None, alias="contentSelector__exposedFields__interaction__questions"
    )
    public_comments: bool | None = Field(
        default=None, alias="contentSelector__exposedFields__collaboration__publicComments"
    )
    cursor: str | None = None


class CallDetails(GongRecord):
    meta_data: CallRecord = Field(alias="metaData")


class CallDetailsResult(PagedResult):
    calls: list[CallDetails]


class TranscriptsPayload(Payload):
    from_date_time: GongDateTime | None = Field(default=None, alias="filter__fromDateTime")
    to_date_time: GongDateTime | None = Field(default=None, alias="filter__toDateTime")
    workspace_id: GongId | None = Field(default=None, alias="filter__workspaceId")
    call_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__callIds", min_length=1)
    cursor: str | None = None


class CallTranscript(GongRecord):
    call_id: str = Field(alias="callId")
    transcript: list[GongRecord]


class TranscriptsResult(PagedResult):
    call_transcripts: list[CallTranscript] = Field(alias="callTranscripts")


class ManualCrmAssociationsPayload(Payload):
    from_date_time: GongDateTime | None = Field(default=None, alias="fromDateTime")
    cursor: str | None = None


class ManualCrmAssociationsResult(PagedResult):
    associations: list[GongRecord] = Field(default_factory=list)


# --- call access ----------------------------------------------------------------------------


class CallAccess(Payload):
    """Users who get (or lose) API-granted access to one call."""

    call_id: GongId = Field(alias="callId")
    user_ids: tuple[GongId, ...] = Field(alias="userIds", min_length=1)


class CallAccessListPayload(Payload):
    call_access_list: tuple[CallAccess, ...] = Field(alias="callAccessList", min_length=1)


class ListCallAccessPayload(Payload):
    call_ids: tuple[GongId, ...] = Field(alias="filter__callIds", min_length=1)


class ListCallAccessResult(RequestResult):
    call_access_list: list[GongRecord] = Field(alias="callAccessList")


R, W, D = OperationKind.READ, OperationKind.WRITE, OperationKind.DESTRUCTIVE

OPERATIONS = (
    operation(
        "add_call",
        "GONG_ADD_NEW_CALL_V2_CALLS",
        AddCallPayload,
        AddCallResult,
        W,
        "Create a call in Gong with its recording (Gong downloads the media URL).",
    ),
    operation(
        "add_call_media",
        "GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA",
        AddCallMediaPayload,
        AddCallMediaResult,
        W,
        "Upload the recording of an existing call from a URL or a staged file.",
        repeatable=False,
    ),
    operation(
        "list_calls",
        "GONG_RETRIEVE_CALL_DATA_BY_DATE_RANGE_V2_CALLS",
        ListCallsPayload,
        ListCallsResult,
        R,
        "List calls that started in a date-time range.",
        empty_list="calls",
    ),
    operation(
        "get_call",
        "GONG_RETRIEVE_DATA_FOR_A_SPECIFIC_CALL_V2_CALLS_ID",
        GetCallPayload,
        GetCallResult,
        R,
        "Get one call's basic data.",
    ),
    operation(
        "get_call_details",
        "GONG_RETRIEVE_FILTERED_CALL_DETAILS",
        CallDetailsPayload,
        CallDetailsResult,
        R,
        "Get calls with parties, content, interaction and media as selected.",
        empty_list="calls",
    ),
    operation(
        "get_transcripts",
        "GONG_RETRIEVE_TRANSCRIPTS_OF_CALLS_V2_CALLS_TRANSCRIPT",
        TranscriptsPayload,
        TranscriptsResult,
        R,
        "Get the transcripts of calls by id or date range.",
        empty_list="call_transcripts",
    ),
    operation(
        "list_manual_crm_associations",
        "GONG_RETRIEVE_MANUAL_CRM_CALL_ASSOCIATIONS",
        ManualCrmAssociationsPayload,
        ManualCrmAssociationsResult,
        R,
        "List calls users associated with CRM accounts and deals by hand.",
    ),
    operation(
        "set_call_access",
        "GONG_SET_USER_CALL_ACCESS",
        CallAccessListPayload,
        RequestResult,
        W,
        "Give users access to calls.",
    ),
    operation(
        "list_call_access",
        "GONG_MANAGE_USER_CALL_ACCESS",
        ListCallAccessPayload,
        ListCallAccessResult,
        R,
        "List users with API-granted access to calls.",
    ),
    operation(
        "remove_call_access",
        "GONG_DELETE_USERS_FROM_CALL_ACCESS_LIST",
        CallAccessListPayload,
        RequestResult,
        D,
        "Remove API-granted call access from users.",
    ),
)
