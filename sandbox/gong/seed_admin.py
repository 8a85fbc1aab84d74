"""Deterministic administrative seed: permission profiles, the CRM integration and its objects,
a meeting, API call-access grants, manual CRM associations, audit logs and settings history.

The ids are fixed because other parts of the project (tool-router examples, docs) quote them;
timestamps keep fixed offsets from the seed's anchor (``seed.reference_date``), as in ``seed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.gong import seed
from sandbox.gong.seed import at, zulu

SALES = seed.WORKSPACES[0]["id"]
INTEGRATION_ID = 5517027188234205706
SEED_UPLOAD = "seed-upload-0001"

PROFILE_FLAGS = [
    "account",
    "activity",
    "callsAndSearch",
    "coaching",
    "createEditAndDeleteDealsBoards",
    "crmDataImport",
    "crmDataInlineEditing",
    "deals",
    "dealsInlineEditing",
    "deleteCalls",
    "deleteEmails",
    "downloadCallMedia",
    "engageCreateAndManageRulesets",
    "engageManageCompanySequences",
    "engageManageCompanyTemplates",
    "engageSnoozeFlowToDosForOthers",
    "exportCallsAndCoachingDataToCSV",
    "forecast",
    "forecastManage",
    "initiatives",
    "library",
    "listenInCalls",
    "manageGeneralBusinessSettings",
    "manageRevenueAnalytics",
    "manageScorecards",
    "manuallyScheduleAndUploadCalls",
    "market",
    "overrideScore",
    "privateCalls",
    "scoreCalls",
    "shareCallsWithCustomers",
    "teamStats",
    "trimCalls",
    "usage",
    "viewEngageAnalyticsActivity",
    "viewEngageAnalyticsFlows",
    "viewEngageAnalyticsPerformance",
    "viewRevenueAnalytics",
]
ACCESS_OBJECTS = [
    "callsAccess",
    "coachingAccess",
    "dealsAccess",
    "emailsAccess",
    "insightsAccess",
    "usageAccess",
]
FORECAST_OBJECTS = ["forecastAccess", "forecastEditSubmissions", "forecastEditTargets"]
ACCESS_LEVELS = {"all", "managers-team", "report-to-them", "own", "none"}
LIBRARY_LEVELS = {"none", "all", "specific-folders"}
LIBRARY_FLAGS = ["managePublicFolder", "manageStreams", "manageFolderCalls", "shareFoldersAndStreams"]

# (id, name, description, access level, flags granted: "all" or the listed names)
_PROFILES: list[tuple[str, str, str, str, set[str] | None]] = [
    ("3843152912968920037", "Admins", "Full access to everything", "all", None),
    (
        "3843152912968920038",
        "Managers",
        "Team leads: their teams' calls, coaching and deals",
        "managers-team",
        {
            "activity",
            "callsAndSearch",
            "coaching",
            "deals",
            "forecast",
            "library",
            "listenInCalls",
            "scoreCalls",
            "teamStats",
            "usage",
            "shareCallsWithCustomers",
            "downloadCallMedia",
            "trimCalls",
        },
    ),
    (
        "3843152912968920039",
        "Reps",
        "Individual contributors: their own calls and deals",
        "own",
        {"callsAndSearch", "deals", "library", "listenInCalls", "shareCallsWithCustomers"},
    ),
]
_MEMBERS = {"Dana": "Admins", "Hannah": "Admins", "Ben": "Managers", "Omar": "Managers", "Priya": "Managers"}


def permission_profiles() -> list[dict[str, Any]]:
    """The three profiles of the Sales workspace; ``_workspaceId`` is bookkeeping, not output."""
    out = []
    for pid, name, description, level, flags in _PROFILES:
        profile: dict[str, Any] = {"id": pid, "name": name, "description": description}
        profile.update({f: flags is None or f in flags for f in PROFILE_FLAGS})
        profile.update({a: {"permissionLevel": level, "teamLeadIds": []} for a in ACCESS_OBJECTS})
        profile["forecastPermissions"] = {
            f: {"permissionLevel": level, "teamLeadIds": []} for f in FORECAST_OBJECTS
        }
        full = flags is None
        profile["libraryFolderAccess"] = {
            "permissionLevel": "all",
            "libraryFolderIds": [],
            **{f: full for f in LIBRARY_FLAGS},
        }
        profile["_workspaceId"] = SALES
        out.append(profile)
    return out


def profile_members(users: list[dict[str, Any]]) -> dict[str, str]:
    """User id -> permission profile id (every user has exactly one)."""
    by_name = {p[1]: p[0] for p in _PROFILES}
    return {u["id"]: by_name[_MEMBERS.get(u["firstName"], "Reps")] for u in users}


def crm_integration() -> dict[str, Any]:
    return {
        "integrationId": INTEGRATION_ID,
        "name": "Acme Salesforce",
        "ownerEmail": "hannah.schmidt@acme-robotics.example",
    }


def _account_id(index: int) -> str:
    return f"0015g00000Acc{index + 1:03d}"


def crm_objects(anchor: datetime) -> dict[str, dict[str, dict[str, Any]]]:
    """objectType -> crmId -> fields, as uploaded to the integration (LDJSON field names)."""
    synced = zulu(at(anchor, -32, 12))
    accounts: dict[str, dict[str, Any]] = {}
    contacts: dict[str, dict[str, Any]] = {}
    leads: dict[str, dict[str, Any]] = {}
    deals: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(seed.CONTACTS):
        domain = c["email"].split("@")[1]
        accounts[_account_id(i)] = {
            "objectId": _account_id(i),
            "name": c["company"],
            "domain": domain,
            "industry": "Manufacturing",
            "modifiedDate": synced,
        }
        first, last = c["name"].split(" ", 1)
        person = {
            "objectId": c["crmId"],
            "firstName": first,
            "lastName": last,
            "emailAddress": c["email"],
            "phoneNumber": c["phone"],
            "accountId": _account_id(i),
            "modifiedDate": synced,
        }
        (leads if c["objectType"] == "Lead" else contacts)[c["crmId"]] = person
        deal_id = f"0065g00000Opp{i + 1:03d}"
        deals[deal_id] = {
            "objectId": deal_id,
            "name": f"{c['company']} - robotics cell",
            "accountId": _account_id(i),
            "amount": 50_000 * (i + 1),
            "stage": ["Discovery", "Demo", "Proposal", "Negotiation", "Closed Won"][i],
            "closeDate": at(anchor, 39 + i).date().isoformat(),
            "modifiedDate": zulu(at(anchor, -17, 12)),
        }
    return {"ACCOUNT": accounts, "CONTACT": contacts, "LEAD": leads, "DEAL": deals}


def _field(anchor: datetime, name: str, label: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "uniqueName": name,
        "label": label,
        "type": kind,
        "lastModified": zulu(at(anchor, -153, 9)),
        "isDeleted": False,
        "referenceTo": extra.get("referenceTo"),
        "orderedValueList": extra.get("orderedValueList", []),
    }


def crm_schema(anchor: datetime) -> dict[str, list[dict[str, Any]]]:
    """objectType -> the CRM fields the integration selected (GET /v2/crm/entity-schema)."""
    return {
        "ACCOUNT": [
            _field(anchor, "name", "Account Name", "STRING"),
            _field(anchor, "domain", "Website", "URL"),
            _field(anchor, "industry", "Industry", "PICKLIST", orderedValueList=["Manufacturing", "Retail"]),
        ],
        "CONTACT": [
            _field(anchor, "firstName", "First Name", "STRING"),
            _field(anchor, "lastName", "Last Name", "STRING"),
            _field(anchor, "emailAddress", "Email", "EMAILADDRESS"),
            _field(anchor, "phoneNumber", "Phone", "PHONENUMBER"),
            _field(anchor, "accountId", "Account", "REFERENCE", referenceTo="ACCOUNT"),
        ],
        "DEAL": [
            _field(anchor, "name", "Opportunity Name", "STRING"),
            _field(anchor, "amount", "Amount", "CURRENCY"),
            _field(
                anchor,
                "stage",
                "Stage",
                "PICKLIST",
                orderedValueList=["Discovery", "Demo", "Proposal", "Negotiation", "Closed Won"],
            ),
            _field(anchor, "closeDate", "Close Date", "DATE"),
            _field(anchor, "accountId", "Account", "REFERENCE", referenceTo="ACCOUNT"),
        ],
        "LEAD": [
            _field(anchor, "firstName", "First Name", "STRING"),
            _field(anchor, "lastName", "Last Name", "STRING"),
            _field(anchor, "emailAddress", "Email", "EMAILADDRESS"),
            _field(anchor, "phoneNumber", "Phone", "PHONENUMBER"),
        ],
    }


def crm_requests() -> list[dict[str, Any]]:
    """A completed upload (DONE long ago): ``done_at`` 0 puts it before any clock reading."""
    return [
        {
            "integrationId": INTEGRATION_ID,
            "clientRequestId": SEED_UPLOAD,
            "kind": "upload",
            "objectType": "ACCOUNT",
            "created_at": 0.0,
            "done_at": 0.0,
            "applied": True,
            "objects": [],
            "successCount": 5,
            "errors": [],
        }
    ]


def meetings(anchor: datetime) -> dict[str, dict[str, Any]]:
    """One upcoming meeting, a month after the anchor."""
    return {
        "7300000000000000001": {
            "meetingId": "7300000000000000001",
            "startTime": at(anchor, 32, 17).isoformat(),
            "endTime": at(anchor, 32, 17.75).isoformat(),
            "organizerEmail": "dana.lee@acme-robotics.example",
            "invitees": [{"email": "jamie.rivera@northwind.example", "displayName": "Jamie Rivera"}],
            "title": "Northwind renewal",
            "externalId": None,
        }
    }


def call_access() -> dict[str, list[str]]:
    """Call access granted through the API (PUT /v2/calls/users-access)."""
    return {"7782342274025937800": ["234599484848426"]}


def manual_associations(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Calls a rep linked to CRM records by hand; call 0 is re-associated later (a second event)."""
    out = []
    for n, deal_shift, hours in ((0, 0, 3), (3, 0, 5), (7, 0, 4), (0, 1, 30)):
        call = calls[n]
        contact = n % len(seed.CONTACTS)
        account = (contact + deal_shift) % len(seed.CONTACTS)
        out.append(
            {
                "callId": call["id"],
                "userId": call["primaryUserId"],
                "created": (datetime.fromisoformat(call["started"]) + timedelta(hours=hours)).isoformat(),
                "associatedCrmObjects": [
                    {"accountCrmId": _account_id(account), "dealCrmId": f"0065g00000Opp{account + 1:03d}"}
                ],
            }
        )
    return sorted(out, key=lambda a: a["created"])


