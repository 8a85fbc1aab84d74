"""Every simulated Gong endpoint in-process: response shapes, validation, 404/409s, async effects."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.gong import GongState
from sandbox.gong.http import paginate

DANA, OMAR, LUKAS, HANNAH = "234599484848423", "234599484848424", "234599484848426", "234599484848431"
CALL0, CALL1 = "7782342274025937800", "7782342274025937801"
SALES = "623457276584334"
INTEGRATION = 5517027188234205706
JAMIE = "jamie.rivera@northwind.example"
OCTOBER = {"fromDate": "2026-10-01", "toDate": "2026-11-01"}
PROFILES = {"Admins": "3843152912968920037", "Managers": "3843152912968920038", "Reps": "3843152912968920039"}


def assert_gong_error(response: Any, status: int, fragment: str) -> None:
    """Gong's error body: exactly requestId and a list of strings, one naming the problem."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"requestId", "errors"}
    assert any(fragment in e for e in body["errors"]), body


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll ``check`` until it holds or the deadline passes (no fixed sleeps for async effects)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.02)


def crm_status(gong: TestClient, request_id: str, integration: int = INTEGRATION) -> str:
    response = gong.get(
        "/v2/crm/request-status", params={"integrationId": integration, "clientRequestId": request_id}
    )
    return str(response.json()["status"])


def privacy(gong: TestClient, email: str) -> dict[str, Any]:
    return dict(gong.get("/v2/data-privacy/data-for-email-address", params={"emailAddress": email}).json())


VIEWED = {
    "reportingSystem": "Highspot",
    "eventTimestamp": "2026-11-02T10:00:00Z",
    "contentId": "deck-1",
    "contentUrl": "https://docs.example/deck-1",
    "contentTitle": "Pricing deck",
    "eventId": "ev-1",
    "viewer": {"email": JAMIE, "name": "Jamie Rivera"},
}
SHARED = {
    "reportingSystem": "Highspot",
    "eventTimestamp": "2026-11-02T10:00:00Z",
    "contentId": "deck-1",
    "contentUrl": "https://docs.example/deck-1",
    "contentTitle": "Pricing deck",
    "eventId": "sh-1",
    "sharer": {"email": "dana.lee@acme-robotics.example"},
    "recipients": [{"email": JAMIE}],
}
ACTION = {
    "reportingSystem": "DocuSign",
    "eventTimestamp": "2026-11-03T10:00:00Z",
    "actionName": "Contract Signed",
    "eventId": "ac-1",
    "actor": {"email": JAMIE},
}
DIGITAL = {
    "eventId": "di-1",
    "timestamp": "2026-11-04T10:00:00Z",
    "eventType": "page viewed",
    "content": {"contentTitle": "Pricing page", "contentUrl": "https://acme.example/pricing"},
    "person": {"email": JAMIE},
    "device": "PC",
}
MEETING = {
    "startTime": "2026-12-01T10:00:00Z",
    "endTime": "2026-12-01T10:30:00Z",
    "organizerEmail": "dana.lee@acme-robotics.example",
    "invitees": [{"email": JAMIE}],
}
CALL_FILTER = {"fromDateTime": "2026-10-01T00:00:00Z", "toDateTime": "2026-11-01T00:00:00Z"}
COACHING = {
    "workspace-id": SALES,
    "manager-id": OMAR,
    "from": "2026-10-01T00:00:00Z",
    "to": "2026-11-01T00:00:00Z",
}
ACCESS = {"callAccessList": [{"callId": CALL1, "userIds": [OMAR]}]}

