"""Customer engagement: content viewed and shared, custom actions and digital interactions.

Gong refuses an ``eventId`` it has seen (409), so each event gets one derived from the task
when the producer gives none: a redelivered task can never report the same event twice.
"""

from __future__ import annotations

from typing import Self

from pydantic import AnyHttpUrl, Field, model_validator

from worker.operations.base import (
    Email,
    GongDateTime,
    GongId,
    OperationKind,
    Payload,
    Phone,
    RequestResult,
    operation,
)


class EventPayload(Payload):
    """Fields every engagement event shares."""

    event_id: str | None = Field(default=None, alias="eventId", min_length=1, max_length=255)

    def for_task(self, task_id: str) -> Self:
        if self.event_id is not None:
            return self
        return self.model_copy(update={"event_id": f"gongq-{task_id}"})


class ContentEventPayload(EventPayload):
    reporting_system: str = Field(alias="reportingSystem", min_length=1)
    event_timestamp: GongDateTime = Field(alias="eventTimestamp")
    content_id: str = Field(alias="contentId", min_length=1)
    content_url: AnyHttpUrl = Field(alias="contentUrl")
    content_title: str = Field(alias="contentTitle", min_length=1)
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")
    action_name: str | None = Field(default=None, alias="actionName")
    share_id: str | None = Field(default=None, alias="shareId")


class ContentViewedPayload(ContentEventPayload):
    view_action_title: str | None = Field(default=None, alias="viewActionTitle")
    view_info_url: AnyHttpUrl | None = Field(default=None, alias="viewInfoUrl")
    viewer_email: Email | None = Field(default=None, alias="viewer__email")
    viewer_name: str | None = Field(default=None, alias="viewer__name")
    viewer_title: str | None = Field(default=None, alias="viewer__title")


class Recipient(Payload):
    email: Email
    name: str | None = None
    title: str | None = None


class ContentSharedPayload(ContentEventPayload):
    share_info_url: AnyHttpUrl | None = Field(default=None, alias="shareInfoUrl")
    sharing_message_subject: str | None = Field(default=None, alias="sharingMessageSubject")
    sharing_message_body: str | None = Field(default=None, alias="sharingMessageBody")
    sharer_id: GongId | None = Field(default=None, alias="sharer__id")
    sharer_email: Email | None = Field(default=None, alias="sharer__email")
    sharer_name: str | None = Field(default=None, alias="sharer__name")
    recipients: tuple[Recipient, ...] | None = None


class CustomActionPayload(EventPayload):
    reporting_system: str = Field(alias="reportingSystem", min_length=1)
    event_timestamp: GongDateTime = Field(alias="eventTimestamp")
    action_name: str | None = Field(default=None, alias="actionName")
    content_id: str | None = Field(default=None, alias="contentId")
    content_url: AnyHttpUrl | None = Field(default=None, alias="contentUrl")
    content_title: str | None = Field(default=None, alias="contentTitle")
    event_info_url: AnyHttpUrl | None = Field(default=None, alias="eventInfoUrl")
    actor_email: Email | None = Field(default=None, alias="actor__email")
    actor_name: str | None = Field(default=None, alias="actor__name")
    actor_title: str | None = Field(default=None, alias="actor__title")
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")


class DigitalInteractionPayload(EventPayload):
    """A visit, click or search on a digital asset; the person may be anonymous but must be
    identifiable by an id, an email or their company's domain."""

    timestamp: GongDateTime
    event_type: str = Field(alias="eventType", min_length=1)
    content_title: str = Field(alias="content__contentTitle", min_length=1)
    content_id: str | None = Field(default=None, alias="content__contentId")
    content_url: AnyHttpUrl | None = Field(default=None, alias="content__contentUrl")
    person_name: str | None = Field(default=None, alias="person__name")
    person_email: Email | None = Field(default=None, alias="person__email")
    person_phone_number: Phone | None = Field(default=None, alias="person__phoneNumber")
    person_id: str | None = Field(default=None, alias="person__personId")
    company_name: str | None = Field(default=None, alias="person__company__name")
    company_domain: str | None = Field(default=None, alias="person__company__domain")
    source_system_name: str | None = Field(default=None, alias="sourceSystemName")
    session_id: str | None = Field(default=None, alias="sessionId")
    device: str | None = Field(default=None, pattern="^(MOBILE|PC)$")

    @model_validator(mode="after")
    def _identifiable(self) -> Self:
        if not (self.person_email or self.person_id or self.company_domain):
            raise ValueError("person needs person__email, person__personId or person__company__domain")
        return self


W = OperationKind.WRITE

OPERATIONS = (
    operation(
        "report_content_viewed",
        "GONG_REPORT_CONTENT_VIEWED_EVENT",
        ContentViewedPayload,
        RequestResult,
        W,
        "Report that a prospect viewed shared content.",
    ),
    operation(
        "report_content_shared",
        "GONG_UPDATE_SHARED_CONTENT_EVENT",
        ContentSharedPayload,
        RequestResult,
        W,
        "Report that a user shared content with prospects.",
    ),
    operation(
        "report_custom_engagement",
        "GONG_REPORT_CUSTOM_ENGAGEMENT_EVENT",
        CustomActionPayload,
        RequestResult,
        W,
        "Report a custom engagement action (e.g. contract signed).",
    ),
    operation(
        "post_digital_interaction",
        "GONG_POST_A_DIGITAL_INTERACTION_V2_DIGITAL_INTERACTION",
        DigitalInteractionPayload,
        RequestResult,
        W,
        "Report a digital interaction (page view, search...) on the prospect's timeline.",
    ),
)
