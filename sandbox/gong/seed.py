"""Deterministic seed data: a small, realistic company ("Acme Robotics") and its customers.

Everything is derived from fixed values and one anchor, never from an unseeded random generator.
The anchor (:func:`reference_date`) is 00:00 UTC on the day before the sandbox's calendar day
(``SandboxConfig.model_today``: today's UTC date, or env ``GONGQ_SANDBOX_TODAY``), so the seeded
calls end shortly before "today" and the model's "last week" finds some. The builders take the
anchor as an argument (``GongState`` passes it): every timestamp keeps a fixed offset from it, so
the same day gives the same state, and ``GONGQ_SANDBOX_TODAY=2026-11-02`` the original one
(anchor 2026-11-01, calls through October 2026).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

COMPANY_DOMAIN = "acme-robotics.example"


def reference_date(today: date) -> datetime:
    """The seed's anchor for the calendar day ``today``: 00:00 UTC the day before."""
    return datetime.combine(today - timedelta(days=1), time(), UTC)


def at(anchor: datetime, days: float, hours: float = 0) -> datetime:
    """``days`` (negative: before) and ``hours`` after ``anchor``."""
    return anchor + timedelta(days=days, hours=hours)


def zulu(moment: datetime) -> str:
    """ISO 8601 with a ``Z`` suffix (the form Gong uses in many bodies)."""
    return moment.isoformat().replace("+00:00", "Z")


WORKSPACES = [
    {"id": "623457276584334", "name": "Sales", "description": "New business and expansion"},
    {"id": "623457276584335", "name": "Customer Success", "description": "Renewals and onboarding"},
]

_USERS = [
    ("234599484848423", "Dana", "Lee", "VP Sales", None),
    ("234599484848424", "Omar", "Haddad", "Account Executive", "234599484848423"),
    ("234599484848425", "Priya", "Natarajan", "Account Executive", "234599484848423"),
    ("234599484848426", "Lukas", "Becker", "Sales Development Rep", "234599484848424"),
    ("234599484848427", "Sofia", "Alvarez", "Sales Development Rep", "234599484848424"),
    ("234599484848428", "Chen", "Wei", "Solutions Engineer", "234599484848423"),
    ("234599484848429", "Grace", "Okafor", "Customer Success Manager", "234599484848433"),
    ("234599484848430", "Mateo", "Rossi", "Account Executive", "234599484848423"),
    ("234599484848431", "Hannah", "Schmidt", "Revenue Operations", "234599484848423"),
    ("234599484848432", "Yuki", "Tanaka", "Customer Success Manager", "234599484848433"),
    ("234599484848433", "Ben", "Carter", "Head of Customer Success", None),
    ("234599484848434", "Aisha", "Khan", "Sales Development Rep", "234599484848425"),
]


def users(anchor: datetime) -> list[dict[str, Any]]:
    """Gong User objects (GET /v2/users item shape)."""
    out = []
    for index, (uid, first, last, title, manager) in enumerate(_USERS):
        email = f"{first.lower()}.{last.lower()}@{COMPANY_DOMAIN}"
        out.append(
            {
                "id": uid,
                "emailAddress": email,
                "created": at(anchor, -(400 - 20 * index)).isoformat(),
                "active": True,
                "emailAliases": [],
                "trustedEmailAddress": email,
                "firstName": first,
                "lastName": last,
                "title": title,
                "phoneNumber": f"+1650555{1000 + index:04d}",
                "extension": None,
                "personalMeetingUrls": [f"https://zoom.example/j/{uid[-6:]}"],
                "managerId": manager,
                "meetingConsentPageUrl": f"https://app.gong.io/consent/{uid}",
                "spokenLanguages": [{"language": "en-US", "primary": True}],
                "settings": {
                    "webConferencesRecorded": True,
                    "preventWebConferenceRecording": False,
                    "telephonyCallsImported": True,
                    "emailsImported": True,
                    "preventEmailImport": False,
                    "nonRecordedMeetingsImported": False,
                    "gongConnectEnabled": True,
                },
            }
        )
    return out


#: External people who appear on calls, in emails and in CRM data (the erasure targets).
CONTACTS = [
    {
        "name": "Jamie Rivera",
        "email": "jamie.rivera@northwind.example",
        "phone": "+14155550123",
        "company": "Northwind Traders",
        "crmId": "0035g00000AbCd001",
        "objectType": "Contact",
    },
    {
        "name": "Alex Morgan",
        "email": "alex.morgan@contoso.example",
        "phone": "+442071838750",
        "company": "Contoso",
        "crmId": "0035g00000AbCd002",
        "objectType": "Contact",
    },
    {
        "name": "Maria Garcia",
        "email": "maria.garcia@fabrikam.example",
        "phone": "+34911234567",
        "company": "Fabrikam",
        "crmId": "00Q5g00000XyZ003",
        "objectType": "Lead",
    },
    {
        "name": "Kenji Sato",
        "email": "kenji.sato@tailspin.example",
        "phone": "+81312345678",
        "company": "Tailspin Toys",
        "crmId": "0035g00000AbCd004",
        "objectType": "Contact",
    },
    {
        "name": "Emma Brown",
        "email": "emma.brown@litware.example",
        "phone": "+16175550188",
        "company": "Litware",
        "crmId": "0035g00000AbCd005",
        "objectType": "Contact",
    },
]