# (method, path, request kwargs, status, top-level keys besides requestId) — one success per endpoint.
SUCCESSES: list[tuple[str, str, dict[str, Any], int, set[str]]] = [
    (
        "POST",
        "/v2/calls",
        {
            "json": {
                "clientUniqueId": "pbx-9",
                "actualStart": "2026-11-20T10:00:00Z",
                "primaryUser": DANA,
                "direction": "Outbound",
                "parties": [{"userId": DANA}],
            }
        },
        200,
        {"callId"},
    ),
    ("PUT", f"/v2/calls/{CALL0}/media", {"files": {"mediaFile": ("a.wav", b"RIFF")}}, 201, {"callId", "url"}),
    ("GET", "/v2/calls", {"params": CALL_FILTER}, 200, {"records", "calls"}),
    ("GET", f"/v2/calls/{CALL0}", {}, 200, {"call"}),
    ("POST", "/v2/calls/extensive", {"json": {"filter": {"callIds": [CALL0]}}}, 200, {"records", "calls"}),
    ("POST", "/v2/calls/transcript", {"json": {"filter": CALL_FILTER}}, 200, {"records", "callTranscripts"}),
    ("GET", "/v2/calls/manual-crm-associations", {}, 200, {"records", "associations"}),
    ("PUT", "/v2/calls/users-access", {"json": ACCESS}, 200, set()),
    ("POST", "/v2/calls/users-access", {"json": {"filter": {"callIds": [CALL0]}}}, 200, {"callAccessList"}),
    ("DELETE", "/v2/calls/users-access", {"json": ACCESS}, 200, set()),
    ("GET", "/v2/users", {}, 200, {"records", "users"}),
    ("GET", f"/v2/users/{DANA}", {}, 200, {"user"}),
    ("POST", "/v2/users/extensive", {"json": {"filter": {}}}, 200, {"records", "users"}),
    ("GET", f"/v2/users/{DANA}/settings-history", {}, 200, {"userSettingsHistory"}),
    ("GET", "/v2/workspaces", {}, 200, {"workspaces"}),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": OCTOBER}},
        200,
        {"records", "timeZone", "fromDateTime", "toDateTime", "usersAggregateActivityStats"},
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate-by-period",
        {"json": {"filter": OCTOBER, "aggregationPeriod": "MONTH"}},
        200,
        {"records", "usersAggregateActivity"},
    ),
    (
        "POST",
        "/v2/stats/activity/day-by-day",
        {"json": {"filter": OCTOBER}},
        200,
        {"records", "usersDetailedActivities"},
    ),
    (
        "POST",
        "/v2/stats/interaction",
        {"json": {"filter": OCTOBER}},
        200,
        {"records", "timeZone", "fromDateTime", "toDateTime", "peopleInteractionStats"},
    ),
    (
        "POST",
        "/v2/stats/activity/scorecards",
        {"json": {"filter": {}}},
        200,
        {"records", "answeredScorecards"},
    ),
    ("GET", "/v2/settings/scorecards", {}, 200, {"scorecards"}),
    ("GET", "/v2/settings/trackers", {"params": {"workspaceId": SALES}}, 200, {"keywordTrackers"}),
    ("GET", "/v2/library/folders", {}, 200, {"folders"}),
    (
        "GET",
        "/v2/library/folder-content",
        {"params": {"folderId": "5001"}},
        200,
        {"id", "name", "createdBy", "updated", "calls"},
    ),
    (
        "GET",
        "/v2/logs",
        {"params": {"logType": "AccessLog", "fromDateTime": "2026-10-01T00:00:00Z"}},
        200,
        {"records", "logEntries"},
    ),
    ("GET", "/v2/coaching", {"params": COACHING}, 200, {"coachingData"}),
    ("GET", "/v2/all-permission-profiles", {"params": {"workspaceId": SALES}}, 200, {"profiles"}),
    ("GET", "/v2/permission-profile", {"params": {"profileId": PROFILES["Reps"]}}, 200, {"profile"}),
    (
        "POST",
        "/v2/permission-profile",
        {"params": {"workspaceId": SALES}, "json": {"name": "Interns"}},
        200,
        {"profile"},
    ),
    (
        "PUT",
        "/v2/permission-profile",
        {"params": {"profileId": PROFILES["Reps"]}, "json": {"coaching": True}},
        200,
        {"profile"},
    ),
    ("GET", "/v2/permission-profile/users", {"params": {"profileId": PROFILES["Admins"]}}, 200, {"users"}),
    ("GET", "/v2/crm/integrations", {}, 200, {"integrations"}),
    (
        "GET",
        "/v2/crm/entities",
        {"params": {"integrationId": INTEGRATION, "objectType": "ACCOUNT"}, "json": ["0015g00000Acc001"]},
        200,
        {"crmObjectsMap"},
    ),
    (
        "GET",
        "/v2/crm/entity-schema",
        {"params": {"integrationId": INTEGRATION, "objectType": "DEAL"}},
        200,
        {"objectTypeToSelectedFields"},
    ),
    (
        "GET",
        "/v2/crm/request-status",
        {"params": {"integrationId": INTEGRATION, "clientRequestId": "seed-upload-0001"}},
        200,
        {"status", "totalSuccessCount", "totalErrorCount", "errors"},
    ),
    (
        "POST",
        "/v2/crm/entities",
        {
            "params": {"integrationId": INTEGRATION, "objectType": "ACCOUNT", "clientRequestId": "up-1"},
            "files": {"dataFile": ("a.ldjson", b'{"objectId": "A1", "name": "X"}\n')},
        },
        201,
        {"clientRequestId"},
    ),
    (
        "DELETE",
        "/v2/crm/integrations",
        {"params": {"integrationId": INTEGRATION, "clientRequestId": "del-1"}},
        201,
        {"clientRequestId"},
    ),
    ("POST", "/v2/meetings", {"json": MEETING}, 200, {"meetingId", "meetingUrl", "additionalInvitees"}),
    (
        "PUT",
        "/v2/meetings/7300000000000000001",
        {"json": {**MEETING, "title": "Renewal v2"}},
        200,
        {"meetingId"},
    ),
    (
        "POST",
        "/v2/meetings/integration/status",
        {"json": {"emails": ["dana.lee@acme-robotics.example"]}},
        200,
        {"users"},
    ),
    (
        "GET",
        "/v2/flows",
        {"params": {"flowOwnerEmail": "omar.haddad@acme-robotics.example"}},
        200,
        {"records", "flows"},
    ),
    (
        "POST",
        "/v2/flows/prospects/assign",
        {
            "json": {
                "crmProspectsIds": ["0035g00000AbCd003"],
                "flowId": "1695493301223590792",
                "flowInstanceOwnerEmail": "dana.lee@acme-robotics.example",
            }
        },
        200,
        {"prospectsAssigned", "prospectsNotAssigned"},
    ),
    (
        "POST",
        "/v2/flows/prospects",
        {"json": {"crmProspectsIds": ["0035g00000AbCd010"]}},
        200,
        {"prospectsAssigned"},
    ),
    (
        "GET",
        "/v2/data-privacy/data-for-email-address",
        {"params": {"emailAddress": JAMIE}},
        200,
        {"emails", "calls", "meetings", "customerData", "customerEngagement"},
    ),
    (
        "GET",
        "/v2/data-privacy/data-for-phone-number",
        {"params": {"phoneNumber": "+14155550123"}},
        200,
        {
            "suppliedPhoneNumber",
            "matchingPhoneNumbers",
            "emailAddresses",
            "emails",
            "calls",
            "meetings",
            "customerData",
        },
    ),
    (
        "POST",
        "/v2/data-privacy/erase-data-for-email-address",
        {"params": {"emailAddress": "x@y.example"}},
        200,
        set(),
    ),
    (
        "POST",
        "/v2/data-privacy/erase-data-for-phone-number",
        {"params": {"phoneNumber": "+14155550999"}},
        200,
        set(),
    ),
    ("PUT", "/v2/customer-engagement/content/viewed", {"json": VIEWED}, 200, set()),
    ("PUT", "/v2/customer-engagement/content/shared", {"json": SHARED}, 200, set()),
    ("PUT", "/v2/customer-engagement/action", {"json": ACTION}, 200, set()),
    ("POST", "/v2/digital-interaction", {"json": DIGITAL}, 200, set()),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "keys"), SUCCESSES, ids=lambda v: str(v)[:60])
def test_each_endpoint_answers_with_gongs_shape(
    gong: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int, keys: set[str]
) -> None:
    response = gong.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == keys | {"requestId"}
    assert len(body["requestId"]) == 19


def test_delete_meeting_echoes_the_organizer_without_a_request_id(gong: TestClient) -> None:
    response = gong.request(
        "DELETE",
        "/v2/meetings/7300000000000000001",
        json={"organizerEmail": "dana.lee@acme-robotics.example"},
    )
    assert response.json() == {"organizerEmail": "dana.lee@acme-robotics.example"}


