"""Permission profiles: what a group of users may see and do in Gong."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from worker.operations.base import (
    GongId,
    GongRecord,
    OperationKind,
    Payload,
    RequestResult,
    operation,
)

AccessLevel = Annotated[str, Field(pattern="^(all|managers-team|report-to-them|own|none)$")]


class ProfileFields(Payload):
    """The settable parts of a profile; on update only the given ones change."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = None
    account: bool | None = None
    activity: bool | None = None
    callsAndSearch: bool | None = None
    coaching: bool | None = None
    createEditAndDeleteDealsBoards: bool | None = None
    crmDataImport: bool | None = None
    crmDataInlineEditing: bool | None = None
    deals: bool | None = None
    dealsInlineEditing: bool | None = None
    deleteCalls: bool | None = None
    deleteEmails: bool | None = None
    downloadCallMedia: bool | None = None
    engageCreateAndManageRulesets: bool | None = None
    engageManageCompanySequences: bool | None = None
    engageManageCompanyTemplates: bool | None = None
    engageSnoozeFlowToDosForOthers: bool | None = None
    exportCallsAndCoachingDataToCSV: bool | None = None
    forecast: bool | None = None
    forecastManage: bool | None = None
    initiatives: bool | None = None
    library: bool | None = None
    listenInCalls: bool | None = None
    manageGeneralBusinessSettings: bool | None = None
    manageRevenueAnalytics: bool | None = None
    manageScorecards: bool | None = None
    manuallyScheduleAndUploadCalls: bool | None = None
    market: bool | None = None
    overrideScore: bool | None = None
    privateCalls: bool | None = None
    scoreCalls: bool | None = None
    shareCallsWithCustomers: bool | None = None
    teamStats: bool | None = None
    trimCalls: bool | None = None
    usage: bool | None = None
    viewEngageAnalyticsActivity: bool | None = None
    viewEngageAnalyticsFlows: bool | None = None
    viewEngageAnalyticsPerformance: bool | None = None
    viewRevenueAnalytics: bool | None = None
    calls_access_level: AccessLevel | None = Field(default=None, alias="callsAccess__permissionLevel")
    calls_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="callsAccess__teamLeadIds"
    )
    coaching_access_level: AccessLevel | None = Field(default=None, alias="coachingAccess__permissionLevel")
    coaching_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="coachingAccess__teamLeadIds"
    )
    deals_access_level: AccessLevel | None = Field(default=None, alias="dealsAccess__permissionLevel")
    deals_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="dealsAccess__teamLeadIds"
    )
    emails_access_level: AccessLevel | None = Field(default=None, alias="emailsAccess__permissionLevel")
    emails_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="emailsAccess__teamLeadIds"
    )
    insights_access_level: AccessLevel | None = Field(default=None, alias="insightsAccess__permissionLevel")
    insights_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="insightsAccess__teamLeadIds"
    )
    usage_access_level: AccessLevel | None = Field(default=None, alias="usageAccess__permissionLevel")
    usage_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="usageAccess__teamLeadIds"
    )
    forecast_access_level: AccessLevel | None = Field(
        default=None, alias="forecastPermissions__forecastAccess__permissionLevel"
    )
    forecast_access_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="forecastPermissions__forecastAccess__teamLeadIds"
    )
    forecast_edit_submissions_level: AccessLevel | None = Field(
        default=None, alias="forecastPermissions__forecastEditSubmissions__permissionLevel"
    )
    forecast_edit_submissions_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="forecastPermissions__forecastEditSubmissions__teamLeadIds"
    )
    forecast_edit_targets_level: AccessLevel | None = Field(
        default=None, alias="forecastPermissions__forecastEditTargets__permissionLevel"
    )
    forecast_edit_targets_team_lead_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="forecastPermissions__forecastEditTargets__teamLeadIds"
    )
    library_folder_level: str | None = Field(
        default=None, alias="libraryFolderAccess__permissionLevel", pattern="^(none|all|specific-folders)$"
    )
    library_folder_ids: tuple[GongId, ...] | None = Field(
        default=None, alias="libraryFolderAccess__libraryFolderIds"
    )
    manage_folder_calls: bool | None = Field(default=None, alias="libraryFolderAccess__manageFolderCalls")
    manage_public_folder: bool | None = Field(default=None, alias="libraryFolderAccess__managePublicFolder")
    manage_streams: bool | None = Field(default=None, alias="libraryFolderAccess__manageStreams")
    share_folders_and_streams: bool | None = Field(
        default=None, alias="libraryFolderAccess__shareFoldersAndStreams"
    )


class CreateProfilePayload(ProfileFields):
    name: str = Field(min_length=1, max_length=255)
    workspace_id: GongId = Field(alias="workspaceId")


class UpdateProfilePayload(ProfileFields):
    profile_id: GongId = Field(alias="profileId")


class WorkspacePayload(Payload):
    workspace_id: GongId = Field(alias="workspaceId")


class ProfilePayload(Payload):
    profile_id: GongId = Field(alias="profileId")


class Profile(GongRecord):
    id: str
    name: str


class ProfileResult(RequestResult):
    profile: Profile


class ListProfilesResult(RequestResult):
    profiles: list[Profile]


class ProfileUser(GongRecord):
    id: str
    email_address: str | None = Field(default=None, alias="emailAddress")


class ProfileUsersResult(RequestResult):
    users: list[ProfileUser]


R, W = OperationKind.READ, OperationKind.WRITE

OPERATIONS = (
    operation(
        "list_permission_profiles",
        "GONG_FETCH_ALL_PERMISSION_PROFILES",
        WorkspacePayload,
        ListProfilesResult,
        R,
        "List a workspace's permission profiles.",
    ),
    operation(
        "get_permission_profile",
        "GONG_GET_PERMISSION_PROFILE",
        ProfilePayload,
        ProfileResult,
        R,
        "Get one permission profile.",
    ),
    operation(
        "create_permission_profile",
        "GONG_CREATE_PERMISSION_PROFILE_V2_PERMISSION_PROFILE",
        CreateProfilePayload,
        ProfileResult,
        W,
        "Create a permission profile in a workspace.",
        repeatable=False,
    ),
    operation(
        "update_permission_profile",
        "GONG_UPDATE_PERMISSION_PROFILE_V2_PERMISSION_PROFILE",
        UpdateProfilePayload,
        ProfileResult,
        W,
        "Change some settings of a permission profile.",
    ),
    operation(
        "list_permission_profile_users",
        "GONG_RETRIEVE_USERS_FROM_PERMISSION_PROFILE",
        ProfilePayload,
        ProfileUsersResult,
        R,
        "List the users a permission profile applies to.",
    ),
)
