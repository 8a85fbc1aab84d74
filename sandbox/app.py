"""The sandbox: offline stand-ins for Gong, Composio and OpenAI on one ASGI origin.

The real SDKs run against it with only base URLs and keys changed:
``COMPOSIO_BASE_URL=http://host:port`` and ``OPENAI_BASE_URL=http://host:port/v1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from sandbox.config import SandboxConfig
from sandbox.gong import GongState, build_control_router, build_router
from sandbox.keys import RevokedKeys
from sandbox.responses.api import ResponsesApi
from sandbox.toolrouter.server import ToolRouter


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    config = config or SandboxConfig()
    gong = GongState(config)
    keys = RevokedKeys()
    toolrouter = ToolRouter(config, keys)
    responses = ResponsesApi(config, keys)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with toolrouter.lifespan():
            yield

    app = FastAPI(
        title="gongq sandbox",
        description="Gong API v2, Composio Tool Router and OpenAI Responses stand-ins",
        lifespan=lifespan,
    )
    app.include_router(build_router(gong))
    app.include_router(build_control_router(gong))
    app.include_router(responses.router())
    app.include_router(keys.router())

    @app.get("/_sandbox/health", tags=["sandbox control"])
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/_sandbox/reset", tags=["sandbox control"])
    async def reset() -> dict[str, bool]:
        """Gong back to its seed, faults and limits cleared, model latency and logs reset; Composio
        connections and answer shapes back to their defaults; no key revoked."""
        gong.reset()
        responses.reset()
        toolrouter.reset()
        keys.reset()
        return {"ok": True}

    toolrouter.install(app)
    return app


def serve(host: str, port: int, config: SandboxConfig | None = None) -> None:
    """Run the sandbox with uvicorn (one process, one event loop)."""
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning")
