"""One example payload per typed operation, valid as-is against the sandbox's seeded company.

They document each operation (``gongq ops OP`` shows one) and drive the test that runs every
operation through a real worker. Two placeholders stand for files the caller provides:
``{media_url}`` (a recording URL) and ``{crm_file}`` (a path to an LDJSON file of CRM objects).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

USER = "234599484848423"  # Dana Lee, VP Sales
REP = "234599484848424"  # Omar Haddad, Account Executive
CALL = "7782342274025937800"
WORKSPACE = "623457276584334"
FLOW = "1695493301223590792"
PROFILE = "3843152912968920039"
INTEGRATION = 5517027188234205706
MEETING = "7300000000000000001"
OWNER = "dana.lee@acme-robotics.example"
AE = "omar.haddad@acme-robotics.example"
CONTACT = "jamie.rivera@northwind.example"


def _read_window() -> tuple[date, date]:
    """The days the read examples ask about: the 32 days up to the sandbox's calendar day, which
    holds its seeded calls (the 30 days before that day). The sandbox's day is today (UTC), or
    ``GONGQ_SANDBOX_TODAY`` when it is pinned (the tests pin 2026-11-02): read here from the same
    variable, so an example asks about the days the sandbox it runs against has data for."""
    pinned = os.environ.get("GONGQ_SANDBOX_TODAY", "").strip()
    day = date.fromisoformat(pinned) if pinned else datetime.now(UTC).date()
    return day - timedelta(days=32), day


FROM_DAY, TO_DAY = _read_window()
SEEDED = {"filter__fromDate": FROM_DAY.isoformat(), "filter__toDate": TO_DAY.isoformat()}
SEEDED_TIMES = {"fromDateTime": f"{FROM_DAY}T00:00:00Z", "toDateTime": f"{TO_DAY}T00:00:00Z"}
CONTENT = {
    "reportingSystem": "Highspot",
    "eventTimestamp": "2026-10-28T10:00:00Z",
    "contentId": "deck-42",
    "contentUrl": "https://content.example/deck-42",
    "contentTitle": "Acme pricing deck",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "add_call": {
        "title": "Discovery with Northwind",
        "actualStart": "2026-10-20T15:00:00Z",
        "primaryUser": USER,
        "downloadMediaUrl": "{media_url}",
        "parties": [{"emailAddress": CONTACT, "name": "Jamie Rivera"}],
    },
    "add_call_media": {"id": CALL, "mediaUrl": "{media_url}"},
    "list_calls": SEEDED_TIMES,
    "get_call": {"id": CALL},
    "get_call_details": {
        "filter__callIds": [CALL],
        "contentSelector__exposedFields__parties": True,
        "contentSelector__exposedFields__content__topics": True,
    },
    "get_transcripts": {"filter__callIds": [CALL]},
    "list_manual_crm_associations": {"fromDateTime": SEEDED_TIMES["fromDateTime"]},
    "set_call_access": {"callAccessList": [{"callId": CALL, "userIds": ["234599484848427"]}]},
    "list_call_access": {"filter__callIds": [CALL]},
    "remove_call_access": {"callAccessList": [{"callId": CALL, "userIds": ["234599484848426"]}]},
    "list_users": {},
    "get_user": {"id": USER},
    "list_users_by_filter": {"filter__userIds": [USER, REP]},
    "get_user_settings_history": {"id": USER},
    "list_workspaces": {},
    "erase_email": {"emailAddress": CONTACT},
    "erase_phone": {"phoneNumber": "+442071838750"},
    "get_privacy_data_for_email": {"emailAddress": "maria.garcia@fabrikam.example"},
    "get_privacy_data_for_phone": {"phoneNumber": "+14155550123"},
    "aggregate_activity": SEEDED,
    "aggregate_activity_by_period": {**SEEDED, "aggregationPeriod": "WEEK"},
    "day_by_day_activity": {**SEEDED, "filter__userIds": [USER]},
    "interaction_stats": SEEDED,
    "scorecard_stats": {
        "filter__callFromDate": SEEDED["filter__fromDate"],
        "filter__callToDate": SEEDED["filter__toDate"],
    },
    "assign_prospects": {
        "crmProspectsIds": ["0035g00000AbCd003"],
        "flowId": FLOW,
        "flowInstanceOwnerEmail": OWNER,
    },
    "list_prospect_flows": {"crmProspectsIds": ["0035g00000AbCd010"]},
    "list_flows": {"flowOwnerEmail": AE},
    "create_meeting": {
        "startTime": "2026-12-01T16:00:00Z",
        "endTime": "2026-12-01T16:30:00Z",
        "organizerEmail": OWNER,
        "invitees": [{"email": AE, "displayName": "Omar Haddad"}],
        "title": "Pipeline review",
    },
    "update_meeting": {
        "meetingId": MEETING,
        "startTime": "2026-12-02T17:00:00Z",
        "endTime": "2026-12-02T17:45:00Z",
        "organizerEmail": OWNER,
        "invitees": [{"email": CONTACT}],
        "title": "Northwind renewal (moved)",
    },
    "delete_meeting": {"meetingId": MEETING, "organizerEmail": OWNER},
    "meeting_integration_status": {"emails": [OWNER, AE]},
    "register_crm_integration": {
        "name": "Acme HubSpot",
        "ownerEmail": "hannah.schmidt@acme-robotics.example",
    },
    "get_crm_integration": {},
    "delete_crm_integration": {"integrationId": INTEGRATION},
    "get_crm_objects": {
        "integrationId": INTEGRATION,
        "objectType": "CONTACT",
        "objectsCrmIds": ["0035g00000AbCd001", "0035g00000Missing"],
    },
    "list_crm_schema_fields": {"integrationId": INTEGRATION, "objectType": "CONTACT"},
    "get_crm_request_status": {"integrationId": INTEGRATION, "clientRequestId": "seed-upload-0001"},
    "upload_crm_objects": {"integrationId": INTEGRATION, "objectType": "ACCOUNT", "dataPath": "{crm_file}"},
    "list_permission_profiles": {"workspaceId": WORKSPACE},
    "get_permission_profile": {"profileId": PROFILE},
    "create_permission_profile": {
        "workspaceId": WORKSPACE,
        "name": "Contractors",
        "callsAccess__permissionLevel": "own",
        "library": True,
    },
    "update_permission_profile": {
        "profileId": PROFILE,
        "callsAccess__permissionLevel": "managers-team",
        "downloadCallMedia": False,
    },
    "list_permission_profile_users": {"profileId": PROFILE},
    "report_content_viewed": {**CONTENT, "viewer__email": CONTACT, "viewer__name": "Jamie Rivera"},
    "report_content_shared": {**CONTENT, "sharer__email": AE, "recipients": [{"email": CONTACT}]},
    "report_custom_engagement": {
        "reportingSystem": "DocuSign",
        "eventTimestamp": "2026-10-30T12:00:00Z",
        "actionName": "Contract Signed",
        "actor__email": CONTACT,
    },
    "post_digital_interaction": {
        "timestamp": "2026-10-29T09:30:00Z",
        "eventType": "page viewed",
        "content__contentTitle": "Pricing page",
        "content__contentUrl": "https://acme-robotics.example/pricing",
        "person__email": CONTACT,
    },
    "list_library_folders": {},
    "list_folder_calls": {"folderId": "5001"},
    "list_scorecards": {},
    "list_trackers": {"workspaceId": WORKSPACE},
    "list_logs": {"logType": "AccessLog", **SEEDED_TIMES},
    "list_coaching_metrics": {
        "workspace__id": WORKSPACE,
        "manager__id": USER,
        "from": SEEDED_TIMES["fromDateTime"],
        "to": SEEDED_TIMES["toDateTime"],
    },
}


def example(name: str, **files: str) -> dict[str, Any]:
    """The example payload of ``name`` with ``{media_url}`` / ``{crm_file}`` filled from ``files``."""
    return {key: _fill(value, files) for key, value in EXAMPLES[name].items()}


def _fill(value: Any, files: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return files.get(value[1:-1], value)
    if isinstance(value, list):
        return [_fill(v, files) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, files) for k, v in value.items()}
    return value
