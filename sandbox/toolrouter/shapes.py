"""Which of the public-source alternatives the Tool Router stand-in answers with.

Defaults come from :class:`sandbox.config.SandboxConfig` (Composio's documented shape where one
is documented); ``GET/POST /_sandbox/composio/shapes`` reads and changes them at run time and
``POST /_sandbox/reset`` restores the defaults. Each alternative, and its source, is listed in
docs/fidelity-toolrouter.md.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sandbox.config import GongFailure, SandboxConfig, SuccessData


@dataclass(frozen=True)
class Shapes:
    success_data: SuccessData
    gong_failure: GongFailure
    retry_after_in_text: bool
    offload_over_bytes: int | None
    mcp_origin: str | None

    @classmethod
    def defaults(cls, config: SandboxConfig) -> Shapes:
        return cls(
            success_data=config.success_data,
            gong_failure=config.gong_failure,
            retry_after_in_text=config.retry_after_in_text,
            offload_over_bytes=config.offload_over_bytes,
            mcp_origin=config.mcp_origin,
        )


class ShapesUpdate(BaseModel):
    """Fields to change; a field left out keeps its value (``null`` sets the nullable ones off)."""

    success_data: SuccessData | None = None
    gong_failure: GongFailure | None = None
    retry_after_in_text: bool | None = None
    offload_over_bytes: int | None = Field(default=None, ge=0)
    mcp_origin: str | None = Field(default=None, pattern=r"^https?://[^/\s]+$")


class ShapeSettings:
    """The current :class:`Shapes`, swapped atomically."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self.current = Shapes.defaults(config)

    def reset(self) -> None:
        with self._lock:
            self.current = Shapes.defaults(self._config)

    def update(self, changes: dict[str, Any]) -> Shapes:
        with self._lock:
            self.current = replace(self.current, **changes)
            return self.current

    def router(self) -> APIRouter:
        router = APIRouter(tags=["sandbox control"])

        @router.get("/_sandbox/composio/shapes")
        async def get_shapes() -> dict[str, Any]:
            return asdict(self.current)

        @router.post("/_sandbox/composio/shapes")
        async def set_shapes(update: ShapesUpdate) -> dict[str, Any]:
            """Select answer shapes: success_data flat|nested, gong_failure text|requests|opaque|fields,
            retry_after_in_text, offload_over_bytes (null: never), mcp_origin (null: same origin)."""
            changes = update.model_dump(exclude_unset=True)
            for name in ("success_data", "gong_failure", "retry_after_in_text"):
                if name in changes and changes[name] is None:
                    del changes[name]  # not nullable: null means "leave as is"
            return asdict(self.update(changes))

        return router