# (method, path, request kwargs, status, fragment of an error message)
ERRORS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("POST", "/v2/calls", {"json": {"title": "x"}}, 400, "clientUniqueId is required"),
    ("PUT", "/v2/calls/1/media", {"files": {"mediaFile": ("a.wav", b"x")}}, 404, "not found"),
    ("GET", "/v2/calls", {"params": {"fromDateTime": "2026-10-01"}}, 400, "fromDateTime"),
    ("GET", "/v2/calls/1", {}, 404, "not found"),
    ("POST", "/v2/calls/extensive", {"json": {}}, 400, "filter is required"),
    ("POST", "/v2/calls/extensive", {"json": {"filter": {"callIds": ["1"]}}}, 404, "No calls found"),
    (
        "POST",
        "/v2/calls/extensive",
        {"json": {"filter": {}, "contentSelector": {"context": "Full"}}},
        400,
        "contentSelector.context",
    ),
    (
        "POST",
        "/v2/calls/extensive",
        {"json": {"filter": {}, "contentSelector": {"contextTiming": ["Now"]}}},
        400,
        "only with context Extended",
    ),
    (
        "POST",
        "/v2/calls/extensive",
        {"json": {"filter": {"fromDateTime": "2026-10-01T00:00:00"}}},
        400,
        "filter.fromDateTime",
    ),
    ("POST", "/v2/calls/transcript", {"json": {"cursor": "x"}}, 400, "filter is required"),
    (
        "GET",
        "/v2/calls/manual-crm-associations",
        {"params": {"fromDateTime": "yesterday"}},
        400,
        "fromDateTime",
    ),
    (
        "PUT",
        "/v2/calls/users-access",
        {"json": {"callAccessList": [{"callId": CALL0}]}},
        400,
        "userIds is required",
    ),
    (
        "PUT",
        "/v2/calls/users-access",
        {"json": {"callAccessList": [{"callId": "1", "userIds": [DANA]}]}},
        404,
        "Call 1 not found",
    ),
    (
        "PUT",
        "/v2/calls/users-access",
        {"json": {"callAccessList": [{"callId": CALL0, "userIds": ["9"]}]}},
        404,
        "User(s) not found",
    ),
    ("POST", "/v2/calls/users-access", {"json": {"filter": {}}}, 400, "filter.callIds"),
    ("DELETE", "/v2/calls/users-access", {"json": {}}, 400, "callAccessList is required"),
    ("GET", "/v2/users", {"params": {"cursor": "!!"}}, 400, "cursor"),
    ("GET", "/v2/users/42", {}, 404, "not found"),
    ("POST", "/v2/users/extensive", {"json": {"filter": {"userIds": ["1"]}}}, 404, "No users found"),
    ("GET", "/v2/users/42/settings-history", {}, 404, "not found"),
    ("GET", "/v2/users/abc/settings-history", {}, 400, "numeric"),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": {"fromDate": "2026-10-01"}}},
        400,
        "toDate is required",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": {"fromDate": "2026/10/01", "toDate": "2026-11-01"}}},
        400,
        "YYYY-MM-DD",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": {"fromDate": "2026-11-01", "toDate": "2026-10-01"}}},
        400,
        "must be before",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": {"fromDate": "2020-01-01", "toDate": "2020-02-01"}}},
        404,
        "No user activity",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate",
        {"json": {"filter": {**OCTOBER, "userIds": ["1"]}}},
        404,
        "User(s) not found",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate-by-period",
        {"json": {"filter": OCTOBER}},
        400,
        "aggregationPeriod is required",
    ),
    (
        "POST",
        "/v2/stats/activity/aggregate-by-period",
        {"json": {"filter": OCTOBER, "aggregationPeriod": "HOUR"}},
        400,
        "aggregationPeriod must be one of",
    ),
    (
        "POST",
        "/v2/stats/activity/day-by-day",
        {"json": {"filter": {"fromDate": "2020-01-01", "toDate": "2020-01-02"}}},
        404,
        "No user activity",
    ),
    ("POST", "/v2/stats/interaction", {"json": {}}, 400, "filter is required"),
    ("POST", "/v2/stats/activity/scorecards", {"json": {}}, 400, "filter is required"),
    (
        "POST",
        "/v2/stats/activity/scorecards",
        {"json": {"filter": {"scorecardIds": ["1"]}}},
        404,
        "No answered",
    ),
    (
        "POST",
        "/v2/stats/activity/scorecards",
        {"json": {"filter": {"reviewMethod": "SOMETIMES"}}},
        400,
        "filter.reviewMethod",
    ),
    ("GET", "/v2/settings/trackers", {"params": {"workspaceId": "1"}}, 404, "Workspace 1 not found"),
    ("GET", "/v2/library/folders", {"params": {"workspaceId": "1"}}, 404, "Workspace 1 not found"),
    ("GET", "/v2/library/folder-content", {}, 400, "folderId is required"),
    ("GET", "/v2/library/folder-content", {"params": {"folderId": "999"}}, 404, "not found"),
    ("GET", "/v2/logs", {"params": {"fromDateTime": "2026-10-01T00:00:00Z"}}, 400, "logType is required"),
    (
        "GET",
        "/v2/logs",
        {"params": {"logType": "Everything", "fromDateTime": "2026-10-01T00:00:00Z"}},
        400,
        "logType must be one of",
    ),
    ("GET", "/v2/logs", {"params": {"logType": "AccessLog"}}, 400, "fromDateTime"),
    (
        "GET",
        "/v2/logs",
        {
            "params": {
                "logType": "AccessLog",
                "fromDateTime": "2020-01-01T00:00:00Z",
                "toDateTime": "2020-02-01T00:00:00Z",
            }
        },
        404,
        "No logs",
    ),
    ("GET", "/v2/coaching", {"params": {"workspace-id": SALES}}, 400, "manager-id is required"),
    ("GET", "/v2/coaching", {"params": {**COACHING, "manager-id": "42"}}, 404, "Manager 42 not found"),
    ("GET", "/v2/all-permission-profiles", {}, 400, "workspaceId is required"),
    ("GET", "/v2/permission-profile", {}, 400, "profileId is required"),
    ("GET", "/v2/permission-profile", {"params": {"profileId": "1"}}, 404, "not found"),
    ("POST", "/v2/permission-profile", {"json": {"name": "X"}}, 400, "workspaceId is required"),
    (
        "POST",
        "/v2/permission-profile",
        {"params": {"workspaceId": SALES}, "json": {"name": "Reps"}},
        409,
        "already exists",
    ),
    (
        "POST",
        "/v2/permission-profile",
        {
            "params": {"workspaceId": SALES},
            "json": {"name": "X", "callsAccess": {"permissionLevel": "everyone"}},
        },
        400,
        "callsAccess.permissionLevel",
    ),
    ("PUT", "/v2/permission-profile", {"json": {"coaching": True}}, 400, "profileId is required"),
    (
        "PUT",
        "/v2/permission-profile",
        {"params": {"profileId": PROFILES["Reps"]}, "json": {"coaching": "yes"}},
        400,
        "coaching must be a boolean",
    ),
    ("GET", "/v2/permission-profile/users", {}, 400, "profileId is required"),
    ("PUT", "/v2/crm/integrations", {"json": {"name": "Second CRM"}}, 400, "ownerEmail is required"),
    (
        "PUT",
        "/v2/crm/integrations",
        {"json": {"name": "Second", "ownerEmail": "dana.lee@acme-robotics.example"}},
        409,
        "already exists",
    ),
    (
        "GET",
        "/v2/crm/entities",
        {"params": {"integrationId": INTEGRATION}, "json": ["x"]},
        400,
        "objectType is required",
    ),
    (
        "GET",
        "/v2/crm/entities",
        {"params": {"integrationId": INTEGRATION, "objectType": "ACCOUNT"}, "json": {"ids": ["x"]}},
        400,
        "JSON array",
    ),
    ("GET", "/v2/crm/entity-schema", {"params": {"integrationId": "abc"}}, 400, "64-bit integer"),
    (
        "GET",
        "/v2/crm/entity-schema",
        {"params": {"integrationId": INTEGRATION, "objectType": "PLANET"}},
        400,
        "objectType must be one of",
    ),
    (
        "GET",
        "/v2/crm/request-status",
        {"params": {"integrationId": INTEGRATION, "clientRequestId": "nope"}},
        404,
        "No request nope",
    ),
    (
        "GET",
        "/v2/crm/request-status",
        {"params": {"integrationId": INTEGRATION}},
        400,
        "clientRequestId is required",
    ),
    (
        "POST",
        "/v2/crm/entities",
        {"files": {"dataFile": ("a.ldjson", b"{}")}},
        400,
        "integrationId is required",
    ),
    (
        "POST",
        "/v2/crm/entities",
        {
            "params": {
                "integrationId": INTEGRATION,
                "objectType": "ACCOUNT",
                "clientRequestId": "seed-upload-0001",
            },
            "files": {"dataFile": ("a.ldjson", b"{}")},
        },
        409,
        "already used",
    ),
    (
        "POST",
        "/v2/crm/entities",
        {
            "params": {"integrationId": INTEGRATION, "objectType": "ACCOUNT", "clientRequestId": "up-2"},
            "data": {"x": "1"},
        },
        400,
        "dataFile",
    ),
    (
        "DELETE",
        "/v2/crm/integrations",
        {"params": {"integrationId": INTEGRATION}},
        400,
        "clientRequestId is required",
    ),
    (
        "DELETE",
        "/v2/crm/integrations",
        {"params": {"integrationId": 1, "clientRequestId": "d"}},
        404,
        "not found",
    ),
    (
        "DELETE",
        "/v2/crm/integrations",
        {"params": {"integrationId": INTEGRATION, "clientRequestId": "bad id!"}},
        400,
        "clientRequestId may contain",
    ),
    (
        "POST",
        "/v2/meetings",
        {"json": {**MEETING, "invitees": [{"email": "not-an-email"}]}},
        400,
        "invitees[0].email",
    ),
    ("PUT", "/v2/meetings/123", {"json": MEETING}, 404, "not found"),
    ("PUT", "/v2/meetings/abc", {"json": MEETING}, 400, "meetingId"),
    (
        "DELETE",
        "/v2/meetings/7300000000000000001",
        {"json": {"organizerEmail": "omar.haddad@acme-robotics.example"}},
        404,
        "No meeting",
    ),
    ("POST", "/v2/meetings/integration/status", {"json": {}}, 400, "emails is required"),
    ("POST", "/v2/meetings/integration/status", {"json": {"emails": ["nope"]}}, 400, "emails[0]"),
    ("GET", "/v2/flows", {}, 400, "flowOwnerEmail"),
    ("POST", "/v2/flows/prospects/assign", {"json": {"flowId": "1"}}, 400, "crmProspectsIds is required"),
    ("POST", "/v2/flows/prospects", {"json": {}}, 400, "crmProspectsIds is required"),
    ("GET", "/v2/data-privacy/data-for-email-address", {}, 400, "emailAddress"),
    (
        "GET",
        "/v2/data-privacy/data-for-phone-number",
        {"params": {"phoneNumber": "555"}},
        400,
        "must start with +",
    ),
    ("POST", "/v2/data-privacy/erase-data-for-email-address", {}, 400, "emailAddress"),
    ("POST", "/v2/data-privacy/erase-data-for-phone-number", {}, 400, "phoneNumber"),
    (
        "PUT",
        "/v2/customer-engagement/content/viewed",
        {"json": {**VIEWED, "contentTitle": None}},
        400,
        "contentTitle is required",
    ),
    (
        "PUT",
        "/v2/customer-engagement/content/viewed",
        {"json": {**VIEWED, "eventTimestamp": "2026-11-02"}},
        400,
        "eventTimestamp",
    ),
    (
        "PUT",
        "/v2/customer-engagement/content/shared",
        {"json": {**SHARED, "recipients": [{"email": "x"}]}},
        400,
        "recipients[0].email",
    ),
    (
        "PUT",
        "/v2/customer-engagement/action",
        {"json": {"eventTimestamp": "2026-11-03T10:00:00Z"}},
        400,
        "reportingSystem is required",
    ),
    (
        "POST",
        "/v2/digital-interaction",
        {"json": {**DIGITAL, "content": {"contentId": "p"}}},
        400,
        "content.contentTitle is required",
    ),
    (
        "POST",
        "/v2/digital-interaction",
        {"json": {**DIGITAL, "person": {"name": "Anon"}}},
        400,
        "personId or company.domain",
    ),
    ("POST", "/v2/digital-interaction", {"json": {**DIGITAL, "device": "TV"}}, 400, "device must be one of"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "fragment"), ERRORS, ids=lambda v: str(v)[:60]
)
def test_each_endpoint_refuses_bad_requests_with_gongs_error_body(
    gong: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int, fragment: str
) -> None:
    assert_gong_error(gong.request(method, path, **kwargs), status, fragment)