_TOPICS = ["Discovery", "Demo", "Pricing", "Security review", "Onboarding kickoff"]


def calls(anchor: datetime) -> list[dict[str, Any]]:
    """20 calls over the 30 days before ``anchor``, each hosted by a user with one external contact."""
    people = users(anchor)
    out = []
    for n in range(20):
        host = _USERS[n % 8][0]
        contact = CONTACTS[n % len(CONTACTS)]
        started = at(anchor, -(30 - n * 1.5), 9 + n % 7)
        call_id = f"77823422740259{37800 + n:05d}"
        parties = [
            {
                "id": f"{call_id}1",
                "userId": host,
                "emailAddress": next(u["emailAddress"] for u in people if u["id"] == host),
                "name": None,
                "affiliation": "Internal",
                "speakerId": f"{call_id}1",
                "phoneNumber": None,
            },
            {
                "id": f"{call_id}2",
                "userId": None,
                "emailAddress": contact["email"],
                "name": contact["name"],
                "affiliation": "External",
                "speakerId": f"{call_id}2",
                "phoneNumber": contact["phone"],
            },
        ]
        out.append(
            {
                "id": call_id,
                "url": f"https://app.gong.io/call?id={call_id}",
                "title": f"{_TOPICS[n % len(_TOPICS)]} with {contact['company']}",
                "scheduled": started.isoformat(),
                "started": started.isoformat(),
                "duration": 900 + 120 * (n % 9),
                "primaryUserId": host,
                "direction": "Conference",
                "system": "Zoom",
                "scope": "External",
                "media": "Video",
                "language": "eng",
                "workspaceId": WORKSPACES[0]["id"],
                "sdrDisposition": None,
                "clientUniqueId": f"zoom-{call_id}",
                "customData": None,
                "purpose": None,
                "meetingUrl": f"https://zoom.example/j/{call_id[-8:]}",
                "isPrivate": False,
                "calendarEventId": None,
                "parties": parties,
            }
        )
    return out


def emails(anchor: datetime) -> list[dict[str, Any]]:
    """A few emails between reps and contacts (data-privacy lookup ``emails`` items)."""
    return [
        {
            "id": f"{i:032x}",
            "from": c["email"],
            "to": _USERS[i % 5][0],
            "sentTime": at(anchor, -(10 + i)).isoformat(),
            "mailbox": "inbox",
            "messageHash": f"{(i + 1) * 982451653:032x}"[-32:],
        }
        for i, c in enumerate(CONTACTS)
    ]


def flows(anchor: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": "1695493301223590792",
            "name": "Q4 Outbound",
            "folderId": "501",
            "folderName": "Company flows",
            "visibility": "Company",
            "creationDate": zulu(at(anchor, -61, 9)),
            "exclusive": False,
            "ownerEmail": f"dana.lee@{COMPANY_DOMAIN}",
        },
        {
            "id": "1695493301223590793",
            "name": "Enterprise Nurture",
            "folderId": "501",
            "folderName": "Company flows",
            "visibility": "Company",
            "creationDate": zulu(at(anchor, -78, 9)),
            "exclusive": True,
            "ownerEmail": f"dana.lee@{COMPANY_DOMAIN}",
        },
        {
            "id": "1695493301223590794",
            "name": "Omar's follow-ups",
            "folderId": "502",
            "folderName": "Personal",
            "visibility": "Personal",
            "creationDate": zulu(at(anchor, -31, 9)),
            "exclusive": False,
            "ownerEmail": f"omar.haddad@{COMPANY_DOMAIN}",
        },
    ]


#: CRM prospect ids Gong knows (contacts and leads synced from the CRM).
PROSPECT_IDS = [f"0035g00000AbCd{n:03d}" for n in range(1, 11)] + ["00Q5g00000XyZ003"]


def flow_instances(anchor: datetime) -> list[dict[str, Any]]:
    """Prospects already running in a flow: AbCd010 is in the exclusive Enterprise Nurture flow."""
    return [
        {
            "crmProspectId": "0035g00000AbCd010",
            "flowId": "1695493301223590793",
            "flowInstanceId": "880000000000000001",
            "flowInstanceOwnerEmail": f"dana.lee@{COMPANY_DOMAIN}",
            "flowInstanceStatus": "Running",
            "flowInstanceCreateDate": zulu(at(anchor, -12, 10)),
        }
    ]
