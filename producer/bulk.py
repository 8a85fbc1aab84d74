"""Bulk privacy-erasure lists: parse, normalize, validate and de-duplicate, line by line.

Accepts CSV (any header naming email or phone, in any case; BOM; extra and quoted columns),
JSONL (objects with an email/phone key, or bare strings) and plain lists (one identifier per
line). Every rejected row is reported with its 1-based line number and the reason; good rows go
through regardless. Each identifier's idempotency key is derived from its normalized form, so
submitting a file again enqueues nothing new.

Files are decoded strictly: UTF-8 (with or without a BOM), or UTF-16 when a BOM says so. Anything
else is refused whole with one sentence (:class:`UnreadableErasureList`) saying what it looks
like and where the first bad byte is: a lossy decode would turn each unreadable byte into U+FFFD
and enqueue erasures for addresses nobody has, while the real person's data stays in Gong.
Only ``\n``, ``\r\n`` and ``\r`` end a line, so a control character inside a value (``\x1c``,
``\x85``, U+2028, which ``str.splitlines`` would also split at) gets its row rejected instead of
cutting the row into pieces that each look valid.

Phone numbers written nationally (no ``+`` country code) are put into E.164 form for one default
region (GONGQ_DEFAULT_PHONE_REGION): erasure requests arrive as people type numbers, and Gong
matches only the E.164 form. The few rules needed live here rather than in a new dependency.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from producer import jsonlimits
from worker.errors import Permanent
from worker.operations import get_operation
from worker.operations.identifiers import refuse_unreadable
from worker.pii import TOKEN_PREFIX, pii_token

EMAIL_HEADER = re.compile(r"e-?mail", re.IGNORECASE)
PHONE_HEADER = re.compile(r"phone|mobile|msisdn|tel", re.IGNORECASE)
#: The line ends of an erasure list (never the exotic ones ``str.splitlines`` also splits at).
NEWLINES = re.compile(r"\r\n|\r|\n")
#: Whitespace around a value that is the file's layout, not part of the value.
LAYOUT = " \t"
#: The byte-order marks that make a list UTF-16 (mark, codec, name in messages); without one a
#: list is UTF-8, whose own BOM is dropped.
UTF16_BOMS = (
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
#: First bytes of files people upload by mistake instead of a list (checked before the BOMs:
#: a UTF-32 LE mark starts with the UTF-16 LE one).
SIGNATURES = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (b"PK\x03\x04", "binary: a ZIP archive, e.g. an .xlsx workbook"),
    (b"PK\x05\x06", "binary: a ZIP archive, e.g. an .xlsx workbook"),
    (b"%PDF-", "binary: a PDF document"),
    (b"\x1f\x8b", "binary: gzip data"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "binary: an OLE2 document, e.g. an .xls workbook"),
    (b"\x89PNG\r\n\x1a\n", "binary: a PNG image"),
    (b"\xff\xd8\xff", "binary: a JPEG image"),
    (b"\xfd7zXZ\x00", "binary: xz data"),
    (b"7z\xbc\xaf\x27\x1c", "binary: a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "binary: zstd data"),
)
#: How much of a file the encoding guesses look at.
SAMPLE_BYTES = 4096
SEND_TEXT = "send a CSV, JSONL or plain-text list saved as UTF-8"


class UnreadableErasureList(Permanent):
    """The list is not text gongq can read without guessing (not UTF-8, binary): refused whole,
    with one sentence naming what it looks like and the offset and line of the first bad byte."""


@dataclass(frozen=True)
class ErasureRow:
    """One accepted identifier: the operation to run, its payload and its idempotency key."""

    line: int
    operation: str
    payload: dict[str, str]
    idempotency_key: str


@dataclass(frozen=True)
class RejectedRow:
    line: int
    value: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "value": self.value, "reason": self.reason}


@dataclass
class ParsedList:
    """A parsed erasure list: accepted rows, rows rejected with reasons, in-file duplicates."""

    rows: list[ErasureRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    duplicates_in_file: list[RejectedRow] = field(default_factory=list)
    #: The same in-file duplicates as rows (operation, idempotency key), to name their task.
    duplicate_rows: list[ErasureRow] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Nothing at all was found in the file: no row, good or bad."""
        return not (self.rows or self.rejected or self.duplicates_in_file)


@dataclass(frozen=True)
class NationalPlan:
    """How one region writes national numbers: its calling code, trunk prefix and length range."""

    calling_code: str
    trunk_prefix: str
    national_lengths: range  # digits after the trunk prefix is dropped
    first_digit: str = "123456789"


#: The regions GONGQ_DEFAULT_PHONE_REGION may name (kept in step with worker.settings).
NATIONAL_PLANS: dict[str, NationalPlan] = {
    "US": NationalPlan("1", "", range(10, 11), first_digit="23456789"),
    "CA": NationalPlan("1", "", range(10, 11), first_digit="23456789"),
    "GB": NationalPlan("44", "0", range(9, 11)),
    "DE": NationalPlan("49", "0", range(6, 14)),
    "FR": NationalPlan("33", "0", range(9, 10)),
    "ES": NationalPlan("34", "", range(9, 10), first_digit="6789"),
    "JP": NationalPlan("81", "0", range(9, 11)),
}
_SEPARATORS = re.compile(r"[\s().\-/]")


