"""The scrubber leaves no part of an address or phone number in clear, however it is written."""

from __future__ import annotations

import pytest

from worker.pii import pii_token, scrub, scrub_text

KEY = "test-pii-key"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("erasure of maria.lopez!pii@example.com failed", "maria.lopez"),
        ("erasure of maria.lopez!pii@example.com failed", "lopez!pii"),
        ("ana\x00lopez@example.com", "ana"),
        ("ana\x00lopez@example.com", "lopez"),
        ("ana@exa\x00mple.com", "ana"),
        ("o'brien#1{x}@example.com", "brien"),
        ("GET /v2/data-privacy/data-for-email-address?emailAddress=ana.ruiz%40example.com: 404", "ana.ruiz"),
        ("+1415\x00555\x000123", "555"),
        ("+44 (20) 7183-8750", "7183"),
        ("call (415) 555-0123 back", "555-0123"),
        ("call 415.555.0123 back", "555.0123"),
    ],
)
def test_no_part_of_an_address_or_phone_number_is_left_in_clear(text: str, secret: str) -> None:
    scrubbed = scrub_text(KEY, text)
    assert secret not in scrubbed and "pii:" in scrubbed


@pytest.mark.parametrize(
    ("text", "identifier"),
    [
        ("to Ana@Example.com.", "ana@example.com"),
        ("emailAddress=ana%40example.com&x=1", "ana@example.com"),
        ("{'phoneNumber': '+1 415 555 0123'}", "+14155550123"),
        ("(415) 555-0123", "+14155550123"),
    ],
)
def test_the_token_in_text_is_the_token_of_the_identifier(text: str, identifier: str) -> None:
    assert pii_token(KEY, identifier) in scrub_text(KEY, text)


@pytest.mark.parametrize(
    "text",
    [
        "call 7782342274025937819 at 2026-10-30T10:00:00Z",
        "12:30 on 2026-12-10, 1234567890 bytes",
        "a@localhost",
    ],
)
def test_ids_dates_and_numbers_are_not_mistaken_for_personal_data(text: str) -> None:
    assert scrub_text(KEY, text) == text


def test_scrub_reaches_every_string_at_any_depth() -> None:
    value = {"answer": "Jamie <jamie@example.com>", "rows": [{"phone": "+14155550123"}, 3]}
    scrubbed = scrub(KEY, value)
    assert "jamie@example.com" not in str(scrubbed) and "+14155550123" not in str(scrubbed)
    assert scrubbed["rows"][1] == 3
