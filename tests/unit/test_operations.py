"""The catalog's payload and result models: what producers may send and what is stored."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from worker.errors import UnknownOperation
from worker.operations import (
    CATALOG,
    AddCallPayload,
    AssignProspectsPayload,
    AssignProspectsResult,
    EraseEmailPayload,
    ErasePhonePayload,
    Lane,
    OperationKind,
    get_operation,
)
from worker.operations.examples import EXAMPLES, example

MEDIA = "https://media.example/call.wav"


def _reference_tools() -> dict[str, dict[str, Any]]:
    raw = json.loads(resources.files("sandbox").joinpath("data/gong-tools.json").read_text())
    return {tool["slug"]: tool for tool in raw}


def test_catalog_has_one_typed_operation_per_gong_tool_plus_ask() -> None:
    typed = [op for op in CATALOG.values() if not op.is_free_form]
    assert len(typed) == 53
    assert {op.slug for op in typed} == set(_reference_tools())
    assert [op.name for op in CATALOG.values() if op.is_free_form] == ["ask"]


@pytest.mark.parametrize("name", sorted(n for n in CATALOG if n != "ask"))
def test_operation_kind_and_required_arguments_match_the_gong_tool(name: str) -> None:
    operation = CATALOG[name]
    tool = _reference_tools()[operation.slug]
    assert operation.kind.value == tool["kind"]

    payload = operation.payload_model.model_validate(example(name, media_url=MEDIA, crm_file="/x.ldjson"))
    arguments = payload.for_task("0123abcd").to_arguments()
    # The example's arguments carry everything Gong requires; the file is staged by the worker.
    assert set(tool["required"]) - set(arguments) <= {payload.file_argument}


def test_every_typed_operation_has_an_example() -> None:
    assert set(EXAMPLES) == {name for name, op in CATALOG.items() if not op.is_free_form}


def test_task_defaults_make_redeliveries_recognisable_to_gong() -> None:
    call = get_operation("add_call").payload_model.model_validate(example("add_call", media_url=MEDIA))
    assert call.for_task("t1").to_arguments()["clientUniqueId"] == "gongq-t1"
    event = get_operation("post_digital_interaction").payload_model.model_validate(
        example("post_digital_interaction")
    )
    assert event.for_task("t1").to_arguments()["eventId"] == "gongq-t1"
    given = {**example("delete_crm_integration"), "clientRequestId": "mine-1"}
    crm = get_operation("delete_crm_integration").payload_model.model_validate(given)
    assert crm.for_task("t1").to_arguments()["clientRequestId"] == "mine-1"


def test_file_operations_never_put_the_file_reference_in_tool_arguments() -> None:
    media = get_operation("add_call_media").payload_model.model_validate(
        example("add_call_media", media_url=MEDIA)
    )
    assert media.to_arguments() == {"id": "7782342274025937800"}
    assert media.file_source() == MEDIA
    with pytest.raises(ValidationError, match="exactly one of mediaUrl or mediaPath"):
        get_operation("add_call_media").payload_model.model_validate(
            {"id": "1", "mediaPath": "/a", "mediaUrl": MEDIA}
        )


def test_erasures_are_destructive_and_ride_the_privacy_lane() -> None:
    for name in ("erase_email", "erase_phone"):
        assert CATALOG[name].kind is OperationKind.DESTRUCTIVE
        assert CATALOG[name].lane is Lane.PRIVACY


def test_a_mistyped_operation_suggests_the_close_names() -> None:
    with pytest.raises(UnknownOperation) as refused:
        get_operation("add_cal")
    assert str(refused.value) == (
        "unknown operation 'add_cal'; did you mean 'add_call' or 'add_call_media'? "
        f"(`gongq ops` lists the {len(CATALOG)} operations)"
    )


def test_an_unknown_operation_with_no_close_name_points_at_the_catalog() -> None:
    with pytest.raises(UnknownOperation) as refused:
        get_operation("teleport")
    assert (
        str(refused.value)
        == f"unknown operation 'teleport' (`gongq ops` lists the {len(CATALOG)} operations)"
    )


def test_email_is_trimmed_and_lower_cased_into_gong_argument_names() -> None:
    payload = EraseEmailPayload.model_validate({"email_address": "  Jane.Doe@Example.COM "})
    assert payload.to_arguments() == {"emailAddress": "jane.doe@example.com"}


def test_payload_accepts_gong_names_as_well_as_pythonic_names() -> None:
    assert EraseEmailPayload.model_validate({"emailAddress": "a@b.io"}).email_address == "a@b.io"


@pytest.mark.parametrize("bad", ["not-an-email", "a@b", "@b.com", ""])
def test_malformed_email_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        EraseEmailPayload.model_validate({"email_address": bad})


def test_phone_separators_are_removed_to_e164() -> None:
    assert (
        ErasePhonePayload.model_validate({"phone_number": "+1 (415) 555-0123"}).phone_number == "+14155550123"
    )


@pytest.mark.parametrize("bad", ["4155550123", "+0123456789", "+12", "+1415555012345678"])
def test_phone_without_country_code_or_bad_length_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        ErasePhonePayload.model_validate({"phone_number": bad})


def test_unknown_payload_fields_are_rejected_not_ignored() -> None:
    with pytest.raises(ValidationError, match="extra"):
        EraseEmailPayload.model_validate({"email_address": "a@b.io", "also_erase": "ceo@example.com"})


def test_add_call_puts_the_primary_user_among_the_parties() -> None:
    payload = AddCallPayload.model_validate(
        {
            "title": "Intro",
            "actual_start": "2026-11-01T10:00:00Z",
            "primary_user": "234599484848423",
            "media_url": "https://recordings.example/call.wav",
            "parties": [{"email_address": "Buyer@Customer.example"}],
        }
    )
    arguments = payload.to_arguments()
    assert arguments["parties"] == [{"userId": "234599484848423"}, {"emailAddress": "buyer@customer.example"}]
    assert arguments["downloadMediaUrl"] == "https://recordings.example/call.wav"
    assert "clientUniqueId" not in arguments


def test_add_call_media_must_be_an_http_url() -> None:
    with pytest.raises(ValidationError):
        AddCallPayload.model_validate(
            {
                "title": "Intro",
                "actual_start": "2026-11-01T10:00:00Z",
                "primary_user": "1",
                "media_url": "file:///etc/passwd",
            }
        )


def test_assign_prospects_limits_to_200_ids_per_request() -> None:
    with pytest.raises(ValidationError):
        AssignProspectsPayload.model_validate(
            {
                "crm_prospects_ids": [str(i) for i in range(201)],
                "flow_id": "1",
                "flow_instance_owner_email": "rep@acme.example",
            }
        )


def test_assign_result_keeps_unassigned_prospects_with_their_reason() -> None:
    result = AssignProspectsResult.model_validate(
        {
            "requestId": "abc",
            "prospectsAssigned": [{"crmProspectId": "p1", "flowId": "f", "flowInstanceId": "i1"}],
            "prospectsNotAssigned": [
                {
                    "crmProspectId": "p2",
                    "flowId": "f",
                    "errorCode": "InvalidState",
                    "errorMessage": "already in an exclusive flow",
                }
            ],
        }
    )
    assert [p.crm_prospect_id for p in result.assigned] == ["p1"]
    assert result.not_assigned[0].error_code == "InvalidState"
