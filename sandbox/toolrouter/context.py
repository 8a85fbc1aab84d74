"""What a meta-tool call knows: its Tool Router session, user, connections and answer shapes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.toolrouter.connections import Connections
from sandbox.toolrouter.files import FileStorage
from sandbox.toolrouter.shapes import Shapes

SESSION_INSTRUCTIONS = (
    "Pass this session id as session_id (session: {id} for COMPOSIO_SEARCH_TOOLS) in every "
    "following meta tool call of this workflow; ask for a new one when the task changes."
)


@dataclass(frozen=True)
class CallContext:
    """One MCP tool call's view of the stand-in."""

    session_id: str
    #: The session's stored record (user id, create body, the current workflow session id).
    session: dict[str, Any]
    origin: str
    connections: Connections
    shapes: Shapes
    gong: Callable[[], httpx.AsyncClient]
    files: FileStorage

    @property
    def user_id(self) -> str:
        return str(self.session.get("user_id") or "default")

    @property
    def tools(self) -> list[str]:
        return list(self.session.get("tools", []))

    def workflow(self, given: Any = None, generate: bool = False) -> dict[str, Any]:
        """The meta tools' ``session`` echo: the id given, a new one, or the session's current one."""
        if isinstance(given, str) and given and not generate:
            self.session["workflow_id"] = given
        elif generate or not self.session.get("workflow_id"):
            self.session["workflow_id"] = secrets.token_hex(4)
            generate = True
        return {
            "id": self.session["workflow_id"],
            "generate_id": generate,
            "instructions": SESSION_INSTRUCTIONS,
        }