def test_stats_reject_a_to_date_after_today(gong: TestClient) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    response = gong.post(
        "/v2/stats/activity/aggregate", json={"filter": {"fromDate": "2026-10-01", "toDate": tomorrow}}
    )
    assert_gong_error(response, 400, "must not be later than today")


@pytest.mark.parametrize(
    "path",
    ["/v2/calls/extensive", "/v2/calls/transcript", "/v2/users/extensive", "/v2/stats/activity/scorecards"],
)
def test_post_reads_refuse_a_missing_body(gong: TestClient, path: str) -> None:
    assert_gong_error(gong.post(path), 400, "Request body is required")


# --- calls in depth ---------------------------------------------------------------------------


def test_extensive_includes_only_the_selected_sub_objects(gong: TestClient) -> None:
    bare = gong.post("/v2/calls/extensive", json={"filter": {"callIds": [CALL0]}}).json()["calls"][0]
    assert set(bare) == {"metaData"} and bare["metaData"]["id"] == CALL0
    selector = {
        "context": "Extended",
        "exposedFields": {
            "parties": True,
            "media": True,
            "content": {"trackers": True, "brief": True},
            "interaction": {"speakers": True, "questions": True},
            "collaboration": {"publicComments": True},
        },
    }
    call = gong.post(
        "/v2/calls/extensive", json={"filter": {"callIds": [CALL0]}, "contentSelector": selector}
    ).json()
    full = call["calls"][0]
    assert set(full) == {"metaData", "context", "parties", "content", "interaction", "collaboration", "media"}
    assert set(full["content"]) == {"trackers", "brief"}
    assert set(full["interaction"]) == {"speakers", "questions"}
    assert full["media"]["audioUrl"].startswith("https://")
    assert full["context"][0]["objects"][0]["objectId"] == "0015g00000Acc001"
    assert {p["affiliation"] for p in full["parties"]} == {"Internal", "External"}
    assert "occurrences" not in full["content"]["trackers"][0]


