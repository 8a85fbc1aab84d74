"""How a Gong non-2xx answer reaches a multi-execute item: its error text and response data.

No public source shows Composio's wording for an upstream HTTP error, so each style is an
alternative a consumer must handle (``POST /_sandbox/composio/shapes {"gong_failure": ...}``):

- ``text`` (default): ``Gong API error 404: {"requestId":"…","errors":["No calls found …"]}``,
  Gong's raw body after the status;
- ``requests``: Python requests' ``HTTPError`` wording, ``404 Client Error: Not Found for url:
  https://…/v2/calls?…`` (``Server Error`` for 5xx), then `` | `` and Gong's body;
- ``opaque``: only Gong's messages, ``No calls found corresponding to the provided filters``;
- ``fields``: the error text of ``text``, and ``response.data`` = Gong's error body plus
  ``status_code`` and ``retry_after`` (the sandbox's earlier, invented shape).

Retry-After is an HTTP header Composio may well drop: it appears in the text, as
`` (Retry-After: 30 s)``, only with ``retry_after_in_text`` (any style), and as a field only in
``fields``.
"""

from __future__ import annotations

from typing import Any

from sandbox.config import GongFailure
from sandbox.toolrouter.gong_tools import GongReply


def _raw(reply: GongReply) -> str:
    return reply.text.strip() or reply.reason


def _messages(reply: GongReply) -> str:
    body = reply.body
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(map(str, errors))
        for key in ("message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return reply.reason


def failure_text(reply: GongReply, style: GongFailure, retry_after_in_text: bool) -> str:
    """The item's ``error`` (and ``response.error``) for a Gong non-2xx ``reply``."""
    if style == "requests":
        kind = "Client Error" if 400 <= reply.status < 500 else "Server Error"
        text = f"{reply.status} {kind}: {reply.reason} for url: {reply.url} | {_raw(reply)}"
    elif style == "opaque":
        text = _messages(reply)
    else:
        text = f"Gong API error {reply.status}: {_raw(reply)}"
    if retry_after_in_text and reply.retry_after is not None:
        text += f" (Retry-After: {reply.retry_after} s)"
    return text


def failure_data(reply: GongReply, style: GongFailure) -> dict[str, Any]:
    """The item's ``response.data`` for a Gong non-2xx ``reply``: empty but in ``fields`` style."""
    if style != "fields":
        return {}
    data = dict(reply.body) if isinstance(reply.body, dict) else {"body": reply.body}
    data["status_code"] = reply.status
    data["retry_after"] = reply.retry_after
    return data
