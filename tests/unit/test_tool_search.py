"""COMPOSIO_SEARCH_TOOLS stand-in: natural-language use cases find the right Gong tool first,
and a reading request never ranks a destructive tool first."""

from __future__ import annotations

import pytest

from sandbox.toolrouter.catalog import gong_tools, search


@pytest.mark.parametrize(
    ("use_case", "expected"),
    [
        # The integration guide's four example requests.
        ("Create a new Gong meeting with my team", "GONG_CREATE_A_NEW_GONG_MEETING_V2_MEETINGS"),
        ("List user activity statistics for last week", "GONG_AGGREGATE_USER_ACTIVITY_STATISTICS"),
        ("Add call recording media to a specific call", "GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA"),
        ("Show all contacts linked to this phone number", "GONG_DATA_PRIVACY_FOR_PHONE_NUMBER"),
        ("list all users", "GONG_LIST_ALL_USERS_V2_USERS"),
        ("list calls from last week", "GONG_RETRIEVE_CALL_DATA_BY_DATE_RANGE_V2_CALLS"),
        (
            "get the transcript of call 7782342274025937800",
            "GONG_RETRIEVE_TRANSCRIPTS_OF_CALLS_V2_CALLS_TRANSCRIPT",
        ),
        (
            "what data does gong hold on maria@fabrikam.example",
            "GONG_RETRIEVE_DATA_PRIVACY_INFO_FOR_EMAIL_ADDRESS",
        ),
        ("erase all data for jane@example.com", "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS"),
        ("which flows is prospect 0035g00000AbCd010 in", "GONG_LIST_FLOWS_FOR_CRM_PROSPECTS"),
        ("show the crm integration", "GONG_GET_CRM_INTEGRATION_DETAILS"),
    ],
)
def test_search_ranks_the_matching_tool_first(use_case: str, expected: str) -> None:
    assert search(use_case)[0].slug == expected


@pytest.mark.parametrize(
    "use_case",
    ["list calls from last week", "show call access for a call", "show the meeting", "crm integration"],
)
def test_reading_requests_never_get_a_destructive_tool_first(use_case: str) -> None:
    assert gong_tools()[search(use_case)[0].slug].kind != "destructive"


def test_tool_schemas_come_from_the_payload_models() -> None:
    schema = gong_tools()["GONG_AGGREGATE_USER_ACTIVITY_STATISTICS"].input_schema()
    assert schema["required"] == ["filter__fromDate", "filter__toDate"]
    assert schema["properties"]["filter__fromDate"]["format"] == "date"
    media = gong_tools()["GONG_ADD_CALL_MEDIA_V2_CALLS_ID_MEDIA"].input_schema()
    assert set(media["properties"]) == {"id", "mediaFile"}
    assert "s3key" in media["properties"]["mediaFile"]["properties"]
