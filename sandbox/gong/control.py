"""Control endpoints for tests and benchmarks (``/_sandbox/gong/...``); not part of Gong's API."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from sandbox.gong.limits import FaultRule
from sandbox.gong.state import GongState


class FaultSpec(BaseModel):
    status: int = Field(ge=400, le=599)
    rate: float = Field(ge=0, le=1)
    retry_after: int | None = Field(default=None, ge=0)
    path_prefix: str | None = None


class Faults(BaseModel):
    faults: list[FaultSpec]


class CrmDelay(BaseModel):
    seconds: float = Field(ge=0)


class Limits(BaseModel):
    per_second: float | None = Field(default=None, gt=0)
    per_day: int | None = Field(default=None, ge=0)


def build_control_router(state: GongState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/gong", tags=["sandbox control"])

    @router.get("/requests")
    async def requests(since: int = 0) -> dict[str, Any]:
        """The log of Gong API requests (no media bytes; their sha256 instead)."""
        return {"requests": [e for e in list(state.log) if e["seq"] > since]}

    @router.post("/faults")
    async def set_faults(spec: Faults) -> dict[str, Any]:
        state.faults.rules = [FaultRule(**f.model_dump()) for f in spec.faults]
        return {"faults": [f.model_dump() for f in spec.faults]}

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        state.faults.rules = []
        return {"faults": []}

    @router.post("/limits")
    async def set_limits(limits: Limits) -> dict[str, Any]:
        per_second = limits.per_second or state.limiter.per_second
        per_day = limits.per_day if limits.per_day is not None else state.limiter.per_day
        state.limiter.configure(per_second, per_day)
        return {"per_second": per_second, "per_day": per_day, "used_today": state.limiter.used_today}

    @router.post("/day")
    async def new_day() -> dict[str, Any]:
        """Roll the simulated day over: the daily budget is whole again."""
        state.limiter.new_day()
        return {"used_today": 0}

    @router.post("/reset")
    async def reset() -> dict[str, bool]:
        state.reset()
        return {"ok": True}

    @router.get("/calls/{call_id}/media")
    async def media(call_id: str) -> dict[str, Any]:
        if call_id not in state.media:
            raise HTTPException(404, f"no call {call_id}")
        return dict(state.media[call_id])

    @router.delete("/crm/integration")
    async def drop_crm_integration() -> dict[str, Any]:
        """Remove the CRM integration at once (test setup before registering a new one)."""
        with state.lock:
            removed = state.crm_integration
            state.crm_integration = None
            state.crm_objects = {}
        return {"removed": removed}

    @router.post("/crm/delay")
    async def crm_delay(spec: CrmDelay) -> dict[str, float]:
        """Seconds a CRM upload/deletion takes to reach DONE (until the next reset)."""
        state.crm_delay_seconds = spec.seconds
        return {"seconds": spec.seconds}

    @router.get("/erasures")
    async def erasures() -> dict[str, Any]:
        now = time.time()
        return {"erasures": [{**e, "done": e["effective_at"] <= now} for e in state.erasures]}

    return router
