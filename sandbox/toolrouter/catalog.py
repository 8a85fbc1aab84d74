"""The Gong toolkit as Composio describes it: slugs, endpoints, input schemas, and tool search.

Loaded from ``sandbox/data/gong-tools.json`` (the 53 tools of Composio's Gong toolkit with the
Gong endpoint behind each). Search is a deterministic keyword scorer: good enough to find
"list all users" → GONG_LIST_ALL_USERS_V2_USERS, and reproducible in tests.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from worker.operations import by_slug

STOPWORDS = {
    "a", "an", "the", "of", "for", "to", "in", "on", "my", "me", "and", "with", "by", "this", "that",
    "please", "show", "get", "v2", "gong", "specific", "id", "from", "is", "which", "what", "does",
    "all", "i", "we", "our", "it", "are", "do", "can", "you",
}  # fmt: skip
#: Request words mapped to the words the tools are described with.
SYNONYMS = {
    "contacts": "privacy",
    "contact": "privacy",
    "linked": "privacy",
    "hold": "privacy",
    "personal": "privacy",
    "stats": "activity",
    "statistics": "activity",
    "recording": "media",
    "schedule": "meeting",
    "team": "meeting",
    "people": "user",
    "members": "user",
    "week": "date",
    "month": "date",
    "yesterday": "date",
    "today": "date",
    "recent": "date",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+\d[\d\s().-]{6,18}\d")


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
    """Search terms of ``text``: stop words out, plurals folded, synonyms added, and an email
    address or phone number in the text standing for the words "email address" / "phone number"."""
    marked = EMAIL.sub(" email address ", text)
    marked = PHONE.sub(" phone number ", marked)
    words = {w.rstrip("s") for w in re.findall(r"[a-z]+", marked.lower()) if w not in STOPWORDS}
    return {SYNONYMS.get(w, SYNONYMS.get(w + "s", w)) for w in words} | words


#: Verbs that make a request a change; without one, reading tools win and destructive tools
#: are all but excluded, as a careful model would do.
WRITE_VERBS = {
    "create", "add", "schedule", "assign", "register", "upload", "set", "update", "report",
    "post", "give", "grant", "share", "move", "change", "book", "enroll",
}  # fmt: skip
DESTRUCTIVE_VERBS = {"erase", "delete", "remove", "revoke", "forget", "cancel", "purge", "wipe"}


def _document(tool: GongTool) -> tuple[set[str], set[str]]:
    """(title words, other words) a tool is found by: title, gongq's description, slug, path."""
    operation = by_slug(tool.slug)
    other = f"{tool.slug.replace('_', ' ')} {tool.path.replace('/', ' ').replace('-', ' ')}"
    if operation is not None:
        other += f" {operation.description}"
    return _words(tool.title), _words(other)


@cache
def _inverse_frequencies() -> dict[str, float]:
    documents = [title | other for title, other in map(_document, gong_tools().values())]
    vocabulary = set().union(*documents)
    return {w: math.log(1 + len(documents) / sum(w in d for d in documents)) for w in vocabulary}


def search(use_case: str, limit: int = 5) -> list[GongTool]:
    """Tools ranked by rare words shared with the use case (title words weigh double), reading
    tools preferred unless the request asks for a change; ties broken by slug."""
    wanted = _words(use_case)
    idf = _inverse_frequencies()
    writes = bool(wanted & WRITE_VERBS)
    destroys = bool(wanted & DESTRUCTIVE_VERBS)
    scored: list[tuple[float, str, GongTool]] = []
    for tool in gong_tools().values():
        title, other = _document(tool)
        score = sum(idf.get(w, 0.0) * (2.0 if w in title else 1.0) for w in wanted & (title | other))
        if tool.kind == "destructive" and not destroys:
            score *= 0.2
        elif tool.kind == "write" and not (writes or destroys):
            score *= 0.5
        if score > 0:
            scored.append((-score, tool.slug, tool))
    return [tool for _, _, tool in sorted(scored)[:limit]]