def to_e164(value: str, region: str = "US") -> str:
    """``value`` in E.164 form; national numbers are read in ``region``'s numbering plan.

    ``+`` and ``00`` mean an international number and only lose their separators (the payload
    model checks the result). A national number must match the region's length and trunk rules;
    anything else raises ValueError with the reason, which ends up in the rejected-row report.
    """
    # Checked before separators go: a control character must not vanish with them.
    compact = _SEPARATORS.sub("", refuse_unreadable(value, "phone number"))
    if compact.startswith("+"):
        return compact
    if compact.startswith("00"):
        return "+" + compact[2:]
    if not (compact.isascii() and compact.isdigit()):
        raise ValueError(f"not a phone number: {value!r}")
    plan = NATIONAL_PLANS.get(region.upper())
    if plan is None:
        raise ValueError(f"no + country code, and no national numbering rules for region {region!r}")
    national = compact
    if plan.calling_code == "1" and len(national) == 11 and national.startswith("1"):
        national = national[1:]  # NANP numbers are often written with their leading 1
    if plan.trunk_prefix:
        if not national.startswith(plan.trunk_prefix):
            raise ValueError(
                f"not a {region} national number (expected a leading {plan.trunk_prefix} "
                f"or a + country code): {value!r}"
            )
        national = national[len(plan.trunk_prefix) :]
    if len(national) not in plan.national_lengths or national[:1] not in plan.first_digit:
        raise ValueError(f"not a valid {region} phone number: {value!r}")
    return f"+{plan.calling_code}{national}"


def erasure_key(operation: str, normalized: str, pii_key: str) -> str:
    """Idempotency key of one erasure: the keyed HMAC of the normalized identifier (never the
    identifier, nor a plain hash a list of addresses could be matched against)."""
    return f"erasure:{operation}:{pii_token(pii_key, normalized).removeprefix(TOKEN_PREFIX)}"


def _classify(
    value: str, line: int, hint: str | None = None, region: str = "US", *, pii_key: str
) -> ErasureRow | RejectedRow:
    """Validate one identifier as an email or a phone number (``hint`` from a CSV header).

    The operation's own payload model has the last word, so a row accepted here is exactly a
    payload the worker accepts.
    """
    text = value.strip(LAYOUT)
    if not text:
        return RejectedRow(line, value, "empty value")
    kind = hint or ("email" if "@" in text else "phone")
    operation = "erase_email" if kind == "email" else "erase_phone"
    field_name = "email_address" if kind == "email" else "phone_number"
    try:
        if kind == "phone":
            text = to_e164(text, region)
        model = get_operation(operation).payload_model.model_validate({field_name: text})
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        reason = str(exc.errors()[0]["msg"]) if isinstance(exc, ValidationError) else str(exc)
        return RejectedRow(line, value, reason.removeprefix("Value error, "))
    normalized = str(getattr(model, field_name))
    return ErasureRow(line, operation, {field_name: normalized}, erasure_key(operation, normalized, pii_key))


