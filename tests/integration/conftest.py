"""Fixtures for tests that start workers of their own.

The session's shared worker consumes the shared database's queues and would take (and drop,
finding no record under its prefix) tasks meant for another worker; such tests therefore get a
redis-server of their own, a fresh key prefix and their own process group.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from producer.processes import Processes, free_port
from worker.settings import Settings


@pytest.fixture(scope="module")
def own_redis_settings(processes: Processes, settings: Settings) -> Settings:
    """The session settings on a redis-server of this module's own."""
    url = processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    return settings.model_copy(update={"redis_url": url})


@pytest.fixture()
def prefixed(own_redis_settings: Settings) -> Settings:
    """The module's settings under a fresh key prefix (own limiter bucket, day counter, records)."""
    return own_redis_settings.model_copy(update={"key_prefix": f"t-{uuid.uuid4().hex[:8]}"})


@pytest.fixture()
def own_processes() -> Iterator[Processes]:
    """Workers (or a Redis) a test starts and may kill; stopped when the test ends."""
    with Processes() as started:
        yield started
