"""In-process sandbox fixtures: a fresh seeded Gong company per test, no limits in the way, and
the whole sandbox served on a free port for tests that drive it through real SDKs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from producer.processes import free_port
from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.gong import GongState, build_control_router, build_router


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The whole sandbox served by uvicorn in a thread, one per test module (its origin URL)."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(SandboxConfig(gong_rate_per_second=1000)),
            host="127.0.0.1",
            port=free_port(),
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture()
def fresh_sandbox(base: str) -> str:
    """``base`` after ``/_sandbox/reset`` (shapes, connections, keys and Gong back to defaults)."""
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    return base


@pytest.fixture()
def config() -> SandboxConfig:
    """Effectively unlimited rate, and asynchronous effects (erasure, CRM jobs) in 0.3 s."""
    return SandboxConfig(
        gong_rate_per_second=1000, erasure_delay_seconds=0.3, extra={"crm_request_delay_seconds": "0.3"}
    )


@pytest.fixture()
def state(config: SandboxConfig) -> GongState:
    return GongState(config)


@pytest.fixture()
def gong(state: GongState, config: SandboxConfig) -> Iterator[TestClient]:
    """The Gong routes and their control endpoints, authenticated as the simulated company."""
    app = FastAPI()
    app.include_router(build_router(state))
    app.include_router(build_control_router(state))
    with TestClient(app) as client:
        client.auth = (config.gong_access_key, config.gong_access_key_secret)
        yield client
