"""Evidence: what the agent actually did, read from the tool calls of a run.

The worker decides success from these records, never from the model's words. With the hosted
executor the provider reports each MCP call as an ``mcp_call`` item (name, arguments, output);
``COMPOSIO_MULTI_EXECUTE_TOOL`` outputs are unpacked into one :class:`ToolExecution` per Gong
tool. Every shape Composio documents or has been seen to send is read here, once
(docs/fidelity.md): a result item is ``{tool_slug, index, error, response}``; ``response`` is
``{data, error, successful, log_id}`` or ``null`` (a missing connection); the tool's data sits at
``response.data`` (seen live) or ``response.data.response.data`` (the documented example); a
large answer may be offloaded to a remote file (``data.remote_file_info``), leaving a preview.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from worker.meta_tools import MULTI_EXECUTE

__all__ = [
    "MULTI_EXECUTE",
    "Evidence",
    "McpCallRecord",
    "ToolExecution",
    "changed_arguments",
    "parse_arguments",
    "tool_data",
]


@dataclass(frozen=True)
class McpCallRecord:
    """One MCP tool call as the provider reported it."""

    name: str
    arguments: dict[str, Any]
    output: str | None
    error: str | None


@dataclass(frozen=True)
class ToolExecution:
    """One Gong tool run through Composio: its verdict, data and every failure signal."""

    slug: str
    arguments: dict[str, Any]
    successful: bool
    #: The tool's own data (Gong's JSON body), unwrapped from either documented nesting.
    data: dict[str, Any]
    #: The item's ``error``, else its response's ``error``: the whole text, never shortened.
    error: str | None
    #: Composio saved the whole answer to a remote file; ``data`` is only a preview.
    offloaded: bool = False
    #: The result item exactly as received, kept for an operator when it cannot be judged.
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def status_code(self) -> int | None:
        """An HTTP status field, when one is present (no public source shows Composio sending it)."""
        code = self.data.get("status_code")
        return int(code) if isinstance(code, int | str) and str(code).isdigit() else None

    @property
    def retry_after(self) -> float | None:
        """A Retry-After field in seconds, when one is present (same caveat)."""
        value = self.data.get("retry_after")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class Evidence:
    """All calls of one run, plus the Gong tool executions unpacked from them."""

    calls: list[McpCallRecord] = field(default_factory=list)
    executions: list[ToolExecution] = field(default_factory=list)
    #: MCP calls that failed at the protocol level, or batches without results (no item to read).
    call_errors: list[str] = field(default_factory=list)

    def executions_of(self, slug: str) -> list[ToolExecution]:
        return [e for e in self.executions if e.slug == slug]

    @property
    def tools_used(self) -> list[str]:
        """Gong tool slugs executed, or meta-tool names when no Gong tool ran."""
        return [e.slug for e in self.executions] or [c.name for c in self.calls]

    def add_call(self, record: McpCallRecord) -> None:
        """Record one MCP call and unpack any Gong tool executions in its output."""
        self.calls.append(record)
        if record.name != MULTI_EXECUTE:
            if record.error:
                self.call_errors.append(f"{record.name}: {record.error}")
            return
        # A failed MCP call may still carry the Tool Router's JSON (is_error with content).
        text = record.output if record.output is not None else record.error
        output = _json_object(text)
        if output is None:
            self.call_errors.append(f"{record.name}: {record.error or 'output is not JSON'}")
            return
        raw_data = output.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        raw_results = data.get("results")
        results: list[Any] = raw_results if isinstance(raw_results, list) else []
        if not results:
            reason = output.get("error") or record.error or "no results"
            self.call_errors.append(f"{record.name}: {reason}")
            return
        offloaded = bool(data.get("remote_file_info"))
        requested = record.arguments.get("tools", [])
        for position, item in enumerate(results):
            if isinstance(item, dict):
                self.executions.append(_execution(item, position, requested, offloaded))


def _execution(item: dict[str, Any], position: int, requested: Any, offloaded: bool) -> ToolExecution:
    index = item.get("index", position)
    asked: dict[str, Any] = {}
    if isinstance(requested, list) and isinstance(index, int) and 0 <= index < len(requested):
        asked = requested[index] if isinstance(requested[index], dict) else {}
    raw_response = item.get("response")
    response: dict[str, Any] = raw_response if isinstance(raw_response, dict) else {}
    error = _text(item.get("error")) or _text(response.get("error"))
    successful = bool(response.get("successful")) and not item.get("error")
    return ToolExecution(
        slug=str(item.get("tool_slug") or asked.get("tool_slug", "")),
        arguments=dict(asked.get("arguments") or {}),
        successful=successful,
        data=tool_data(response.get("data")),
        error=error if error or successful else "the tool reported failure without an error text",
        offloaded=offloaded,
        raw=item,
    )


def tool_data(data: Any) -> dict[str, Any]:
    """The tool's own data, flat (``{...}``) or in the documented ``{"response": {"data": {...}}}``."""
    for _ in range(2):
        if not isinstance(data, dict):
            return {}
        inner = data.get("response")
        # Gong puts a requestId in every body it sends, the wrapper has none of its own.
        if "requestId" not in data and isinstance(inner, dict) and "data" in inner:
            data = inner["data"]
            continue
        return data
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _json_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def changed_arguments(planned: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Names (never values) of the arguments in which ``actual`` differs from ``planned``."""
    return sorted(k for k in set(planned) | set(actual) if planned.get(k) != actual.get(k))


def parse_arguments(raw: str | None) -> dict[str, Any]:
    """MCP call arguments arrive as a JSON string; anything unparsable counts as no arguments."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