def test_tracker_hits_come_from_the_transcript_text(gong: TestClient) -> None:
    selector = {"exposedFields": {"content": {"trackers": True, "trackerOccurrences": True}}}
    call = gong.post(
        "/v2/calls/extensive", json={"filter": {"callIds": [CALL0]}, "contentSelector": selector}
    )
    trackers = {t["name"]: t for t in call.json()["calls"][0]["content"]["trackers"]}
    transcript = gong.post("/v2/calls/transcript", json={"filter": {"callIds": [CALL0]}}).json()
    text = " ".join(s["text"] for m in transcript["callTranscripts"][0]["transcript"] for s in m["sentences"])
    assert ("Globex" in text) == (trackers["Competitors"]["count"] > 0)
    assert trackers["Competitors"]["phrases"] == [{"phrase": "Globex", "count": text.count("Globex")}]
    assert len(trackers["Pricing"]["occurrences"]) == trackers["Pricing"]["count"]


def test_transcript_speaker_ids_match_the_call_parties(gong: TestClient) -> None:
    transcript = gong.post("/v2/calls/transcript", json={"filter": {"callIds": [CALL1]}}).json()
    selector = {"exposedFields": {"parties": True}}
    parties = gong.post(
        "/v2/calls/extensive", json={"filter": {"callIds": [CALL1]}, "contentSelector": selector}
    )
    speakers = {p["speakerId"] for p in parties.json()["calls"][0]["parties"]}
    monologues = transcript["callTranscripts"][0]["transcript"]
    assert {m["speakerId"] for m in monologues} == speakers
    assert all(s["start"] < s["end"] for m in monologues for s in m["sentences"])


def test_transcripts_404_when_no_call_matches(gong: TestClient) -> None:
    response = gong.post(
        "/v2/calls/transcript",
        json={"filter": {"fromDateTime": "2020-01-01T00:00:00Z", "toDateTime": "2020-02-01T00:00:00Z"}},
    )
    assert_gong_error(response, 404, "No calls found")


@pytest.mark.parametrize(
    ("path", "key"), [("/v2/calls/extensive", "calls"), ("/v2/calls/transcript", "callTranscripts")]
)
def test_post_reads_page_with_a_body_cursor(
    gong: TestClient, monkeypatch: pytest.MonkeyPatch, path: str, key: str
) -> None:
    monkeypatch.setattr(paginate, "__defaults__", (6,))  # small pages, so 20 calls need 4
    seen: list[str] = []
    body: dict[str, Any] = {"filter": CALL_FILTER}
    while True:
        page = gong.post(path, json=body).json()
        seen += [c["metaData"]["id"] if "metaData" in c else c["callId"] for c in page[key]]
        if "cursor" not in page["records"]:
            break
        body = {**body, "cursor": page["records"]["cursor"]}
    assert page["records"]["currentPageNumber"] == 3
    assert len(seen) == len(set(seen)) == 20


def test_revoking_call_access_removes_only_api_grants(gong: TestClient) -> None:
    def granted(call: str) -> list[str]:
        body = gong.post("/v2/calls/users-access", json={"filter": {"callIds": [call]}}).json()
        return [u["userId"] for u in body["callAccessList"][0]["users"]]

    assert granted(CALL0) == [LUKAS]
    gong.put("/v2/calls/users-access", json={"callAccessList": [{"callId": CALL0, "userIds": [OMAR, LUKAS]}]})
    assert granted(CALL0) == [LUKAS, OMAR]  # re-granting Lukas was a no-op
    gong.request(
        "DELETE",
        "/v2/calls/users-access",
        json={"callAccessList": [{"callId": CALL0, "userIds": [LUKAS, DANA]}]},
    )
    assert granted(CALL0) == [OMAR]  # Dana (the host) keeps her own access; nothing to revoke


