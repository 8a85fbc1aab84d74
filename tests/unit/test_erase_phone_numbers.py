"""National phone numbers become E.164 in the configured region; anything doubtful is rejected."""

from __future__ import annotations

import pytest

from producer.bulk import parse_erasure_list, to_e164

KEY = "test-pii-key"


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        ("US", "(415) 555-0100", "+14155550100"),
        ("US", "1-415-555-0100", "+14155550100"),
        ("CA", "604.555.0199", "+16045550199"),
        ("GB", "020 7183 8750", "+442071838750"),
        ("GB", "07700 900123", "+447700900123"),
        ("DE", "030 1234567", "+49301234567"),
        ("FR", "01 23 45 67 89", "+33123456789"),
        ("ES", "612 345 678", "+34612345678"),
        ("JP", "03-1234-5678", "+81312345678"),
        ("JP", "090-1234-5678", "+819012345678"),
        ("GB", "+1 415 555 0100", "+14155550100"),
        ("DE", "0044 20 7183 8750", "+442071838750"),
    ],
)
def test_national_numbers_get_the_regions_country_code(region: str, written: str, e164: str) -> None:
    assert to_e164(written, region) == e164


@pytest.mark.parametrize(
    ("region", "written"),
    [
        ("US", "555-0100"),  # too short
        ("US", "(015) 555-0100"),  # area codes never start with 0
        ("GB", "20 7183 8750"),  # national GB numbers start with the trunk 0
        ("FR", "1 23 45 67 89"),
        ("ES", "512 345 678"),
        ("US", "415-555-0100 ext 12"),
        ("US", "call me"),
    ],
)
def test_numbers_that_do_not_fit_the_region_are_rejected_with_a_reason(region: str, written: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        to_e164(written, region)


def test_erasure_list_uses_the_default_region_and_reports_misfits_by_line() -> None:
    parsed = parse_erasure_list(
        pii_key=KEY, data="phone\n020 7183 8750\n(415) 555-0100\n", default_region="GB"
    )
    assert [r.payload for r in parsed.rows] == [{"phone_number": "+442071838750"}]
    assert [(r.line, r.value) for r in parsed.rejected] == [(3, "(415) 555-0100")]
    assert "GB" in parsed.rejected[0].reason


def test_the_same_number_written_two_ways_is_one_erasure() -> None:
    parsed = parse_erasure_list(pii_key=KEY, data="+1 415 555 0100\n(415) 555-0100\n")
    assert len(parsed.rows) == 1
    assert [r.line for r in parsed.duplicates_in_file] == [2]
