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

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: E.164 numbers and common spellings of them (+1 415 555 0123, +44 (20) 7183-8750).
PHONE = re.compile(r"\+\d(?:[\s().-]?\d){6,14}")
TOKEN_PREFIX = "pii:"


def normalized(identifier: str) -> str:
    """The form an identifier is hashed in: emails lower-cased, phones reduced to + and digits."""
    value = identifier.strip()
    if "@" in value:
        return value.lower()
    return "+" + re.sub(r"\D", "", value) if value.startswith("+") else value


def pii_token(key: str, identifier: str) -> str:
    """``pii:<first 24 hex of HMAC-SHA256(key, normalized identifier)>``."""
    digest = hmac.new(key.encode(), normalized(identifier).encode(), hashlib.sha256).hexdigest()
    return f"{TOKEN_PREFIX}{digest[:24]}"


def scrub_text(key: str, text: str) -> str:
    """``text`` with every email address and phone number replaced by its token."""
    text = EMAIL.sub(lambda m: pii_token(key, m.group(0)), text)
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
