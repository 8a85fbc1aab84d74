"""The Gong simulator in-process: Gong's error body, validation, pagination, limits, erasure."""

from __future__ import annotations

import hashlib
import time

from fastapi.testclient import TestClient

from producer.media_server import serving, tone_wav
from sandbox.gong import GongState
from sandbox.gong.http import paginate

USER = "234599484848423"


def new_call(**overrides: object) -> dict[str, object]:
    return {
        "clientUniqueId": "pbx-1",
        "actualStart": "2026-11-20T10:00:00Z",
        "primaryUser": USER,
        "direction": "Outbound",
        "parties": [{"userId": USER}],
        **overrides,
    }


def assert_gong_error(response: object, status: int, fragment: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"requestId", "errors"}
    assert len(body["requestId"]) == 19 and body["requestId"].isalnum()
    assert any(fragment in e for e in body["errors"]), body


def test_missing_credentials_get_401_access_denied(gong: TestClient) -> None:
    assert_gong_error(gong.get("/v2/users", auth=None), 401, "Access denied")
    assert_gong_error(gong.get("/v2/users", auth=("key", "wrong")), 401, "Access denied")


def test_every_success_body_carries_a_request_id(gong: TestClient) -> None:
    body = gong.get("/v2/users").json()
    assert body["requestId"] and len(body["users"]) == 12
    assert body["records"] == {"totalRecords": 12, "currentPageSize": 12, "currentPageNumber": 0}


def test_cursor_is_present_only_while_more_records_remain() -> None:
    items = [{"n": i} for i in range(5)]
    first, records = paginate(items, None, page_size=2)
    pages = [first]
    while "cursor" in records:
        page, records = paginate(items, records["cursor"], page_size=2)
        pages.append(page)
    assert [i["n"] for p in pages for i in p] == [0, 1, 2, 3, 4]
    assert records["currentPageNumber"] == 2


def test_add_call_names_every_missing_required_field(gong: TestClient) -> None:
    response = gong.post("/v2/calls", json={"title": "x"})
    assert_gong_error(response, 400, "clientUniqueId is required")
    assert any("primaryUser" in e for e in response.json()["errors"])


def test_add_call_rejects_a_naive_date_time(gong: TestClient) -> None:
    assert_gong_error(
        gong.post("/v2/calls", json=new_call(actualStart="2026-11-20T10:00:00")), 400, "time-zone"
    )


def test_add_call_requires_the_primary_user_among_the_parties(gong: TestClient) -> None:
    assert_gong_error(
        gong.post("/v2/calls", json=new_call(parties=[{"emailAddress": "a@b.io"}])), 400, "parties"
    )


def test_reused_client_unique_id_is_refused_with_409(gong: TestClient) -> None:
    first = gong.post("/v2/calls", json=new_call()).json()["callId"]
    assert_gong_error(gong.post("/v2/calls", json=new_call()), 409, first)


def test_uploaded_media_is_recorded_by_sha256(gong: TestClient) -> None:
    call_id = gong.post("/v2/calls", json=new_call()).json()["callId"]
    response = gong.put(f"/v2/calls/{call_id}/media", files={"mediaFile": ("call.wav", b"RIFF-bytes")})
    assert response.status_code == 201 and response.json()["callId"] == call_id
    media = gong.get(f"/_sandbox/gong/calls/{call_id}/media").json()
    assert media == {"status": "received", "sha256": hashlib.sha256(b"RIFF-bytes").hexdigest(), "bytes": 10}


def test_media_upload_without_a_file_is_a_400(gong: TestClient) -> None:
    call_id = gong.post("/v2/calls", json=new_call()).json()["callId"]
    assert_gong_error(gong.put(f"/v2/calls/{call_id}/media", data={"x": "1"}), 400, "mediaFile")


def test_media_for_an_unknown_call_is_a_404(gong: TestClient) -> None:
    assert_gong_error(gong.put("/v2/calls/1/media", files={"mediaFile": ("a.wav", b"x")}), 404, "not found")


def test_download_media_url_is_fetched_byte_for_byte(gong: TestClient) -> None:
    recording = tone_wav(0.5)
    with serving(recording) as media:
        call_id = gong.post("/v2/calls", json=new_call(downloadMediaUrl=media.url)).json()["callId"]
    assert gong.get(f"/_sandbox/gong/calls/{call_id}/media").json() == {
        "status": "received",
        "sha256": hashlib.sha256(recording).hexdigest(),
        "bytes": len(recording),
    }


def test_empty_call_range_is_a_404_not_an_empty_list(gong: TestClient) -> None:
    response = gong.get(
        "/v2/calls", params={"fromDateTime": "2020-01-01T00:00:00Z", "toDateTime": "2020-02-01T00:00:00Z"}
    )
    assert_gong_error(response, 404, "No calls found")


def test_unknown_user_is_a_404(gong: TestClient) -> None:
    assert_gong_error(gong.get("/v2/users/42"), 404, "not found")


def test_erased_email_stays_visible_until_the_erasure_completes(gong: TestClient) -> None:
    email = "jamie.rivera@northwind.example"
    before = gong.get("/v2/data-privacy/data-for-email-address", params={"emailAddress": email}).json()
    assert before["calls"] and before["customerData"]
    assert gong.post("/v2/data-privacy/erase-data-for-email-address", params={"emailAddress": email}).json()[
        "requestId"
    ]
    pending = gong.get("/v2/data-privacy/data-for-email-address", params={"emailAddress": email}).json()
    assert pending["calls"] == before["calls"]
    deadline = time.monotonic() + 5
    while gong.get("/v2/data-privacy/data-for-email-address", params={"emailAddress": email}).json()["calls"]:
        assert time.monotonic() < deadline, "erasure never completed"
        time.sleep(0.05)
    after = gong.get("/v2/data-privacy/data-for-email-address", params={"emailAddress": email}).json()
    assert after["customerData"] == [] and after["emails"] == []


