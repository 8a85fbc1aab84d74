"""Gong meetings (a limited-release API) and the meeting-integration status of users."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from worker.operations.base import (
    Email,
    GongDateTime,
    GongId,
    GongRecord,
    OperationKind,
    Payload,
    RequestResult,
    Result,
    operation,
)


class Invitee(Payload):
    email: Email
    display_name: str | None = Field(default=None, alias="displayName")
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")


class MeetingPayload(Payload):
    """A meeting as Gong creates it; an update replaces all of these fields."""

    start_time: GongDateTime = Field(alias="startTime")
    end_time: GongDateTime = Field(alias="endTime")
    organizer_email: Email = Field(alias="organizerEmail")
    invitees: tuple[Invitee, ...] = Field(min_length=1)
    title: str | None = Field(default=None, max_length=255)
    external_id: str | None = Field(default=None, alias="externalId")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_time >= self.end_time:
            raise ValueError("startTime must be before endTime")
        return self


class CreateMeetingResult(RequestResult):
    meeting_id: str = Field(alias="meetingId")
    meeting_url: str | None = Field(default=None, alias="meetingUrl")
    additional_invitees: list[GongRecord] = Field(default_factory=list, alias="additionalInvitees")


class UpdateMeetingPayload(MeetingPayload):
    meeting_id: GongId = Field(alias="meetingId")


class UpdateMeetingResult(RequestResult):
    meeting_id: str = Field(alias="meetingId")


class DeleteMeetingPayload(Payload):
    meeting_id: GongId = Field(alias="meetingId")
    organizer_email: Email = Field(alias="organizerEmail")


class DeleteMeetingResult(Result):
    """Gong's delete answer echoes the organizer and, unusually, carries no request id."""

    organizer_email: str | None = Field(default=None, alias="organizerEmail")


class IntegrationStatusPayload(Payload):
    emails: tuple[Email, ...] = Field(min_length=1, max_length=100)


class IntegrationStatusResult(RequestResult):
    users: list[GongRecord]


OPERATIONS = (
    operation(
        "create_meeting",
        "GONG_CREATE_A_NEW_GONG_MEETING_V2_MEETINGS",
        MeetingPayload,
        CreateMeetingResult,
        OperationKind.WRITE,
        "Schedule a Gong meeting with invitees.",
        repeatable=False,
    ),
    operation(
        "update_meeting",
        "GONG_UPDATE_A_GONG_MEETING_V2_MEETINGS_MEETING_ID",
        UpdateMeetingPayload,
        UpdateMeetingResult,
        OperationKind.WRITE,
        "Replace a Gong meeting's time, invitees and title.",
    ),
    operation(
        "delete_meeting",
        "GONG_DELETE_A_GONG_MEETING_V2_MEETINGS",
        DeleteMeetingPayload,
        DeleteMeetingResult,
        OperationKind.DESTRUCTIVE,
        "Delete a Gong meeting.",
    ),
    operation(
        "meeting_integration_status",
        "GONG_POST_MEETING_INTEGRATION_STATUS",
        IntegrationStatusPayload,
        IntegrationStatusResult,
        OperationKind.READ,
        "Check whether users' calendars are integrated with Gong meetings.",
    ),
)
