"""Library folders, settings (scorecards, trackers), audit logs and coaching metrics."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from worker.operations.base import (
    GongDateTime,
    GongId,
    GongRecord,
    NoArguments,
    OperationKind,
    PagedResult,
    Payload,
    RequestResult,
    operation,
)


class OptionalWorkspacePayload(Payload):
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")


class Folder(GongRecord):
    id: str
    name: str


class LibraryFoldersResult(RequestResult):
    folders: list[Folder]


class FolderCallsPayload(Payload):
    folder_id: GongId = Field(alias="folderId")


class FolderCallsResult(RequestResult):
    id: str
    name: str
    calls: list[GongRecord] = Field(default_factory=list)


class ScorecardsResult(RequestResult):
    scorecards: list[GongRecord]


class TrackersResult(RequestResult):
    keyword_trackers: list[GongRecord] = Field(alias="keywordTrackers")


class LogsPayload(Payload):
    log_type: str = Field(
        alias="logType",
        pattern="^(AccessLog|UserActivityLog|UserCallPlay|ExternallySharedCallAccess|ExternallySharedCallPlay)$",
    )
    from_date_time: GongDateTime = Field(alias="fromDateTime")
    to_date_time: GongDateTime | None = Field(default=None, alias="toDateTime")
    cursor: str | None = None


class LogsResult(PagedResult):
    log_entries: list[GongRecord] = Field(alias="logEntries")


class CoachingPayload(Payload):
    workspace_id: GongId = Field(alias="workspace__id")
    manager_id: GongId = Field(alias="manager__id")
    from_: GongDateTime = Field(alias="from")
    to: GongDateTime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_ >= self.to:
            raise ValueError("from must be before to")
        return self


class CoachingResult(RequestResult):
    coaching_data: list[GongRecord] = Field(alias="coachingData")


R = OperationKind.READ

OPERATIONS = (
    operation(
        "list_library_folders",
        "GONG_RETRIEVE_LIBRARY_FOLDERS_V2_LIBRARY_FOLDERS",
        OptionalWorkspacePayload,
        LibraryFoldersResult,
        R,
        "List the public call-library folders.",
        empty_list="folders",
    ),
    operation(
        "list_folder_calls",
        "GONG_LIST_FOLDER_CALLS",
        FolderCallsPayload,
        FolderCallsResult,
        R,
        "List the calls in a library folder.",
    ),
    operation(
        "list_scorecards",
        "GONG_RETRIEVE_SCORECARDS_DETAILS_V2_SETTINGS_SCORECARDS",
        NoArguments,
        ScorecardsResult,
        R,
        "List scorecards and their questions.",
        empty_list="scorecards",
    ),
    operation(
        "list_trackers",
        "GONG_RETRIEVE_TRACKER_DETAILS_V2_SETTINGS_TRACKERS",
        OptionalWorkspacePayload,
        TrackersResult,
        R,
        "List keyword trackers.",
    ),
    operation(
        "list_logs",
        "GONG_RETRIEVE_LOGS_DATA_BY_TYPE_AND_TIME_RANGE_V2_LOGS",
        LogsPayload,
        LogsResult,
        R,
        "List audit-log entries of one type in a time range.",
        empty_list="log_entries",
    ),
    operation(
        "list_coaching_metrics",
        "GONG_LIST_ALL_COACHING_METRICS_V2_COACHING",
        CoachingPayload,
        CoachingResult,
        R,
        "Coaching metrics of a manager's direct reports.",
    ),
)
