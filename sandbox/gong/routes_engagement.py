"""Customer engagement events (content viewed/shared, custom actions) and digital interactions.

Each accepted event lands on a timeline keyed by the external people it concerns, which
``/v2/data-privacy/data-for-email-address`` reports under ``customerEngagement``. A repeated
``eventId`` is refused with 409, as Gong refuses an event reported twice.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import check_email, json_body, json_object, one_of, parse_datetime, require
from sandbox.gong.state import GongState

DEVICES = {"MOBILE", "PC"}
PERSON_OBJECT_TYPES = {"CONTACT", "LEAD"}
PROPERTY_TYPES = {"number", "string", "url", "date"}


def _url(value: Any, field: str) -> None:
    if value is not None and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
        raise GongError(400, f"{field} must be an http(s) URL")


def _person_emails(value: Any, field: str) -> list[str]:
    """Emails of one person object or a list of them (validated when present)."""
    people = value if isinstance(value, list) else [value] if value is not None else []
    out = []
    for index, person in enumerate(people):
        where = f"{field}[{index}]" if isinstance(value, list) else field
        if not isinstance(person, dict):
            raise GongError(400, f"{where} must be an object")
        if person.get("email") is not None:
            out.append(check_email(person["email"], f"{where}.email").lower())
    return out


def _properties(body: dict[str, Any]) -> None:
    for name in ("contentProperties", "eventProperties"):
        for index, prop in enumerate(body.get(name) or []):
            if not isinstance(prop, dict) or "name" not in prop:
                raise GongError(400, f"{name}[{index}].name is required")
            if "dataType" in prop:
                one_of(prop["dataType"], f"{name}[{index}].dataType", PROPERTY_TYPES)


def register(router: APIRouter, state: GongState) -> None:
    def store(kind: str, event_id: Any, event: dict[str, Any]) -> dict[str, Any]:
        with state.lock:
            if event_id is not None and any(
                e["eventType"] == kind and e["sourceEventId"] == str(event_id) for e in state.engagement
            ):
                raise GongError(409, f"Event {event_id} was already reported")
            state.engagement.append(
                {"eventType": kind, "sourceEventId": None if event_id is None else str(event_id), **event}
            )
        return ok({})

    def engagement(body: dict[str, Any], *content_fields: str) -> dict[str, Any]:
        require(body, "reportingSystem", "eventTimestamp", *content_fields)
        stamp = parse_datetime(body["eventTimestamp"], "eventTimestamp")
        for field in ("contentUrl", "viewInfoUrl", "shareInfoUrl", "eventInfoUrl", "moreInfoUrl"):
            _url(body.get(field), field)
        _properties(body)
        return {
            "timestamp": stamp.isoformat(),
            "contentId": body.get("contentId"),
            "contentUrl": body.get("contentUrl"),
            "reportingSystem": body["reportingSystem"],
        }

    content = ("contentId", "contentUrl", "contentTitle")

    @router.put("/v2/customer-engagement/content/viewed")
    async def content_viewed(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        event = engagement(body, *content)
        emails = _person_emails(body.get("viewer"), "viewer")
        emails += _person_emails(body.get("nonCompanyParticipants"), "nonCompanyParticipants")
        name = body.get("viewActionTitle") or body.get("actionName") or "Content viewed"
        return store("contentViewed", body.get("eventId"), {**event, "eventName": name, "_emails": emails})

    @router.put("/v2/customer-engagement/content/shared")
    async def content_shared(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        event = engagement(body, *content)
        _person_emails(body.get("sharer"), "sharer")
        emails = _person_emails(body.get("recipients"), "recipients")
        emails += _person_emails(body.get("nonCompanyParticipants"), "nonCompanyParticipants")
        name = body.get("actionName") or "Content shared"
        return store("contentShared", body.get("eventId"), {**event, "eventName": name, "_emails": emails})

    @router.put("/v2/customer-engagement/action")
    async def custom_action(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        event = engagement(body)
        emails = _person_emails(body.get("actor"), "actor")
        emails += _person_emails(body.get("nonCompanyParticipants"), "nonCompanyParticipants")
        name = body.get("actionName") or "Custom event"
        return store("customEvent", body.get("eventId"), {**event, "eventName": name, "_emails": emails})

    @router.post("/v2/digital-interaction")
    async def digital_interaction(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "eventId", "timestamp", "eventType", "content", "person")
        stamp = parse_datetime(body["timestamp"], "timestamp")
        content_obj, person = body["content"], body["person"]
        if not isinstance(content_obj, dict):
            raise GongError(400, "content must be an object")
        require({f"content.{k}": v for k, v in content_obj.items()}, "content.contentTitle")
        _url(content_obj.get("contentUrl"), "content.contentUrl")
        if not isinstance(person, dict):
            raise GongError(400, "person must be an object")
        emails = _person_emails(person, "person")
        company: dict[str, Any] = person["company"] if isinstance(person.get("company"), dict) else {}
        if not emails and not person.get("personId") and not company.get("domain"):
            raise GongError(400, "person needs an email, a personId or company.domain")
        context = person.get("personBusinessContext")
        if isinstance(context, dict) and "objectType" in context:
            one_of(context["objectType"], "person.personBusinessContext.objectType", PERSON_OBJECT_TYPES)
        if "device" in body:
            one_of(body["device"], "device", DEVICES)
        event = {
            "eventName": str(body["eventType"]),
            "timestamp": stamp.isoformat(),
            "contentId": content_obj.get("contentId"),
            "contentUrl": content_obj.get("contentUrl"),
            "reportingSystem": body.get("sourceSystemName"),
            "_emails": emails,
        }
        return store("digitalInteraction", body["eventId"], event)