def test_erase_phone_needs_a_plus_and_country_code(gong: TestClient) -> None:
    response = gong.post("/v2/data-privacy/erase-data-for-phone-number", params={"phoneNumber": "4155550123"})
    assert_gong_error(response, 400, "must start with +")


def test_erase_email_rejects_a_malformed_address(gong: TestClient) -> None:
    response = gong.post("/v2/data-privacy/erase-data-for-email-address", params={"emailAddress": "nope"})
    assert_gong_error(response, 400, "not a valid email")


def test_prospect_assignment_reports_partial_failures_inside_a_200(gong: TestClient) -> None:
    response = gong.post(
        "/v2/flows/prospects/assign",
        json={
            "crmProspectsIds": ["0035g00000AbCd003", "0035g00000NOPE", "0035g00000AbCd010"],
            "flowId": "1695493301223590792",
            "flowInstanceOwnerEmail": "dana.lee@acme-robotics.example",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert [p["crmProspectId"] for p in body["prospectsAssigned"]] == ["0035g00000AbCd003"]
    assert {p["crmProspectId"]: p["errorCode"] for p in body["prospectsNotAssigned"]} == {
        "0035g00000NOPE": "InvalidArgument",
        "0035g00000AbCd010": "InvalidState",
    }


def test_assign_to_an_unknown_flow_is_a_400(gong: TestClient) -> None:
    response = gong.post(
        "/v2/flows/prospects/assign",
        json={
            "crmProspectsIds": ["0035g00000AbCd003"],
            "flowId": "1",
            "flowInstanceOwnerEmail": "dana.lee@acme-robotics.example",
        },
    )
    assert_gong_error(response, 400, "flowId")


def test_meeting_with_an_unknown_organizer_is_a_404(gong: TestClient) -> None:
    response = gong.post(
        "/v2/meetings",
        json={
            "startTime": "2026-12-01T10:00:00Z",
            "endTime": "2026-12-01T10:30:00Z",
            "organizerEmail": "nobody@else.example",
            "invitees": [{"email": "a@b.io"}],
        },
    )
    assert_gong_error(response, 404, "not a Gong user")


def test_meeting_lifecycle_create_update_delete(gong: TestClient) -> None:
    meeting = {
        "startTime": "2026-12-01T10:00:00Z",
        "endTime": "2026-12-01T10:30:00Z",
        "organizerEmail": "omar.haddad@acme-robotics.example",
        "invitees": [{"email": "a@b.io"}],
    }
    meeting_id = gong.post("/v2/meetings", json=meeting).json()["meetingId"]
    assert gong.put(f"/v2/meetings/{meeting_id}", json={**meeting, "title": "Renamed"}).status_code == 200
    deleted = gong.request(
        "DELETE", f"/v2/meetings/{meeting_id}", json={"organizerEmail": meeting["organizerEmail"]}
    )
    assert deleted.json() == {"organizerEmail": "omar.haddad@acme-robotics.example"}
    assert_gong_error(
        gong.request(
            "DELETE", f"/v2/meetings/{meeting_id}", json={"organizerEmail": meeting["organizerEmail"]}
        ),
        404,
        "No meeting",
    )


def test_empty_token_bucket_answers_429_with_retry_after(gong: TestClient, state: GongState) -> None:
    gong.post("/_sandbox/gong/limits", json={"per_second": 2})
    statuses = [gong.get("/v2/workspaces") for _ in range(3)]
    assert [r.status_code for r in statuses[:2]] == [200, 200]
    assert_gong_error(statuses[2], 429, "rate limit")
    assert int(statuses[2].headers["Retry-After"]) >= 1


def test_spent_daily_budget_is_429_until_the_day_rolls_over(gong: TestClient) -> None:
    gong.post("/_sandbox/gong/limits", json={"per_day": 2})
    assert [gong.get("/v2/workspaces").status_code for _ in range(3)] == [200, 200, 429]
    gong.post("/_sandbox/gong/day")
    assert gong.get("/v2/workspaces").status_code == 200


def test_injected_faults_fire_at_their_rate_with_retry_after(gong: TestClient) -> None:
    gong.post("/_sandbox/gong/faults", json={"faults": [{"status": 503, "rate": 1.0, "retry_after": 4}]})
    response = gong.get("/v2/workspaces")
    assert_gong_error(response, 503, "injected")
    assert response.headers["Retry-After"] == "4"
    gong.delete("/_sandbox/gong/faults")
    assert gong.get("/v2/workspaces").status_code == 200


def test_request_log_records_method_path_query_and_status(gong: TestClient) -> None:
    gong.post("/v2/data-privacy/erase-data-for-email-address", params={"emailAddress": "a@b.io"})
    log = gong.get("/_sandbox/gong/requests").json()["requests"]
    assert log[-1]["method"] == "POST"
    assert log[-1]["query"] == {"emailAddress": "a@b.io"}
    assert log[-1]["status"] == 200


def test_reset_restores_the_seed(gong: TestClient, state: GongState) -> None:
    gong.post("/v2/calls", json=new_call())
    gong.post("/_sandbox/gong/reset")
    assert len(state.calls) == 20 and state.log == []