def _csv_rows(text: str) -> Iterator[tuple[int, str, str | None]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return
    columns = [
        (i, "email" if EMAIL_HEADER.search(name) else "phone")
        for i, name in enumerate(header)
        if EMAIL_HEADER.search(name) or PHONE_HEADER.search(name)
    ]
    for fields in reader:
        line = reader.line_num
        if not any(f.strip(LAYOUT) for f in fields):
            continue
        values = [(fields[i], kind) for i, kind in columns if i < len(fields) and fields[i].strip(LAYOUT)]
        if not values:
            yield line, ",".join(fields), "!no email or phone number in this row"
        for value, kind in values:
            yield line, value, kind


def _jsonl_rows(text: str) -> Iterator[tuple[int, str, str | None]]:
    for line, raw in enumerate(NEWLINES.split(text), start=1):
        if not raw.strip(LAYOUT):
            continue
        try:
            item = jsonlimits.loads(raw)
        except jsonlimits.TooDeep as exc:
            yield line, raw, f"!invalid JSON: {exc}"
            continue
        except json.JSONDecodeError as exc:
            yield line, raw, f"!invalid JSON: {exc.msg}"
            continue
        if isinstance(item, str):
            yield line, item, None
        elif isinstance(item, dict):
            found = [
                (str(v), "email" if EMAIL_HEADER.search(k) else "phone")
                for k, v in item.items()
                if isinstance(v, str) and (EMAIL_HEADER.search(k) or PHONE_HEADER.search(k))
            ]
            if not found:
                yield line, raw, "!no email or phone field"
            yield from ((line, value, kind) for value, kind in found)
        else:
            yield line, raw, "!expected a JSON object or string"


def _plain_rows(text: str) -> Iterator[tuple[int, str, str | None]]:
    for line, raw in enumerate(NEWLINES.split(text), start=1):
        if raw.strip(LAYOUT) and not raw.lstrip(LAYOUT).startswith("#"):
            yield line, raw, None


def _looks_like_csv_header(first_line: str) -> bool:
    return "," in first_line or bool(
        EMAIL_HEADER.fullmatch(first_line.strip(' "'))
        or (
            PHONE_HEADER.search(first_line)
            and "@" not in first_line
            and not any(c.isdigit() for c in first_line)
        )
    )


def parse_erasure_list(data: bytes | str, *, pii_key: str, default_region: str = "US") -> ParsedList:
    """Parse an erasure list in any supported format (detected from its content).

    ``default_region`` is the numbering plan of phone numbers written without a country code.
    Raises :class:`UnreadableErasureList` when ``data`` is not text (see :func:`decode_erasure_list`).
    """
    text = decode_erasure_list(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    _refuse_nul(text)
    first = next((line for line in NEWLINES.split(text) if line.strip(LAYOUT)), "")
    if first.lstrip().startswith(("{", '"')):
        rows = _jsonl_rows(text)
    elif _looks_like_csv_header(first):
        rows = _csv_rows(text)
    else:
        rows = _plain_rows(text)
    parsed = ParsedList()
    seen: set[str] = set()
    for line, value, kind in rows:
        if kind is not None and kind.startswith("!"):
            parsed.rejected.append(RejectedRow(line, value, kind[1:]))
            continue
        outcome = _classify(value, line, kind, default_region, pii_key=pii_key)
        if isinstance(outcome, RejectedRow):
            parsed.rejected.append(outcome)
        elif outcome.idempotency_key in seen:
            parsed.duplicates_in_file.append(RejectedRow(line, value, "duplicate within the file"))
            parsed.duplicate_rows.append(outcome)
        else:
            seen.add(outcome.idempotency_key)
            parsed.rows.append(outcome)
    return parsed


def decode_erasure_list(data: bytes) -> str:
    """The text of an erasure list: UTF-8 (a BOM is dropped) or, after its BOM, UTF-16.

    Raises :class:`UnreadableErasureList` for anything else (one sentence: what it looks like —
    Latin-1/Windows-1252, UTF-16 without BOM, binary — and where the first bad byte is).
    """
    for signature, looks_like in SIGNATURES:
        if data.startswith(signature):
            raise UnreadableErasureList(
                f"the erasure list is not UTF-8 (looks like {looks_like}, from its first bytes); {SEND_TEXT}"
            )
    for bom, codec, name in UTF16_BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                prefix = data[len(bom) : exc.start + len(bom)].decode(codec)
                raise UnreadableErasureList(
                    f"the erasure list starts with a {name} byte-order mark but is not {name} "
                    f"({exc.reason}) at byte offset {exc.start + len(bom)} (line {_line_of(prefix)}); "
                    f"{SEND_TEXT}"
                ) from None
            _refuse_nul(text)
            return text
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    nul = data.find(b"\x00", start)
    if nul >= 0:
        raise _not_utf8(data, nul, _guess_with_nul(data[start : start + SAMPLE_BYTES]))
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(
            data, start + exc.start, _guess_undecodable(data[start : start + SAMPLE_BYTES])
        ) from None


def _guess_with_nul(sample: bytes) -> str:
    """UTF-16 when NUL bytes sit on every other position (ASCII text in UTF-16), else binary."""
    pairs = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) >= 0.3 * pairs and min(even, odd) <= 0.05 * pairs:
        return "UTF-16 without BOM"
    return "binary"


def _guess_undecodable(sample: bytes) -> str:
    """Text in a legacy 8-bit code page has (almost) no control bytes; binary data has many."""
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in b"\t\n\r\x0c")
    return "binary" if controls > len(sample) / 100 else "Latin-1/Windows-1252"


def _not_utf8(data: bytes, offset: int, looks_like: str) -> UnreadableErasureList:
    advice = {
        "Latin-1/Windows-1252": 'save it as UTF-8 (spreadsheets: "CSV UTF-8") and send it again',
        "UTF-16 without BOM": "save it as UTF-8, or as UTF-16 with a byte-order mark",
    }.get(looks_like, SEND_TEXT)
    line = _line_of(data[:offset].decode("latin-1"))  # every byte is one character: counts lines only
    return UnreadableErasureList(
        f"the erasure list is not UTF-8 (looks like {looks_like}): byte 0x{data[offset]:02X} at "
        f"offset {offset} (line {line}); {advice}"
    )


def _refuse_nul(text: str) -> None:
    """A NUL character is never part of a list (only of binary data): the whole file is refused."""
    index = text.find("\x00")
    if index >= 0:
        raise UnreadableErasureList(
            f"the erasure list holds a NUL character on line {_line_of(text[:index])} "
            f"(looks like binary); {SEND_TEXT}"
        )


def _line_of(prefix: str) -> int:
    """The 1-based line a position is on, given the text before it."""
    return len(NEWLINES.split(prefix))
