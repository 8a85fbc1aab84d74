"""HubSpot webhook events → gongq tasks, by a declarative mapping.

The mapping is data (a tuple of :class:`EventRule`), not code, so supporting another HubSpot
subscription means adding a rule, and tests can hand ``create_app`` rules of their own. A rule's
payload is a template: a string that is exactly ``{name}`` is replaced by the event's field of
that name (HubSpot's camelCase, e.g. ``{objectId}``) or a setting (``{settings.hubspot_flow_id}``).

Each event becomes at most one task, keyed ``hubspot:<eventId>``: HubSpot retries deliveries
and may repeat an event inside a batch, and the key makes both harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from producer.client import TaskRequest
from worker.settings import Settings

_PLACEHOLDER = re.compile(r"^\{([A-Za-z_][\w.]*)\}$")


class HubSpotEvent(BaseModel):
    """One item of HubSpot's batched webhook body; fields we do not use are kept, not refused."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event_id: int | str = Field(alias="eventId")
    subscription_type: str = Field(alias="subscriptionType")
    object_id: int | str | None = Field(default=None, alias="objectId")
    property_name: str | None = Field(default=None, alias="propertyName")
    property_value: str | None = Field(default=None, alias="propertyValue")
    occurred_at: int | None = Field(default=None, alias="occurredAt")
    attempt_number: int | None = Field(default=None, alias="attemptNumber")


@dataclass(frozen=True)
class EventRule:
    """Events of ``subscription_type`` (and, if set, changing ``property_name``) enqueue ``operation``."""

    subscription_type: str
    operation: str
    payload: Mapping[str, Any]
    property_name: str | None = None

    def matches(self, event: HubSpotEvent) -> bool:
        return event.subscription_type == self.subscription_type and (
            self.property_name is None or event.property_name == self.property_name
        )


#: Assign the contact the event is about to the configured Engage flow.
ASSIGN_CONTACT_TO_FLOW: Mapping[str, Any] = {
    "crmProspectsIds": ["{objectId}"],
    "flowId": "{settings.hubspot_flow_id}",
    "flowInstanceOwnerEmail": "{settings.hubspot_flow_owner_email}",
}

#: New contacts, and contacts whose lifecycle stage changes, go to the flow.
DEFAULT_RULES: tuple[EventRule, ...] = (
    EventRule("contact.creation", "assign_prospects", ASSIGN_CONTACT_TO_FLOW),
    EventRule(
        "contact.propertyChange", "assign_prospects", ASSIGN_CONTACT_TO_FLOW, property_name="lifecyclestage"
    ),
)


class MissingField(ValueError):
    """The event lacks a field its rule's payload needs."""


@dataclass(frozen=True)
class MappedEvent:
    """An event and the task request it maps to."""

    event_id: str
    request: TaskRequest


@dataclass(frozen=True)
class IgnoredEvent:
    """An event no rule turns into a task, and why."""

    event_id: str
    subscription_type: str
    reason: str


def idempotency_key(event: HubSpotEvent) -> str:
    """HubSpot's eventId is unique per event and stable across retries."""
    return f"hubspot:{event.event_id}"


@dataclass(frozen=True)
class HubSpotMapping:
    """The rules plus the setting values their templates may name."""

    rules: tuple[EventRule, ...]
    settings_context: Mapping[str, str]

    @classmethod
    def from_settings(cls, settings: Settings, rules: Iterable[EventRule] = DEFAULT_RULES) -> HubSpotMapping:
        context = {
            f"settings.{name}": str(value)
            for name in ("hubspot_flow_id", "hubspot_flow_owner_email", "user_id")
            if (value := getattr(settings, name)) is not None
        }
        return cls(tuple(rules), context)

    def plan(self, events: Iterable[HubSpotEvent]) -> tuple[list[MappedEvent], list[IgnoredEvent]]:
        """Map each event with the first rule that matches it; the others are ignored with a reason."""
        mapped: list[MappedEvent] = []
        ignored: list[IgnoredEvent] = []
        for event in events:
            event_id = str(event.event_id)
            rule = next((r for r in self.rules if r.matches(event)), None)
            if rule is None:
                what = event.subscription_type + (f" of {event.property_name}" if event.property_name else "")
                ignored.append(IgnoredEvent(event_id, event.subscription_type, f"no mapping for {what}"))
                continue
            try:
                payload = _render(rule.payload, self._context(event))
            except MissingField as exc:
                ignored.append(IgnoredEvent(event_id, event.subscription_type, str(exc)))
                continue
            mapped.append(MappedEvent(event_id, TaskRequest(rule.operation, payload, idempotency_key(event))))
        return mapped, ignored

    def _context(self, event: HubSpotEvent) -> dict[str, str]:
        fields = event.model_dump(by_alias=True, exclude_none=True)
        return {
            **{k: str(v) for k, v in fields.items() if isinstance(v, str | int | float | bool)},
            **self.settings_context,
        }


def _render(template: Any, context: Mapping[str, str]) -> Any:
    """Replace every ``{name}`` string in ``template`` (recursively) by its value in ``context``."""
    if isinstance(template, str):
        match = _PLACEHOLDER.match(template)
        if match is None:
            return template
        name = match.group(1)
        if name not in context:
            raise MissingField(f"event has no {name}")
        return context[name]
    if isinstance(template, Mapping):
        return {key: _render(value, context) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [_render(value, context) for value in template]
    return template
