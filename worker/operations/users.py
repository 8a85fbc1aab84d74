"""Users, their settings history, and the company's workspaces."""

from __future__ import annotations

from pydantic import Field

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


class GongUser(GongRecord):
    id: str
    email_address: str | None = Field(default=None, alias="emailAddress")
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    title: str | None = None
    active: bool | None = None


class ListUsersPayload(Payload):
    include_avatars: bool | None = Field(default=None, alias="includeAvatars")
    cursor: str | None = None


class ListUsersResult(PagedResult):
    users: list[GongUser]


class GetUserPayload(Payload):
    user_id: GongId = Field(alias="id")


class GetUserResult(RequestResult):
    user: GongUser


class ListUsersByFilterPayload(Payload):
    user_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__userIds", min_length=1)
    created_from_date_time: GongDateTime | None = Field(default=None, alias="filter__createdFromDateTime")
    created_to_date_time: GongDateTime | None = Field(default=None, alias="filter__createdToDateTime")
    include_avatars: bool | None = Field(default=None, alias="filter__includeAvatars")
    cursor: str | None = None


class SettingChange(GongRecord):
    setting: str
    time: str
    value: bool | None = None


class UserSettingsHistoryResult(RequestResult):
    user_settings_history: list[SettingChange] = Field(alias="userSettingsHistory")


class Workspace(GongRecord):
    id: str
    name: str


class ListWorkspacesResult(RequestResult):
    workspaces: list[Workspace]


R = OperationKind.READ

OPERATIONS = (
    operation(
        "list_users",
        "GONG_LIST_ALL_USERS_V2_USERS",
        ListUsersPayload,
        ListUsersResult,
        R,
        "List the company's Gong users.",
    ),
    operation(
        "get_user",
        "GONG_RETRIEVE_USER_V2_USERS_ID",
        GetUserPayload,
        GetUserResult,
        R,
        "Get one Gong user by id.",
    ),
    operation(
        "list_users_by_filter",
        "GONG_LIST_USERS_BY_FILTER_V2_USERS_EXTENSIVE",
        ListUsersByFilterPayload,
        ListUsersResult,
        R,
        "List users by id or creation date.",
    ),
    operation(
        "get_user_settings_history",
        "GONG_RETRIEVE_USER_SETTINGS_HISTORY",
        GetUserPayload,
        UserSettingsHistoryResult,
        R,
        "Get the history of a user's recording and import settings.",
    ),
    operation(
        "list_workspaces",
        "GONG_LIST_ALL_COMPANY_WORKSPACES_V2_WORKSPACES",
        NoArguments,
        ListWorkspacesResult,
        R,
        "List the company's workspaces.",
    ),
)
