"""Engage flows and prospects: partial failures are reported per prospect inside a 200."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import seed
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import check_email, json_body, json_object, paginate, require
from sandbox.gong.state import GongState

MAX_PROSPECTS = 200


def register(router: APIRouter, state: GongState) -> None:
    @router.get("/v2/flows")
    async def list_flows(request: Request) -> dict[str, Any]:
        owner = check_email(request.query_params.get("flowOwnerEmail"), "flowOwnerEmail").lower()
        flows = [
            {k: v for k, v in f.items() if k != "ownerEmail"}
            for f in state.flows
            if f["visibility"] == "Company" or f["ownerEmail"] == owner
        ]
        page, records = paginate(flows, request.query_params.get("cursor"))
        return ok({"records": records, "flows": page})

    @router.post("/v2/flows/prospects/assign")
    async def assign(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "crmProspectsIds", "flowId", "flowInstanceOwnerEmail")
        ids = body["crmProspectsIds"]
        if not isinstance(ids, list) or len(ids) > MAX_PROSPECTS:
            raise GongError(400, f"crmProspectsIds must be a list of at most {MAX_PROSPECTS} ids")
        owner_email = check_email(body["flowInstanceOwnerEmail"], "flowInstanceOwnerEmail")
        owner = state.user_by_email(owner_email)
        flow = next((f for f in state.flows if f["id"] == str(body["flowId"])), None)
        if flow is None:
            raise GongError(400, f"flowId {body['flowId']} does not exist")
        if owner is None:
            raise GongError(400, f"flowInstanceOwnerEmail {owner_email} is not a Gong user")
        assigned, not_assigned = [], []
        with state.lock:
            for crm_id in map(str, ids):
                running = [i for i in state.flow_instances if i["crmProspectId"] == crm_id]
                exclusive = [
                    i for i in running if any(f["id"] == i["flowId"] and f["exclusive"] for f in state.flows)
                ]
                if crm_id not in seed.PROSPECT_IDS:
                    not_assigned.append(
                        {
                            "crmProspectId": crm_id,
                            "flowId": flow["id"],
                            "errorCode": "InvalidArgument",
                            "errorMessage": "Prospect not found in the CRM",
                        }
                    )
                elif exclusive or any(i["flowId"] == flow["id"] for i in running):
                    not_assigned.append(
                        {
                            "crmProspectId": crm_id,
                            "flowId": flow["id"],
                            "errorCode": "InvalidState",
                            "errorMessage": "Prospect is already in an exclusive flow or this flow",
                        }
                    )
                else:
                    instance = {
                        "crmProspectId": crm_id,
                        "flowId": flow["id"],
                        "flowName": flow["name"],
                        "flowInstanceId": f"88{len(state.flow_instances) + 1:016d}",
                        "flowInstanceOwnerEmail": owner["emailAddress"],
                        "flowInstanceOwnerFullName": f"{owner['firstName']} {owner['lastName']}",
                        "flowInstanceCreateDate": seed.zulu(state.anchor),
                        "flowInstanceStatus": "Running",
                        "workspaceId": seed.WORKSPACES[0]["id"],
                        "exclusive": flow["exclusive"],
                    }
                    state.flow_instances.append(instance)
                    assigned.append(instance)
        return ok({"prospectsAssigned": assigned, "prospectsNotAssigned": not_assigned})

    @router.post("/v2/flows/prospects")
    async def flows_for_prospects(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "crmProspectsIds")
        ids = set(map(str, body["crmProspectsIds"]))
        return ok({"prospectsAssigned": [i for i in state.flow_instances if i["crmProspectId"] in ids]})
