"""Gong Engage flows and the prospects assigned to them."""

from __future__ import annotations

from pydantic import Field

from worker.operations.base import (
    Email,
    GongId,
    GongRecord,
    OperationKind,
    PagedResult,
    Payload,
    RequestResult,
    Result,
    operation,
)

#: CRM ids of contacts or leads, as the CRM spells them (Salesforce ids are 15-18 characters).
CrmId = str


class AssignProspectsPayload(Payload):
    crm_prospects_ids: tuple[CrmId, ...] = Field(alias="crmProspectsIds", min_length=1, max_length=200)
    flow_id: GongId = Field(alias="flowId")
    flow_instance_owner_email: Email = Field(alias="flowInstanceOwnerEmail")


class AssignedProspect(GongRecord):
    crm_prospect_id: str = Field(alias="crmProspectId")
    flow_id: str = Field(alias="flowId")
    flow_instance_id: str | None = Field(default=None, alias="flowInstanceId")
    flow_instance_status: str | None = Field(default=None, alias="flowInstanceStatus")


class NotAssignedProspect(Result):
    crm_prospect_id: str = Field(alias="crmProspectId")
    error_code: str = Field(alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")


class AssignProspectsResult(RequestResult):
    """Gong reports partial failures inside a 200; both lists are kept per prospect."""

    assigned: list[AssignedProspect] = Field(default_factory=list, alias="prospectsAssigned")
    not_assigned: list[NotAssignedProspect] = Field(default_factory=list, alias="prospectsNotAssigned")


class ProspectFlowsPayload(Payload):
    crm_prospects_ids: tuple[CrmId, ...] = Field(alias="crmProspectsIds", min_length=1, max_length=200)


class ProspectFlowsResult(RequestResult):
    assigned: list[AssignedProspect] = Field(default_factory=list, alias="prospectsAssigned")


class ListFlowsPayload(Payload):
    flow_owner_email: Email = Field(alias="flowOwnerEmail")
    workspace_id: GongId | None = Field(default=None, alias="workspaceId")
    cursor: str | None = None


class Flow(GongRecord):
    id: str
    name: str
    visibility: str | None = None


class ListFlowsResult(PagedResult):
    flows: list[Flow]


OPERATIONS = (
    operation(
        "assign_prospects",
        "GONG_ASSIGN_PROSPECTS_TO_FLOW",
        AssignProspectsPayload,
        AssignProspectsResult,
        OperationKind.WRITE,
        "Assign CRM prospects to a Gong Engage flow; unassigned ones are reported.",
        repeatable=False,
    ),
    operation(
        "list_prospect_flows",
        "GONG_LIST_FLOWS_FOR_CRM_PROSPECTS",
        ProspectFlowsPayload,
        ProspectFlowsResult,
        OperationKind.READ,
        "List the flows CRM prospects are assigned to.",
    ),
    operation(
        "list_flows",
        "GONG_LIST_GONG_ENGAGE_FLOWS_V2_FLOWS",
        ListFlowsPayload,
        ListFlowsResult,
        OperationKind.READ,
        "List company flows plus a user's personal and shared flows.",
    ),
)
