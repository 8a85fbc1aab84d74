"""Erasure lists are decoded strictly: UTF-8 or UTF-16 by its BOM are read, anything else is
refused whole in one sentence, and rows holding unreadable characters are rejected by line."""

from __future__ import annotations

import codecs

import pytest

from producer.bulk import UnreadableErasureList, parse_erasure_list

KEY = "test-pii-key"
LIST = "email\njörg@müller.example\nJane@Example.COM\n"
ROWS = [(2, {"email_address": "jörg@müller.example"}), (3, {"email_address": "jane@example.com"})]


def _accepted(data: bytes | str) -> list[tuple[int, dict[str, str]]]:
    return [(r.line, r.payload) for r in parse_erasure_list(data, pii_key=KEY).rows]


def _refusal(data: bytes) -> str:
    with pytest.raises(UnreadableErasureList) as refused:
        parse_erasure_list(data, pii_key=KEY)
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_a_list_with_a_utf8_or_utf16_byte_order_mark_is_parsed(bom: bytes, codec: str) -> None:
    assert _accepted(bom + LIST.encode(codec)) == ROWS
    assert _accepted(bom + LIST.replace("\n", "\r\n").encode(codec)) == ROWS


def test_latin1_bytes_are_refused_as_not_utf8_naming_the_offset_and_line() -> None:
    message = _refusal(LIST.encode("latin-1"))
    assert message.startswith("the erasure list is not UTF-8 (looks like Latin-1/Windows-1252): ")
    assert "byte 0xF6 at offset 7 (line 2)" in message


def test_windows_1252_after_a_utf8_bom_is_refused_with_the_offset_in_the_whole_file() -> None:
    message = _refusal(codecs.BOM_UTF8 + "email\n“jane”@example.com\n".encode("cp1252"))
    assert "looks like Latin-1/Windows-1252" in message
    assert "byte 0x93 at offset 9 (line 2)" in message


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_refused_as_such(codec: str) -> None:
    assert "not UTF-8 (looks like UTF-16 without BOM)" in _refusal(LIST.encode(codec))


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)), "binary: a ZIP archive, e.g. an .xlsx"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "binary: a PDF document"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(64), "binary: gzip data"),
        (b"email\njane@example.com\n" + bytes(range(256)) * 4, "binary"),
        (bytes(range(1, 256)) * 8, "binary"),
        ("a@b.example\n".encode("utf-32"), "UTF-32"),
    ],
    ids=["zip-xlsx", "pdf", "gzip", "nul-after-good-rows", "random-bytes", "utf-32"],
)
def test_a_binary_file_is_refused_whole_in_one_line(data: bytes, looks_like: str) -> None:
    assert f"the erasure list is not UTF-8 (looks like {looks_like}" in _refusal(data)


def test_a_nul_byte_in_otherwise_good_utf8_refuses_the_whole_file_naming_its_line() -> None:
    message = _refusal(b"a@b.example\nc@d.example\x00\ne@f.example\n")
    assert "(looks like binary): byte 0x00 at offset 23 (line 2)" in message


def test_a_nul_character_in_a_utf16_list_refuses_it_whole() -> None:
    data = codecs.BOM_UTF16_LE + "a@b.example\nc\x00@d.example\n".encode("utf-16-le")
    assert "NUL character on line 2" in _refusal(data)


def test_invalid_utf16_after_its_byte_order_mark_is_refused_with_the_offset() -> None:
    data = codecs.BOM_UTF16_LE + "a@b.example\n".encode("utf-16-le") + b"\x00\xd8a\x00"
    message = _refusal(data)
    assert "starts with a UTF-16 LE byte-order mark but is not UTF-16 LE" in message
    assert "offset 26 (line 2)" in message


def test_rows_with_unreadable_characters_are_rejected_by_line_while_good_rows_go_through() -> None:
    lines = [
        "good@example.com",
        "\ufffd\ufffd@x.example",  # what a lossy decode of a Latin-1 file used to enqueue
        "ja\u200bne@example.com",
        "\x1fjane@example.com",  # str.strip() used to remove it and accept the address
        "jane\x1c@example.com",  # str.splitlines() used to split here: "@example.com" row
        "mary@example.com\u2028x@evil.example",  # ... and here: two "valid" rows
        "+1 415\x85 555 0100",
        "+1 (415) 555-0199",
    ]
    parsed = parse_erasure_list("\n".join(lines) + "\n", pii_key=KEY)
    assert [(r.line, r.payload) for r in parsed.rows] == [
        (1, {"email_address": "good@example.com"}),
        (8, {"phone_number": "+14155550199"}),
    ]
    assert [(r.line, r.value) for r in parsed.rejected] == list(enumerate(lines, start=1))[1:7]
    reasons = [r.reason for r in parsed.rejected]
    assert reasons[0].startswith("email address contains U+FFFD at position 1")
    assert reasons[1] == "email address contains an invisible format character (U+200B) at position 3"
    assert reasons[2] == "email address contains a control character (U+001F) at position 1"
    assert reasons[5] == "phone number contains a control character (U+0085) at position 7"


def test_control_characters_in_csv_and_jsonl_values_are_rejected_by_line() -> None:
    csv = parse_erasure_list(
        'email,phone\r\n"a\x1bb@example.com",\r\nok@example.com,+1 415\x0b555 0100\r\n', pii_key=KEY
    )
    assert [(r.line, r.reason.split(" (")[0]) for r in csv.rejected] == [
        (2, "email address contains a control character"),
        (3, "phone number contains a control character"),
    ]
    assert [r.line for r in csv.rows] == [3]
    jsonl = parse_erasure_list('{"email": "x\\u0000@example.com"}\n{"email": "y@example.com"}\n', pii_key=KEY)
    assert [(r.line, r.reason.split(" (")[0]) for r in jsonl.rejected] == [
        (1, "email address contains a NUL character")
    ]
    assert [r.line for r in jsonl.rows] == [2]
