"""In-process Gong simulator fixtures: a fresh seeded company per test, no limits in the way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sandbox.config import SandboxConfig
from sandbox.gong import GongState, build_control_router, build_router


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