LOG_TYPES = [
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
]


def logs(anchor: datetime, users: list[dict[str, Any]], calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Eight entries of each log type spread over the month before the anchor (``logType`` is
    bookkeeping)."""
    start = at(anchor, -31, 8)
    out = []
    for t, log_type in enumerate(LOG_TYPES):
        for i in range(8):
            user = users[(i + t) % len(users)]
            call = calls[(3 * i + t) % len(calls)]
            outsider = seed.CONTACTS[i % len(seed.CONTACTS)]["email"]
            record: dict[str, Any] = {
                "AccessLog": {
                    "ipAddress": f"203.0.113.{10 + i}",
                    "userAgent": "Mozilla/5.0",
                    "eventType": "LOGIN",
                },
                "UserActivityLog": {
                    "action": ["UPDATED_SETTINGS", "CREATED_TRACKER", "SHARED_CALL"][i % 3],
                    "objectId": call["id"],
                },
                "UserCallPlay": {
                    "callId": call["id"],
                    "callTitle": call["title"],
                    "playbackDurationSec": 60 + 30 * i,
                },
                "ExternallySharedCallAccess": {"callId": call["id"], "sharedWithEmailAddress": outsider},
                "ExternallySharedCallPlay": {
                    "callId": call["id"],
                    "sharedWithEmailAddress": outsider,
                    "playbackDurationSec": 45 + 15 * i,
                },
            }[log_type]
            out.append(
                {
                    "logType": log_type,
                    "eventTime": (start + timedelta(days=3 * i + 0.5 * t, hours=t)).isoformat(),
                    "userId": user["id"],
                    "userEmailAddress": user["emailAddress"],
                    "userFullName": f"{user['firstName']} {user['lastName']}",
                    "impersonatorUserId": None,
                    "impersonatorEmailAddress": None,
                    "impersonatorFullName": None,
                    "impersonatorCompanyId": None,
                    "logRecord": record,
                }
            )
    return sorted(out, key=lambda e: e["eventTime"])


def settings_history(users: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """User id -> setting changes, oldest first: initial values at creation, then a few toggles."""
    out: dict[str, list[dict[str, Any]]] = {}
    for index, user in enumerate(users):
        created = datetime.fromisoformat(user["created"])
        history = [
            {"setting": s, "time": created.isoformat(), "value": v}
            for s, v in (
                ("active", True),
                ("webConferencesRecorded", True),
                ("emailsImported", True),
                ("callsImported", True),
                ("nonRecordedMeetingsImported", True),
            )
        ]
        if index % 3 == 0:
            history.append(
                {
                    "setting": "nonRecordedMeetingsImported",
                    "value": False,
                    "time": (created + timedelta(days=30)).isoformat(),
                }
            )
        else:
            history.append(
                {
                    "setting": "nonRecordedMeetingsImported",
                    "value": False,
                    "time": (created + timedelta(days=5)).isoformat(),
                }
            )
        if index % 4 == 1:
            history.append(
                {
                    "setting": "gongConnectEnabled",
                    "value": True,
                    "time": (created + timedelta(days=60)).isoformat(),
                }
            )
        out[user["id"]] = history
    return out
