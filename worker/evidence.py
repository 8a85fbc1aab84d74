"""Evidence: what the agent actually did, read from the tool calls of a run.

The worker decides success from these records, never from the model's words. With the hosted
executor the provider reports each MCP call as an ``mcp_call`` item (name, arguments, output);
``COMPOSIO_MULTI_EXECUTE_TOOL`` outputs are unpacked into one :class:`ToolExecution` per Gong
tool, each with Composio's ``{data, error, successful}`` envelope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MULTI_EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"


@dataclass(frozen=True)
class McpCallRecord:
    """One MCP tool call as the provider reported it."""

    name: str
    arguments: dict[str, Any]
    output: str | None
    error: str | None


@dataclass(frozen=True)
class ToolExecution:
    """One Gong tool run through Composio, with its envelope."""

    slug: str
    arguments: dict[str, Any]
    successful: bool
    data: dict[str, Any]
    error: str | None

    @property
    def status_code(self) -> int | None:
        """Gong's HTTP status on failure, when Composio passed it on."""
        code = self.data.get("status_code")
        return int(code) if isinstance(code, int | str) and str(code).isdigit() else None

    @property
    def retry_after(self) -> float | None:
        """Gong's Retry-After (seconds) on a 429/503, when Composio passed it on."""
        value = self.data.get("retry_after")
        return float(value) if isinstance(value, int | float) else None


@dataclass
class Evidence:
    """All calls of one run, plus the Gong tool executions unpacked from them."""

    calls: list[McpCallRecord] = field(default_factory=list)
    executions: list[ToolExecution] = field(default_factory=list)
    #: MCP calls that failed at the protocol level (no Composio envelope to read).
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
        if record.error:
            self.call_errors.append(f"{record.name}: {record.error}")
            return
        if record.name != MULTI_EXECUTE or record.output is None:
            return
        try:
            output = json.loads(record.output)
        except json.JSONDecodeError:
            self.call_errors.append(f"{record.name}: output is not JSON")
            return
        requested = record.arguments.get("tools", [])
        results = (output.get("data") or {}).get("results", []) if isinstance(output, dict) else []
        for position, item in enumerate(results):
            response = item.get("response") or {}
            index = item.get("index", position)
            asked = requested[index] if isinstance(index, int) and index < len(requested) else {}
            data = response.get("data")
            self.executions.append(
                ToolExecution(
                    slug=str(item.get("tool_slug") or asked.get("tool_slug", "")),
                    arguments=dict(asked.get("arguments") or {}),
                    successful=bool(response.get("successful")),
                    data=data if isinstance(data, dict) else {},
                    error=response.get("error"),
                )
            )


def parse_arguments(raw: str | None) -> dict[str, Any]:
    """MCP call arguments arrive as a JSON string; anything unparsable counts as no arguments."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
