"""The Gong toolkit as Composio describes it: slugs, endpoints, input schemas, and tool search.

Loaded from ``sandbox/data/gong-tools.json`` (the 53 tools of Composio's Gong toolkit with the
Gong endpoint behind each). Search is a deterministic keyword scorer: good enough to find
"list all users" → GONG_LIST_ALL_USERS_V2_USERS, and reproducible in tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from worker.operations import by_slug

STOPWORDS = {
    "a",
    "an",
    "the",
    "of",
    "for",
    "to",
    "in",
    "on",
    "my",
    "me",
    "and",
    "with",
    "by",
    "this",
    "that",
    "please",
    "show",
    "get",
    "v2",
    "gong",
    "specific",
    "id",
}
SYNONYMS = {
    "contacts": "privacy",
    "contact": "privacy",
    "linked": "privacy",
    "phone": "phone",
    "stats": "activity",
    "statistics": "activity",
    "recording": "media",
    "schedule": "meeting",
    "meeting": "meeting",
    "team": "meeting",
    "people": "user",
    "members": "user",
}


@dataclass(frozen=True)
class GongTool:
    slug: str
    title: str
    method: str
    path: str
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    notes: str

    @property
    def description(self) -> str:
        operation = by_slug(self.slug)
        summary = f" {operation.description}" if operation is not None else ""
        return f"{self.title}.{summary} Gong {self.method} {self.path}. {self.notes}".strip()

    def input_schema(self) -> dict[str, Any]:
        """The tool's (flattened, Composio-style) argument schema, derived from gongq's payload
        model so the two can never disagree. File arguments take Composio's file object."""
        operation = by_slug(self.slug)
        if operation is None:  # pragma: no cover - every slug has an operation (a unit test checks)
            return {"type": "object", "properties": {}, "required": list(self.required)}
        model = operation.payload_model
        schema = model.model_json_schema(by_alias=True)
        schema.pop("title", None)
        schema.pop("description", None)
        if model.file_argument is not None:
            properties = {k: v for k, v in schema.get("properties", {}).items() if k in self.arguments}
            properties[model.file_argument] = FILE_SCHEMA
            schema["properties"] = properties
            schema["required"] = [r for r in schema.get("required", []) if r in properties]
            schema["required"].append(model.file_argument)
        return schema

    @property
    def arguments(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


#: Composio's file argument: inline base64 ``content``, or a ``s3key`` from its file storage.
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A file: {name, mimetype, s3key} after an upload to Composio storage, or {name, content (base64)}"
    ),
    "properties": {
        "name": {"type": "string"},
        "mimetype": {"type": "string"},
        "s3key": {"type": "string"},
        "content": {"type": "string"},
    },
    "required": ["name"],
}


@cache
def gong_tools() -> dict[str, GongTool]:
    raw = json.loads(resources.files("sandbox").joinpath("data/gong-tools.json").read_text())
    return {
        t["slug"]: GongTool(
            slug=t["slug"],
            title=t["title"],
            method=t["method"],
            path=t["path"],
            kind=t["kind"],
            required=tuple(t.get("required", [])),
            optional=tuple(t.get("optional", [])),
            notes=t.get("notes", ""),
        )
        for t in raw
    }


def _words(text: str) -> set[str]:
    words = {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS}
    return {SYNONYMS.get(w, SYNONYMS.get(w + "s", w)) for w in words} | words


def search(use_case: str, limit: int = 5) -> list[GongTool]:
    """Tools ranked by word overlap with the use case (title words weigh double); ties by slug."""
    wanted = _words(use_case)
    scored: list[tuple[float, str, GongTool]] = []
    for tool in gong_tools().values():
        title = _words(tool.title)
        score: float = 2 * len(wanted & title) + len(
            wanted & _words(tool.slug.replace("_", " ") + " " + tool.path)
        )
        if tool.kind == "read":
            score += 0.5  # prefer the harmless reading when a request is ambiguous
        if score > 0.5:
            scored.append((-score, tool.slug, tool))
    return [tool for _, _, tool in sorted(scored)[:limit]]