def test_manual_associations_are_ascending_and_filtered_by_time(gong: TestClient) -> None:
    every = gong.get("/v2/calls/manual-crm-associations").json()["associations"]
    assert [a["created"] for a in every] == sorted(a["created"] for a in every)
    assert sum(a["callId"] == CALL0 for a in every) == 2  # a re-association is its own event
    later = gong.get(
        "/v2/calls/manual-crm-associations", params={"fromDateTime": "2026-10-05T00:00:00Z"}
    ).json()
    assert all(a["created"] >= "2026-10-05" for a in later["associations"])


# --- stats ------------------------------------------------------------------------------------


def test_calls_as_host_counts_the_users_hosted_calls_in_range(gong: TestClient, state: GongState) -> None:
    body = gong.post("/v2/stats/activity/aggregate", json={"filter": {**OCTOBER, "userIds": [OMAR]}}).json()
    stats = body["usersAggregateActivityStats"][0]["userAggregateActivityStats"]
    hosted = [c for c in state.calls.values() if c["primaryUserId"] == OMAR and c["started"] < "2026-11-01"]
    assert stats["callsAsHost"] == len(hosted) and stats["callsAttended"] >= len(hosted)
    scored = [s for s in state.answered_scorecards if str(s["reviewedUserId"]) == OMAR]
    assert stats["callsScorecardsReceived"] == len(scored)


def test_stats_change_when_a_call_is_added(gong: TestClient) -> None:
    def hosted() -> int:
        body = gong.post("/v2/stats/activity/aggregate", json={"filter": {**OCTOBER, "userIds": [HANNAH]}})
        if body.status_code == 404:
            return 0
        return int(body.json()["usersAggregateActivityStats"][0]["userAggregateActivityStats"]["callsAsHost"])

    before = hosted()
    gong.post(
        "/v2/calls",
        json={
            "clientUniqueId": "h-1",
            "actualStart": "2026-10-20T10:00:00Z",
            "primaryUser": HANNAH,
            "direction": "Outbound",
            "parties": [{"userId": HANNAH}],
        },
    )
    assert hosted() == before + 1


def test_only_users_with_activity_appear(gong: TestClient) -> None:
    body = gong.post("/v2/stats/activity/aggregate", json={"filter": OCTOBER}).json()
    for user in body["usersAggregateActivityStats"]:
        assert any(user["userAggregateActivityStats"].values())


def test_weekly_periods_start_on_monday_and_cover_the_range(gong: TestClient) -> None:
    body = gong.post(
        "/v2/stats/activity/aggregate-by-period", json={"filter": OCTOBER, "aggregationPeriod": "WEEK"}
    ).json()
    periods = body["usersAggregateActivity"][0]["userAggregateActivity"]
    assert periods[0]["fromDate"] == "2026-10-01" and periods[-1]["toDate"] == "2026-11-01"
    assert all(date.fromisoformat(p["fromDate"]).weekday() == 0 for p in periods[1:])
    assert all(a["toDate"] == b["fromDate"] for a, b in pairwise(periods))


def test_period_counts_add_up_to_the_aggregate(gong: TestClient) -> None:
    filt = {**OCTOBER, "userIds": [DANA]}
    total = gong.post("/v2/stats/activity/aggregate", json={"filter": filt}).json()
    totals = total["usersAggregateActivityStats"][0]["userAggregateActivityStats"]
    days = gong.post("/v2/stats/activity/day-by-day", json={"filter": filt}).json()
    daily = days["usersDetailedActivities"][0]["userDailyActivityStats"]
    assert len(daily) == 31
    assert sum(len(d["callsAsHost"]) for d in daily) == totals["callsAsHost"]
    assert all(isinstance(cid, str) for d in daily for cid in d["callsAttended"])


def test_interaction_stats_name_gongs_five_metrics(gong: TestClient) -> None:
    body = gong.post("/v2/stats/interaction", json={"filter": {**OCTOBER, "userIds": [DANA]}}).json()
    stats = body["peopleInteractionStats"][0]["personInteractionStats"]
    assert [s["name"] for s in stats] == [
        "Longest Monologue",
        "Longest Customer Story",
        "Interactivity",
        "Patience",
        "Question Rate",
    ]
    assert all(s["value"] > 0 for s in stats)


def test_scorecard_report_filters_by_method_and_uses_numeric_ids(gong: TestClient) -> None:
    manual = gong.post("/v2/stats/activity/scorecards", json={"filter": {}}).json()["answeredScorecards"]
    both = gong.post("/v2/stats/activity/scorecards", json={"filter": {"reviewMethod": "BOTH"}}).json()
    assert all(c["reviewMethod"] == "MANUAL" for c in manual)
    assert len(both["answeredScorecards"]) > len(manual)
    assert isinstance(manual[0]["callId"], int) and isinstance(manual[0]["answers"][0]["questionId"], int)


# --- settings, library, logs, coaching --------------------------------------------------------


def test_seeded_scorecards_trackers_and_folders(gong: TestClient) -> None:
    cards = {c["scorecardId"]: c for c in gong.get("/v2/settings/scorecards").json()["scorecards"]}
    assert cards["6001"]["scorecardName"] == "Discovery quality" and len(cards["6001"]["questions"]) == 3
    assert cards["6002"]["scorecardName"] == "Demo quality"
    trackers = {t["trackerId"]: t for t in gong.get("/v2/settings/trackers").json()["keywordTrackers"]}
    assert {"Globex", "Initech"} <= set(trackers["7001"]["languageKeywords"][0]["keywords"])
    assert trackers["7002"]["trackerName"] == "Pricing"
    folders = {f["id"]: f for f in gong.get("/v2/library/folders").json()["folders"]}
    assert folders["5001"]["parentFolderId"] is None and folders["5002"]["parentFolderId"] == "5001"
    content = gong.get("/v2/library/folder-content", params={"folderId": "5002"}).json()
    assert content["name"] == "Pricing objections" and 2 <= len(content["calls"]) <= 3


