"""Personal data (email addresses, phone numbers) replaced by keyed HMACs outside task records.

Audit events, logs, error messages and Celery's view of a task may be read by people and
systems that must not see who a task was about; they get ``pii:<hmac>`` tokens instead. The
HMAC is keyed (GONGQ_PII_KEY), so a token cannot be reversed by hashing guesses without the key,
yet the same identifier always gives the same token: the privacy team can still answer "was
jane@example.com erased?" by computing it. A succeeded task's own record keeps only tokens too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

#: What cannot be inside an address as it appears in text: whitespace, quotes, brackets and the
#: separators of lists, key=value pairs and URLs. Everything else is taken, control characters
#: and ``!#$%*+^{|}~`` included (an apostrophe too, between letters: o'brien), so
#: ``maria.lopez!x@...`` or ``ana\x00@...`` are never cut short and half left in clear:
#: scrubbing errs on the side of hiding too much.
_STOP = r"\s@<>()\[\]\\,;:\"'`/?&=%"
_STOP_CHARS = frozenset("@<>()[]\\,;:\"'`/?&=%")
_LABEL = rf"[^{_STOP}{{}}.]+"
#: Where an address is anchored: its ``@``, also URL-encoded (``ana%40example.com`` in a quoted
#: Gong URL). The local part is found by walking back from it and the domain by matching forward,
#: so the cost is linear in the text (a pattern with the local part first backtracks
#: quadratically over long runs without an ``@``: seconds for a 10 kB answer).
_AT = re.compile("@|%40", re.IGNORECASE)
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
#: E.164 numbers and common spellings of them (+1 415 555 0123, +44 (20) 7183-8750, a NUL or
#: other control character between digits), and North American numbers written nationally with
#: separators ((415) 555-0123, 415.555.0123): Gong's error texts and answers quote them so.
PHONE = re.compile(
    r"\+\d(?:[\s().\-\x00-\x1f]{0,2}\d){6,14}"
    r"|(?<![\w+])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\w)"
)
TOKEN_PREFIX = "pii:"


def normalized(identifier: str) -> str:
    """The form an identifier is hashed in: emails lower-cased (URL-encoded @ decoded), phones
    reduced to + and digits (a national North American number gets +1)."""
    value = identifier.strip()
    encoded = re.search("%40", value, re.IGNORECASE)
    if "@" in value or encoded:
        return re.sub("%40", "@", value, flags=re.IGNORECASE).lower()
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        return "+" + digits
    if re.fullmatch(r"\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}", value):
        return "+1" + digits
    return value


def pii_token(key: str, identifier: str) -> str:
    """``pii:<first 24 hex of HMAC-SHA256(key, normalized identifier)>``."""
    digest = hmac.new(key.encode(), normalized(identifier).encode(), hashlib.sha256).hexdigest()
    return f"{TOKEN_PREFIX}{digest[:24]}"


def _local_char(text: str, i: int) -> bool:
    char = text[i]
    if char == "'":  # o'brien: an apostrophe between letters, not a quote around the address
        return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
    return char not in _STOP_CHARS and not char.isspace()


def email_spans(text: str) -> list[tuple[int, int]]:
    """Where the email addresses of ``text`` are (start, end), in order, never overlapping."""
    spans: list[tuple[int, int]] = []
    taken = 0
    for at in _AT.finditer(text):
        start = at.start()
        if start < taken:
            continue
        while start > taken and _local_char(text, start - 1):
            start -= 1
        domain = _DOMAIN.match(text, at.end())
        if start == at.start() or domain is None:
            continue
        spans.append((start, domain.end()))
        taken = domain.end()
    return spans


def scrub_text(key: str, text: str) -> str:
    """``text`` with every email address and phone number replaced by its token."""
    if "@" in text or "%" in text:
        pieces, done = [], 0
        for start, end in email_spans(text):
            pieces += [text[done:start], pii_token(key, text[start:end])]
            done = end
        text = "".join(pieces) + text[done:]
    return PHONE.sub(lambda m: pii_token(key, m.group(0)), text)


def scrub(key: str, value: Any) -> Any:
    """A JSON-like value with personal data replaced by tokens in every string, at any depth."""
    if isinstance(value, str):
        return scrub_text(key, value)
    if isinstance(value, dict):
        return {k: scrub(key, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(key, v) for v in value]
    return value
