"""The generic CRM integration: register, inspect, upload objects, delete, follow async jobs.

Uploads and deletes are asynchronous on Gong's side and keyed by a ``clientRequestId`` that
Gong refuses to see twice; gongq derives it from the task id, so a redelivered task is
recognised by Gong instead of repeated.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import AnyHttpUrl, Field, model_validator

from worker.operations.base import (
    Email,
    GongRecord,
    Int64,
    NoArguments,
    OperationKind,
    Payload,
    RequestResult,
    operation,
)

CLIENT_REQUEST_ID = r"^[A-Za-z0-9_-]{1,128}$"
OBJECT_TYPE = "^(ACCOUNT|CONTACT|DEAL|LEAD)$"


class RegisterIntegrationPayload(Payload):
    name: str = Field(min_length=1, max_length=255)
    owner_email: Email = Field(alias="ownerEmail")


class RegisterIntegrationResult(RequestResult):
    integration_id: int = Field(alias="integrationId")


class Integration(GongRecord):
    integration_id: int = Field(alias="integrationId")
    name: str | None = None


class GetIntegrationResult(RequestResult):
    integrations: list[Integration]


class ClientRequestPayload(Payload):
    """An asynchronous CRM job; ``clientRequestId`` defaults to one derived from the task."""

    integration_id: Int64 = Field(alias="integrationId")
    client_request_id: str | None = Field(default=None, alias="clientRequestId", pattern=CLIENT_REQUEST_ID)

    def for_task(self, task_id: str) -> Self:
        if self.client_request_id is not None:
            return self
        return self.model_copy(update={"client_request_id": f"gongq-{task_id}"})


class ClientRequestResult(RequestResult):
    client_request_id: str = Field(alias="clientRequestId")


class CrmObjectsPayload(Payload):
    integration_id: Int64 = Field(alias="integrationId")
    object_type: str = Field(alias="objectType", pattern=OBJECT_TYPE)
    objects_crm_ids: tuple[str, ...] = Field(alias="objectsCrmIds", min_length=1, max_length=100)


class CrmObjectsResult(RequestResult):
    crm_objects_map: dict[str, dict[str, Any] | None] = Field(alias="crmObjectsMap")


class SchemaFieldsPayload(Payload):
    integration_id: Int64 = Field(alias="integrationId")
    object_type: str = Field(alias="objectType", pattern=OBJECT_TYPE)


class SchemaFieldsResult(RequestResult):
    object_type_to_selected_fields: dict[str, list[GongRecord]] = Field(alias="objectTypeToSelectedFields")


class RequestStatusPayload(Payload):
    integration_id: Int64 = Field(alias="integrationId")
    client_request_id: str = Field(alias="clientRequestId", pattern=CLIENT_REQUEST_ID)


class RequestStatusResult(RequestResult):
    status: str
    total_success_count: int | None = Field(default=None, alias="totalSuccessCount")
    total_error_count: int | None = Field(default=None, alias="totalErrorCount")
    errors: list[GongRecord] = Field(default_factory=list)


class UploadObjectsPayload(ClientRequestPayload):
    """An LDJSON file of CRM objects (one type per file), given by reference like call media."""

    file_argument = "dataFile"

    object_type: str = Field(alias="objectType", pattern="^(ACCOUNT|CONTACT|DEAL|LEAD|BUSINESS_USER|STAGE)$")
    data_url: AnyHttpUrl | None = Field(default=None, alias="dataUrl")
    data_path: str | None = Field(default=None, alias="dataPath", min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.data_url is None) == (self.data_path is None):
            raise ValueError("give exactly one of dataUrl or dataPath")
        return self

    def to_arguments(self) -> dict[str, Any]:
        arguments = super().to_arguments()
        arguments.pop("dataUrl", None)
        arguments.pop("dataPath", None)
        return arguments

    def file_source(self) -> str:
        return str(self.data_url) if self.data_url is not None else str(self.data_path)


R, W, D = OperationKind.READ, OperationKind.WRITE, OperationKind.DESTRUCTIVE

OPERATIONS = (
    operation(
        "register_crm_integration",
        "GONG_REGISTER_CRM_INTEGRATION",
        RegisterIntegrationPayload,
        RegisterIntegrationResult,
        W,
        "Register a generic CRM integration (Gong allows one active integration).",
        repeatable=False,
    ),
    operation(
        "get_crm_integration",
        "GONG_GET_CRM_INTEGRATION_DETAILS",
        NoArguments,
        GetIntegrationResult,
        R,
        "Show the registered CRM integration.",
    ),
    operation(
        "delete_crm_integration",
        "GONG_DELETE_A_GENERIC_CRM_INTEGRATION_V2_CRM_INTEGRATIONS",
        ClientRequestPayload,
        ClientRequestResult,
        D,
        "Delete the CRM integration and all its CRM objects (asynchronous).",
    ),
    operation(
        "get_crm_objects",
        "GONG_GET_CRM_OBJECTS_V2_CRM_ENTITIES",
        CrmObjectsPayload,
        CrmObjectsResult,
        R,
        "Look up uploaded CRM objects by CRM id.",
    ),
    operation(
        "list_crm_schema_fields",
        "GONG_LIST_SCHEMA_FIELDS_V2_CRM_ENTITY_SCHEMA",
        SchemaFieldsPayload,
        SchemaFieldsResult,
        R,
        "List the fields uploaded for a CRM object type.",
    ),
    operation(
        "get_crm_request_status",
        "GONG_GET_REQUEST_STATUS_V2_CRM_REQUEST_STATUS",
        RequestStatusPayload,
        RequestStatusResult,
        R,
        "Follow an asynchronous CRM upload or delete.",
    ),
    operation(
        "upload_crm_objects",
        "GONG_UPLOAD_CRM_OBJECTS_V2_CRM_ENTITIES",
        UploadObjectsPayload,
        ClientRequestResult,
        W,
        "Upload (upsert) CRM objects from an LDJSON file given by URL or staged path.",
    ),
)