@pytest.mark.parametrize(
    "log_type",
    [
        "AccessLog",
        "UserActivityLog",
        "UserCallPlay",
        "ExternallySharedCallAccess",
        "ExternallySharedCallPlay",
    ],
)
def test_logs_exist_for_every_type_in_october(gong: TestClient, log_type: str) -> None:
    params = {
        "logType": log_type,
        "fromDateTime": "2026-10-01T00:00:00Z",
        "toDateTime": "2026-11-01T00:00:00Z",
    }
    entries = gong.get("/v2/logs", params=params).json()["logEntries"]
    assert entries and all(e["eventTime"].startswith("2026-10") for e in entries)
    assert {"userId", "userEmailAddress", "userFullName", "logRecord"} <= set(entries[0])


def test_coaching_covers_the_managers_direct_reports(gong: TestClient, state: GongState) -> None:
    data = gong.get("/v2/coaching", params=COACHING).json()["coachingData"][0]
    assert data["manager"]["id"] == OMAR
    reports = {r["report"]["id"]: r["metrics"] for r in data["directReportsMetrics"]}
    assert set(reports) == {u["id"] for u in state.users if u["managerId"] == OMAR}
    hosted = sorted(c["id"] for c in state.calls.values() if c["primaryUserId"] == LUKAS)
    assert reports[LUKAS]["callsAsHost"] == hosted


def test_settings_history_belongs_to_the_user(gong: TestClient) -> None:
    history = gong.get(f"/v2/users/{OMAR}/settings-history").json()["userSettingsHistory"]
    assert history and all({"setting", "time", "value"} == set(h) for h in history)


# --- permission profiles ----------------------------------------------------------------------


def test_profiles_are_seeded_sorted_and_every_user_has_one(gong: TestClient) -> None:
    profiles = gong.get("/v2/all-permission-profiles", params={"workspaceId": SALES}).json()["profiles"]
    assert [(p["id"], p["name"]) for p in profiles] == [
        (PROFILES[n], n) for n in ("Admins", "Managers", "Reps")
    ]
    members = {
        name: {
            u["fullName"]
            for u in gong.get("/v2/permission-profile/users", params={"profileId": pid}).json()["users"]
        }
        for name, pid in PROFILES.items()
    }
    assert members["Admins"] == {"Dana Lee", "Hannah Schmidt"}
    assert members["Managers"] == {"Ben Carter", "Omar Haddad", "Priya Natarajan"}
    assert sum(len(m) for m in members.values()) == 12


def test_profile_update_applies_partial_values_and_returns_the_whole_profile(gong: TestClient) -> None:
    params = {"profileId": PROFILES["Reps"]}
    before = gong.get("/v2/permission-profile", params=params).json()["profile"]
    changed = gong.put(
        "/v2/permission-profile",
        params=params,
        json={"coaching": True, "callsAccess": {"permissionLevel": "managers-team"}},
    ).json()
    after = changed["profile"]
    assert after["coaching"] is True and after["callsAccess"]["permissionLevel"] == "managers-team"
    assert after["callsAccess"]["teamLeadIds"] == before["callsAccess"]["teamLeadIds"]
    assert {k: v for k, v in after.items() if k not in {"coaching", "callsAccess"}} == {
        k: v for k, v in before.items() if k not in {"coaching", "callsAccess"}
    }
    assert gong.get("/v2/permission-profile", params=params).json()["profile"] == after


def test_renaming_a_profile_to_a_used_name_is_a_409(gong: TestClient) -> None:
    response = gong.put(
        "/v2/permission-profile", params={"profileId": PROFILES["Reps"]}, json={"name": "Admins"}
    )
    assert_gong_error(response, 409, "already exists")


def test_created_profile_is_listed_in_its_workspace(gong: TestClient) -> None:
    created = gong.post(
        "/v2/permission-profile", params={"workspaceId": SALES}, json={"name": "Interns", "library": True}
    ).json()["profile"]
    assert created["library"] is True and created["coaching"] is False
    names = [
        p["name"]
        for p in gong.get("/v2/all-permission-profiles", params={"workspaceId": SALES}).json()["profiles"]
    ]
    assert names == ["Admins", "Interns", "Managers", "Reps"]


# --- CRM --------------------------------------------------------------------------------------


def test_seeded_integration_and_objects(gong: TestClient) -> None:
    assert gong.get("/v2/crm/integrations").json()["integrations"] == [
        {
            "integrationId": INTEGRATION,
            "name": "Acme Salesforce",
            "ownerEmail": "hannah.schmidt@acme-robotics.example",
        }
    ]
    params: dict[str, str | int] = {"integrationId": INTEGRATION, "objectType": "CONTACT"}
    found = gong.request("GET", "/v2/crm/entities", params=params, json=["0035g00000AbCd001", "nope"]).json()
    assert found["crmObjectsMap"]["0035g00000AbCd001"]["emailAddress"] == JAMIE
    assert found["crmObjectsMap"]["nope"] is None
    assert crm_status(gong, "seed-upload-0001") == "DONE"


def test_upload_moves_through_statuses_and_reports_line_errors(gong: TestClient) -> None:
    lines = b'{"objectId": "0015g00000Acc009", "name": "Globex"}\n{broken\n\n[1, 2]\n{"name": "no id"}\n'
    params: dict[str, str | int] = {
        "integrationId": INTEGRATION,
        "objectType": "ACCOUNT",
        "clientRequestId": "upload-42",
    }
    response = gong.post("/v2/crm/entities", params=params, files={"dataFile": ("accounts.ldjson", lines)})
    assert response.status_code == 201 and response.json()["clientRequestId"] == "upload-42"
    assert crm_status(gong, "upload-42") in {"PENDING", "IN_PROGRESS"}
    read: dict[str, str | int] = {"integrationId": INTEGRATION, "objectType": "ACCOUNT"}
    assert (
        gong.request("GET", "/v2/crm/entities", params=read, json=["0015g00000Acc009"]).json()[
            "crmObjectsMap"
        ]["0015g00000Acc009"]
        is None
    )
    eventually(lambda: crm_status(gong, "upload-42") == "DONE")
    status = gong.get(
        "/v2/crm/request-status", params={"integrationId": INTEGRATION, "clientRequestId": "upload-42"}
    ).json()
    assert status["totalSuccessCount"] == 1 and status["totalErrorCount"] == 3
    assert [e["line"] for e in status["errors"]] == [2, 4, 5]
    stored = gong.request("GET", "/v2/crm/entities", params=read, json=["0015g00000Acc009"]).json()
    assert stored["crmObjectsMap"]["0015g00000Acc009"]["name"] == "Globex"


