"""Bulk privacy-erasure lists: parse, normalize, validate and de-duplicate, line by line.

Accepts CSV (any header naming email or phone, in any case; BOM; extra and quoted columns),
JSONL (objects with an email/phone key, or bare strings) and plain lists (one identifier per
line). Every rejected row is reported with its 1-based line number and the reason; good rows go
through regardless. Each identifier's idempotency key is derived from its normalized form, so
submitting a file again enqueues nothing new.

Phone numbers written nationally (no ``+`` country code) are put into E.164 form for one default
region (GONGQ_DEFAULT_PHONE_REGION): erasure requests arrive as people type numbers, and Gong
matches only the E.164 form. The few rules needed live here rather than in a new dependency.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from worker.operations import get_operation
from worker.pii import TOKEN_PREFIX, pii_token

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
    compact = _SEPARATORS.sub("", value.strip())
    if compact.startswith("+"):
        return compact
    if compact.startswith("00"):
        return "+" + compact[2:]
    if not compact.isdigit():
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
    text = value.strip()
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
        if not any(f.strip() for f in fields):
            continue
        values = [(fields[i], kind) for i, kind in columns if i < len(fields) and fields[i].strip()]
        if not values:
            yield line, ",".join(fields), "!no email or phone number in this row"
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


def parse_erasure_list(data: bytes | str, *, pii_key: str, default_region: str = "US") -> ParsedList:
    """Parse an erasure list in any supported format (detected from its content).

    ``default_region`` is the numbering plan of phone numbers written without a country code.
    """
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
