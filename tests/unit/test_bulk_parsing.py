"""Erasure lists: every format, every rejected row with its line number, good rows kept."""

from __future__ import annotations

from producer.bulk import erasure_key, parse_erasure_list

MESSY_CSV = (
    "\ufeffName,E-Mail Address,Mobile Phone,Notes\r\n"
    '"Doe, Jane", Jane.Doe@Example.COM ,"+1 (415) 555-0100","said ""erase me"", twice"\r\n'
    "Bob,bad-email,,\r\n"
    ",,,\r\n"
    "Al,jane.doe@example.com,0123,\r\n"
    "Zed,,+44 20 7183 8750,\r\n"
)

KEY = "test-pii-key"


def test_messy_csv_keeps_good_rows_and_reports_bad_ones_by_line() -> None:
    parsed = parse_erasure_list(pii_key=KEY, data=MESSY_CSV.encode())
    assert [(r.line, r.operation, r.payload) for r in parsed.rows] == [
        (2, "erase_email", {"email_address": "jane.doe@example.com"}),
        (2, "erase_phone", {"phone_number": "+14155550100"}),
        (6, "erase_phone", {"phone_number": "+442071838750"}),
    ]
    assert [(r.line, r.value) for r in parsed.rejected] == [(3, "bad-email"), (5, "0123")]
    assert "not an email address" in parsed.rejected[0].reason
    assert [(r.line, r.reason) for r in parsed.duplicates_in_file] == [(5, "duplicate within the file")]


def test_header_names_are_matched_in_any_case() -> None:
    parsed = parse_erasure_list(pii_key=KEY, data="EMAIL\nA@B.io\n")
    assert [r.payload for r in parsed.rows] == [{"email_address": "a@b.io"}]


def test_plain_list_mixes_emails_and_phones_and_skips_comments() -> None:
    parsed = parse_erasure_list(pii_key=KEY, data="# privacy requests\na@b.io\n+14155550123\n\nnope\n")
    assert [r.operation for r in parsed.rows] == ["erase_email", "erase_phone"]
    assert [(r.line, r.value) for r in parsed.rejected] == [(5, "nope")]


def test_jsonl_accepts_objects_and_strings_and_reports_broken_lines() -> None:
    parsed = parse_erasure_list(pii_key=KEY, data=
        '{"email": "a@b.io"}\n{"phone": "+14155550100"}\n{oops\n"c@d.io"\n{"name": "x"}\n'
    )
    assert [r.line for r in parsed.rows] == [1, 2, 4]
    assert [(r.line, r.reason.split(":")[0]) for r in parsed.rejected] == [
        (3, "invalid JSON"),
        (5, "no email or phone field"),
    ]


def test_a_jsonl_line_nested_too_deeply_is_a_rejected_line_not_a_crash() -> None:
    """100,000 levels made json.loads raise RecursionError; 65 levels would parse but nest
    deeper than any payload (and than Redis' cjson takes further down)."""
    crash = '{"email": ' + "[" * 100_000 + "]" * 100_000 + "}"
    parseable = '{"email": "x@y.io", "deep": ' + "[" * 64 + "]" * 64 + "}"
    parsed = parse_erasure_list(pii_key=KEY, data=f'{{"email": "a@b.io"}}\n{crash}\n{parseable}\n"c@d.io"\n')
    assert [r.line for r in parsed.rows] == [1, 4]
    assert [(r.line, r.reason) for r in parsed.rejected] == [
        (2, "invalid JSON: nested too deeply (more than 64 levels of arrays and objects)"),
        (3, "invalid JSON: nested too deeply (more than 64 levels of arrays and objects)"),
    ]


def test_idempotency_key_hides_the_identifier_and_ignores_case() -> None:
    key = erasure_key("erase_email", "jane@example.com", KEY)
    assert "jane" not in key
    assert parse_erasure_list(pii_key=KEY, data="JANE@example.com").rows[0].idempotency_key == key