def test_deleting_the_integration_is_asynchronous_then_frees_registration(gong: TestClient) -> None:
    params: dict[str, str | int] = {"integrationId": INTEGRATION, "clientRequestId": "drop-1"}
    assert gong.delete("/v2/crm/integrations", params=params).status_code == 201
    assert_gong_error(gong.delete("/v2/crm/integrations", params=params), 409, "already used")
    assert gong.get("/v2/crm/integrations").json()["integrations"]  # still there while in progress
    eventually(lambda: crm_status(gong, "drop-1") == "DONE")
    assert gong.get("/v2/crm/integrations").json()["integrations"] == []
    new = gong.put(
        "/v2/crm/integrations", json={"name": "HubSpot", "ownerEmail": "dana.lee@acme-robotics.example"}
    )
    assert new.status_code == 200 and isinstance(new.json()["integrationId"], int)


def test_control_endpoint_drops_the_integration_and_reset_restores_it(gong: TestClient) -> None:
    gong.delete("/_sandbox/gong/crm/integration")
    assert gong.get("/v2/crm/integrations").json()["integrations"] == []
    created = gong.put(
        "/v2/crm/integrations", json={"name": "New", "ownerEmail": "dana.lee@acme-robotics.example"}
    )
    assert created.status_code == 200
    gong.post("/_sandbox/gong/reset")
    assert gong.get("/v2/crm/integrations").json()["integrations"][0]["integrationId"] == INTEGRATION


def test_crm_delay_can_be_set_through_the_control_api(gong: TestClient) -> None:
    gong.post("/_sandbox/gong/crm/delay", json={"seconds": 0})
    params: dict[str, str | int] = {
        "integrationId": INTEGRATION,
        "objectType": "LEAD",
        "clientRequestId": "fast",
    }
    gong.post("/v2/crm/entities", params=params, files={"dataFile": ("l.ldjson", b'{"objectId": "L1"}\n')})
    assert crm_status(gong, "fast") == "DONE"


def test_schema_without_object_type_lists_every_type(gong: TestClient) -> None:
    body = gong.get("/v2/crm/entity-schema", params={"integrationId": INTEGRATION}).json()
    assert set(body["objectTypeToSelectedFields"]) == {"ACCOUNT", "CONTACT", "DEAL", "LEAD"}
    field = body["objectTypeToSelectedFields"]["CONTACT"][0]
    assert {
        "uniqueName",
        "label",
        "type",
        "lastModified",
        "isDeleted",
        "referenceTo",
        "orderedValueList",
    } == set(field)


# --- engagement and data privacy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "event_type"),
    [
        ("PUT", "/v2/customer-engagement/content/viewed", VIEWED, "contentViewed"),
        ("PUT", "/v2/customer-engagement/content/shared", SHARED, "contentShared"),
        ("PUT", "/v2/customer-engagement/action", ACTION, "customEvent"),
        ("POST", "/v2/digital-interaction", DIGITAL, "digitalInteraction"),
    ],
)
def test_engagement_events_reach_the_privacy_timeline_once(
    gong: TestClient, method: str, path: str, body: dict[str, Any], event_type: str
) -> None:
    assert gong.request(method, path, json=body).status_code == 200
    assert_gong_error(gong.request(method, path, json=body), 409, "already reported")
    timeline = privacy(gong, JAMIE)["customerEngagement"]
    assert [e["eventType"] for e in timeline] == [event_type]
    assert set(timeline[0]) == {
        "eventType",
        "eventName",
        "timestamp",
        "contentId",
        "contentUrl",
        "reportingSystem",
        "sourceEventId",
    }
    assert timeline[0]["sourceEventId"] == body["eventId"]


def test_privacy_lookup_lists_seeded_meeting_until_erasure_completes(gong: TestClient) -> None:
    assert privacy(gong, JAMIE)["meetings"] == [{"id": "7300000000000000001"}]
    gong.put("/v2/customer-engagement/content/viewed", json=VIEWED)
    gong.post("/v2/data-privacy/erase-data-for-email-address", params={"emailAddress": JAMIE})
    pending = privacy(gong, JAMIE)
    assert pending["meetings"] and pending["customerEngagement"]
    eventually(lambda: not privacy(gong, JAMIE)["calls"])
    after = privacy(gong, JAMIE)
    assert after["meetings"] == [] and after["customerEngagement"] == [] and after["customerData"] == []


def test_meeting_integration_status_tells_users_from_strangers(gong: TestClient) -> None:
    body = gong.post(
        "/v2/meetings/integration/status",
        json={"emails": ["dana.lee@acme-robotics.example", "who@else.example"]},
    ).json()
    assert [(u["email"], u["exists"]) for u in body["users"]] == [
        ("dana.lee@acme-robotics.example", True),
        ("who@else.example", False),
    ]
    assert set(body["users"][0]) == {"email", "exists", "valid", "userFacingError", "helpUrl", "fixUrl"}


def test_reset_restores_every_seeded_record(gong: TestClient, state: GongState) -> None:
    gong.put("/v2/calls/users-access", json=ACCESS)
    gong.put("/v2/permission-profile", params={"profileId": PROFILES["Reps"]}, json={"name": "Sellers"})
    gong.put("/v2/customer-engagement/action", json=ACTION)
    gong.request(
        "DELETE",
        "/v2/meetings/7300000000000000001",
        json={"organizerEmail": "dana.lee@acme-robotics.example"},
    )
    gong.post("/_sandbox/gong/reset")
    assert state.call_access == {CALL0: [LUKAS]} and state.engagement == []
    assert "7300000000000000001" in state.meetings
    assert next(p for p in state.profiles if p["id"] == PROFILES["Reps"])["name"] == "Reps"
