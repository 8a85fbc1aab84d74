"""The deterministic "model" behind the Responses stand-in: what to call next, and what to say.

With a ``<gongq-plan>{...}</gongq-plan>`` block in the instructions it follows the plan exactly
(string values ``"{{steps[i].a.b}}"`` are replaced by that path in step i's JSON output);
without one, ``sandbox.responses.free_form`` handles the request. Structured output (a
``json_schema`` text format) is filled from the tool outputs. Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PLAN_BLOCK = re.compile(r"<gongq-plan>(.*?)</gongq-plan>", re.DOTALL)
PLACEHOLDER = re.compile(r"^\{\{steps\[(\d+)\]\.(.+)\}\}$")
SEARCH = "COMPOSIO_SEARCH_TOOLS"
EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"


@dataclass(frozen=True)
class Step:
    """One MCP tool call the model decides to make."""

    server_label: str
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Done:
    """The model has nothing more to call; ``text`` is its answer."""

    text: str


def find_plan(instructions: str | None) -> list[dict[str, Any]] | None:
    """The plan's steps, or None when the instructions hold no plan block."""
    match = PLAN_BLOCK.search(instructions or "")
    if match is None:
        return None
    plan = json.loads(match.group(1))
    return list(plan.get("steps", []))


def _lookup(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def resolve(value: Any, outputs: list[Any]) -> Any:
    """Replace placeholders with values from earlier steps' parsed outputs (types kept)."""
    if isinstance(value, str) and (match := PLACEHOLDER.match(value)):
        return _lookup(outputs[int(match.group(1))], match.group(2))
    if isinstance(value, dict):
        return {k: resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, outputs) for v in value]
    return value


def output_failed(output: Any) -> bool:
    """True when a tool output reports failure at the top or for any executed tool."""
    if not isinstance(output, dict):
        return True
    if output.get("successful") is False:
        return True
    results = (output.get("data") or {}).get("results", [])
    return any(isinstance(r, dict) and (r.get("response") or {}).get("successful") is False for r in results)


def next_plan_step(steps: list[dict[str, Any]], outputs: list[Any], server_label: str) -> Step | Done:
    """The next step of an explicit plan, or the summary once it is finished or a step failed."""
    if outputs and output_failed(outputs[-1]):
        return Done(f"The plan stopped at step {len(outputs)}: {describe_failure(outputs[-1])}")
    if len(outputs) >= len(steps):
        return Done(summarize_plan(outputs))
    step = steps[len(outputs)]
    return Step(
        server_label=step.get("server_label", server_label),
        tool=step["tool"],
        arguments=resolve(step.get("arguments", {}), outputs),
    )


def tool_body(result: Any) -> dict[str, Any]:
    """Gong's body from one multi-execute result item, whether the Tool Router put it flat at
    ``response.data`` or nested at ``response.data.response.data`` (a model reads either)."""
    data = ((result or {}).get("response") or {}).get("data") if isinstance(result, dict) else None
    if isinstance(data, dict) and "requestId" not in data and isinstance(data.get("response"), dict):
        data = data["response"].get("data")
    return data if isinstance(data, dict) else {}


def describe_failure(output: Any) -> str:
    if not isinstance(output, dict):
        return "the tool returned no usable output"
    # The items' own errors first: a batch's top-level error only counts them ("1 out of 2
    # tools failed"); an item without a response (no connection) has its error on the item.
    errors = [
        str(r.get("error") or (r.get("response") or {}).get("error"))
        for r in (output.get("data") or {}).get("results", [])
        if isinstance(r, dict) and (r.get("error") or (r.get("response") or {}).get("successful") is False)
    ]
    return "; ".join(errors) or str(output.get("error") or "") or "the tool reported a failure"


def summarize_plan(outputs: list[Any]) -> str:
    parts = []
    for output in outputs:
        for result in ((output or {}).get("data") or {}).get("results", []):
            data = tool_body(result)
            ids = {k: v for k, v in data.items() if k.endswith("Id") and isinstance(v, str | int)}
            parts.append(f"{result.get('tool_slug')} succeeded" + (f" ({json.dumps(ids)})" if ids else ""))
    return "Done. " + "; ".join(parts) if parts else "Done."


# --- structured output ---------------------------------------------------------------------------


def _keyed_values(value: Any, found: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            found.setdefault(k.replace("_", "").lower(), v)
            _keyed_values(v, found)
    elif isinstance(value, list):
        for v in value:
            _keyed_values(v, found)


def _record_keys(record: dict[str, Any]) -> dict[str, Any]:
    return {k.replace("_", "").lower(): v for k, v in record.items()}


def fill_schema(schema: dict[str, Any], outputs: list[Any], text: str) -> Any:
    """A JSON value conforming to ``schema``, filled from tool outputs by key, else from ``text``."""
    found: dict[str, Any] = {}
    _keyed_values(outputs, found)
    defs = schema.get("$defs", {})
    succeeded = not any(output_failed(o) for o in outputs)
    return _fill(schema, defs, found, text, succeeded, key=None)


def _fill(
    schema: dict[str, Any], defs: dict[str, Any], found: dict[str, Any], text: str, ok: bool, key: str | None
) -> Any:
    if "$ref" in schema:
        return _fill(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, found, text, ok, key)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        non_null = [o for o in options if o.get("type") != "null"]
        if (
            key is not None
            and found.get(key.replace("_", "").lower()) is None
            and len(non_null) < len(options)
        ):
            return None
        return _fill(non_null[0] if non_null else options[0], defs, found, text, ok, key)
    kind = schema.get("type")
    candidate = found.get(key.replace("_", "").lower()) if key else None
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _fill(sub, defs, found, text, ok, name) for name, sub in props.items()}
    if kind == "array":
        if not isinstance(candidate, list):
            return []
        items = schema.get("items") or {}
        if "$ref" in items or "properties" in items:
            # Each element is filled from its own record, so extra Gong fields are left out.
            records = [_record_keys(e) for e in candidate if isinstance(e, dict)]
            return [_fill(items, defs, record, text, ok, None) for record in records]
        return candidate
    if kind == "string":
        if isinstance(candidate, str | int | float) and not isinstance(candidate, bool):
            return str(candidate)
        return text
    if kind in ("integer", "number"):
        return candidate if isinstance(candidate, int | float) and not isinstance(candidate, bool) else 0
    if kind == "boolean":
        return candidate if isinstance(candidate, bool) else ok
    return None
