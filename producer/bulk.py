"""Bulk privacy-erasure lists: parse, normalize, validate and de-duplicate, line by line.

Accepts CSV (any header naming email or phone, in any case; BOM; extra and quoted columns),
JSONL (objects with an email/phone key, or bare strings) and plain lists (one identifier per
line). Every rejected row is reported with its 1-based line number and the reason; good rows go
through regardless. Each identifier's idempotency key is derived from its normalized form, so
submitting a file again enqueues nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from worker.operations import EraseEmailPayload, ErasePhonePayload

EMAIL_HEADER = re.compile(r"e-?mail", re.IGNORECASE)
PHONE_HEADER = re.compile(r"phone|mobile|msisdn|tel", re.IGNORECASE)


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


def erasure_key(operation: str, normalized: str) -> str:
    """Idempotency key of one erasure: a hash of the normalized identifier, never the identifier."""
    return f"erasure:{operation}:" + hashlib.sha256(normalized.encode()).hexdigest()[:32]


def _classify(value: str, line: int, hint: str | None = None) -> ErasureRow | RejectedRow:
    """Validate one identifier as an email or a phone number (``hint`` from a CSV header)."""
    text = value.strip()
    if not text:
        return RejectedRow(line, value, "empty value")
    kind = hint or ("email" if "@" in text else "phone")
    try:
        if kind == "email":
            email = EraseEmailPayload.model_validate({"email_address": text}).email_address
            return ErasureRow(
                line, "erase_email", {"email_address": email}, erasure_key("erase_email", email)
            )
        phone = ErasePhonePayload.model_validate({"phone_number": text}).phone_number
        return ErasureRow(line, "erase_phone", {"phone_number": phone}, erasure_key("erase_phone", phone))
    except ValidationError as exc:
        return RejectedRow(line, value, str(exc.errors()[0]["msg"]).removeprefix("Value error, "))


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
        if not any(f.strip() for f in fields):
            continue
        values = [(fields[i], kind) for i, kind in columns if i < len(fields) and fields[i].strip()]
        if not values:
            yield line, ",".join(fields), None
        for value, kind in values:
            yield line, value, kind


def _jsonl_rows(text: str) -> Iterator[tuple[int, str, str | None]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
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
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw.strip() and not raw.lstrip().startswith("#"):
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


def parse_erasure_list(data: bytes | str) -> ParsedList:
    """Parse an erasure list in any supported format (detected from its content)."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
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
        outcome = _classify(value, line, kind)
        if isinstance(outcome, RejectedRow):
            parsed.rejected.append(outcome)
        elif outcome.idempotency_key in seen:
            parsed.duplicates_in_file.append(RejectedRow(line, value, "duplicate within the file"))
        else:
            seen.add(outcome.idempotency_key)
            parsed.rows.append(outcome)
    return parsed
