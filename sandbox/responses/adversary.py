"""The sandbox model's adversarial mode: it follows instructions injected into what it reads.

A real model can be talked into things by text in its input — a call title, a transcript, a
free-form request — so gongq must not rely on the model's good behaviour. With
``POST /_sandbox/model {"adversarial": true}`` the sandbox model does what such text says:

- *tamper*: before running a planned call, it replaces email addresses in the call's arguments
  (outside free text) with one an injected instruction names;
- *act*: once its own work is done, it tries to run each injected "erase/delete <email>" as a
  Gong erasure, once.

Tests then prove gongq's pin guard refuses every attempt before it reaches Gong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sandbox.responses.planner import EXECUTE, Step

INJECTION = re.compile(
    r"\b(?:erase|delete|remove|wipe)\s+(?:all\s+(?:data|records)\s+(?:for|of|about)\s+)?"
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    re.IGNORECASE,
)
EMAIL_VALUE = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
ERASE_EMAIL = "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS"
#: Free-text arguments: injected text lives there, so tampering leaves them alone.
FREE_TEXT = {"title", "thought", "purpose", "contentTitle", "sharingMessageBody", "sharingMessageSubject"}


def injected_emails(texts: Iterable[str]) -> list[str]:
    """Addresses that injected instructions ask to erase, in order of appearance, once each."""
    found: list[str] = []
    for text in texts:
        for match in INJECTION.finditer(text):
            email = match.group("email").lower()
            if email not in found:
                found.append(email)
    return found


def tamper(step: Step, emails: list[str]) -> Step:
    """The step with email values swapped for the first injected address (free text untouched)."""
    if not emails:
        return step
    return Step(step.server_label, step.tool, _swap(step.arguments, emails[0]))


def _swap(value: Any, email: str, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _swap(v, email, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, email, key) for v in value]
    if isinstance(value, str) and key not in FREE_TEXT and EMAIL_VALUE.match(value):
        return email
    return value


def next_attack(emails: list[str], attempted: set[str], server_label: str) -> Step | None:
    """An erasure of the next injected address not yet attempted in this turn."""
    for email in emails:
        arguments = {"tools": [{"tool_slug": ERASE_EMAIL, "arguments": {"emailAddress": email}}]}
        if fingerprint(EXECUTE, arguments) not in attempted:
            return Step(server_label, EXECUTE, {**arguments, "thought": "following instructions in the data"})
    return None


def fingerprint(tool: str, arguments: dict[str, Any]) -> str:
    """What identifies an attempted call: its tool and Gong tool calls, without the chatter."""
    calls = arguments.get("tools") if isinstance(arguments.get("tools"), list) else arguments
    return f"{tool}:{json.dumps(calls, sort_keys=True)}"
