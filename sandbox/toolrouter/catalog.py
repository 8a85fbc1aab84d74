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

ARRAY_ARGUMENTS = {
    "parties",
    "context",
    "invitees",
    "callAccessList",
    "crmProspectsIds",
    "emails",
    "objectsCrmIds",
    "recipients",
    "nonCompanyParticipants",
    "crmContext",
}
OBJECT_ARGUMENTS = {"mediaFile", "dataFile"}
NUMBER_ARGUMENTS = {"duration", "meetingId", "integrationId"}
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
        return f"{self.title}. Gong {self.method} {self.path}. {self.notes}".strip()

    def input_schema(self) -> dict[str, Any]:
        """A JSON schema for the tool's (flattened, Composio-style) arguments."""
        properties = {name: _property(name) for name in (*self.required, *self.optional)}
        return {"type": "object", "properties": properties, "required": list(self.required)}


def _property(name: str) -> dict[str, Any]:
    leaf = name.rsplit("__", 1)[-1]
    if name in OBJECT_ARGUMENTS:
        return {
            "type": "object",
            "description": "File: {name, content (base64)}",
            "properties": {"name": {"type": "string"}, "content": {"type": "string"}},
        }
    if name in ARRAY_ARGUMENTS or leaf.endswith("Ids") or leaf in ARRAY_ARGUMENTS:
        return {"type": "array", "items": {}}
    if name in NUMBER_ARGUMENTS:
        return {"type": "integer"}
    if "__exposedFields" in name or leaf.startswith(("include", "is")):
        return {"type": "boolean"}
    return {"type": "string"}


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
