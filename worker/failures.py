"""Classifying a failed Gong tool run from every signal Composio may pass on.

No public source shows Composio handing over Gong's HTTP status or Retry-After as fields, and
its error wording is not documented (docs/fidelity.md), so each signal present is read, in
this order: status fields (when present), the item's error text (Gong's status as
``Gong API error 404``, ``404 Client Error``, ``status code 404``, ``HTTP 404``...), Gong's
JSON error body inside the text, and known wordings (no active connection, timeouts). The
result is one of the error hierarchy's kinds:

- no active connected account → :class:`NotConnected` (parked, no attempt used);
- 408, 429, 5xx, timeouts, transport failures → :class:`Retryable` (Retry-After when known);
- any other 4xx → :class:`Permanent` at the first attempt, Gong's message kept;
- nothing recognisable → :class:`Unclassified` (retried a bounded number of times).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from worker.errors import NotConnected, Permanent, Retryable, TaskFailure, Unclassified

NO_CONNECTION = re.compile(
    r"no active connected account|no active connection|connected account (?:not found|is not active)"
    r"|ConnectedAccountNotFound|requires? (?:an? )?(?:active )?connection",
    re.IGNORECASE,
)
_STATUS_PATTERNS = (
    re.compile(r"\bGong API error (\d{3})\b", re.IGNORECASE),
    re.compile(r"\b(\d{3}) (?:Client|Server) Error\b", re.IGNORECASE),
    re.compile(r"\bstatus(?:[ _-]?code)?\s*[:=]?\s*(\d{3})\b", re.IGNORECASE),
    re.compile(r"\"status(?:_?code|Code)?\"\s*:\s*(\d{3})\b"),
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?\s+(\d{3})\b"),
    re.compile(r"\bfailed with (?:status )?(\d{3})\b", re.IGNORECASE),
)
_RETRY_AFTER = re.compile(r"retry[- _]after\W{0,3}(\d+(?:\.\d+)?)", re.IGNORECASE)
_TRANSIENT = re.compile(
    r"timed? ?out|timeout|could not reach|connection (?:reset|refused|aborted)|temporarily unavailable"
    r"|too many requests|rate limit|service unavailable|bad gateway",
    re.IGNORECASE,
)
#: Gong's wording when a list has nothing in it: "No calls found corresponding to the provided filters",
#: "No scorecards found", "No user activity found for the specified filter"...
EMPTY_LIST_MESSAGE = re.compile(r"^\s*No [A-Za-z ]+ found\b")


@dataclass(frozen=True)
class FailureSignals:
    """What could be read off one failure: its text, and Gong's status and messages if present."""

    text: str
    status: int | None
    retry_after: float | None
    gong_messages: tuple[str, ...]

    @property
    def not_connected(self) -> bool:
        return NO_CONNECTION.search(self.text) is not None

    @property
    def says_empty_list(self) -> bool:
        """Gong's 404 for a list with nothing in it (the message alone when no status is known)."""
        if self.status not in (None, 404):
            return False
        messages = self.gong_messages or (self.text,)
        return any(EMPTY_LIST_MESSAGE.match(m) for m in messages)


def read_signals(
    text: str, status: int | None = None, retry_after: float | None = None, body: object = None
) -> FailureSignals:
    """Every signal in one failure; fields given (``status``, ``retry_after``, Gong's error
    ``body`` when Composio passed it as data) win over what the text says."""
    if status is None:
        for pattern in _STATUS_PATTERNS:
            match = pattern.search(text)
            if match and 100 <= int(match.group(1)) <= 599:
                status = int(match.group(1))
                break
    if retry_after is None and (match := _RETRY_AFTER.search(text)):
        retry_after = float(match.group(1))
    messages = _gong_messages(text)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        messages = tuple(str(e) for e in body["errors"])
    return FailureSignals(text=text, status=status, retry_after=retry_after, gong_messages=messages)


def _gong_messages(text: str) -> tuple[str, ...]:
    """The ``errors`` of a Gong error body embedded in the text (``{"requestId", "errors": [...]}``)."""
    start = text.find("{")
    while start != -1:
        try:
            body, _ = json.JSONDecoder().raw_decode(text[start:])
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return tuple(str(e) for e in body["errors"])
        start = text.find("{", start + 1)
    return ()


def gong_request_id(text: str) -> str | None:
    """Gong's requestId from an error body embedded in the text, if there is one."""
    match = re.search(r"\"requestId\"\s*:\s*\"([^\"]+)\"", text)
    return match.group(1) if match else None


def classify(signals: FailureSignals) -> TaskFailure:
    """The error-hierarchy kind of one failure; its reason keeps the whole text."""
    text = signals.text
    if signals.not_connected:
        return NotConnected(text)
    status = signals.status
    if status is not None:
        if status in (408, 429) or status >= 500:
            return Retryable(text, retry_after=signals.retry_after, refused_by_gong=status == 429)
        if 400 <= status < 500:
            return Permanent(text)
    if _TRANSIENT.search(text):
        return Retryable(text, retry_after=signals.retry_after)
    return Unclassified(text, retry_after=signals.retry_after)
