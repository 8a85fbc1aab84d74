"""Shared fixtures: a real Redis of the session's own, the sandbox, real worker processes.

The session starts its own redis-server on a free port (and stops it at the end), so the tests
flush and fill databases freely and never touch data they did not create — whatever the Redis
at 127.0.0.1:6379 holds. ``GONGQ_TEST_REDIS_URL`` points them at another server instead, which
must then be empty (they refuse to run on one that holds data).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
import redis

from producer.client import GongqClient
from producer.processes import Processes
from worker.errors import ConfigurationError
from worker.settings import Settings

#: The sandbox's calendar day in every test: many tests quote absolute dates of the seeded data
#: (October 2026), which moves with the sandbox's "today" (today's UTC date unless pinned). Set
#: here, before any fixture makes a ``SandboxConfig`` (read then, not at import), so in-process
#: sandboxes and the ones the session starts (they inherit this environment) agree. Assigned,
#: not defaulted, so a developer's own ``GONGQ_SANDBOX_TODAY`` cannot shift the suite's data.
TEST_TODAY = "2026-11-02"
os.environ["GONGQ_SANDBOX_TODAY"] = TEST_TODAY

#: The database most tests use on the session's Redis (others take the ones below it).
TEST_REDIS_DB = int(os.environ.get("GONGQ_TEST_REDIS_DB", "13"))


@pytest.fixture(scope="session")
def processes() -> Iterator[Processes]:
    with Processes() as started:
        yield started


@pytest.fixture(scope="session")
def redis_url(processes: Processes) -> str:
    from producer.processes import free_port

    explicit = os.environ.get("GONGQ_TEST_REDIS_URL")
    if explicit:
        if redis.Redis.from_url(explicit).info("keyspace"):
            pytest.exit(
                f"GONGQ_TEST_REDIS_URL={explicit} holds data; the tests flush several of its databases: "
                "give them an empty Redis, or unset it to let them start their own",
                returncode=2,
            )
        return f"{explicit.rsplit('/', 1)[0]}/{TEST_REDIS_DB}"
    try:
        return processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/{TEST_REDIS_DB}")
    except ConfigurationError as exc:
        pytest.exit(
            f"the tests start a redis-server of their own: {exc}; "
            "or set GONGQ_TEST_REDIS_URL to an empty Redis",
            returncode=2,
        )


@pytest.fixture(scope="session")
def sandbox_url(processes: Processes) -> str:
    """A sandbox of the session's own (never a developer's long-running one)."""
    from producer.processes import free_port

    return processes.ensure_sandbox(f"http://127.0.0.1:{free_port()}")


@pytest.fixture(scope="session")
def settings(redis_url: str, sandbox_url: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        sandbox=True,
        sandbox_url=sandbox_url,
        openai_api_key="sandbox-openai-key",
        composio_api_key="sandbox-composio-key",
        retry_base_seconds=0.2,
        retry_max_seconds=2.0,
        task_timeout_seconds=60,
        # Erasures are checked with Gong soon after (the sandbox carries them out in ~2 s).
        erasure_verify_delay_seconds=0.5,
        deferred_release_interval_seconds=0.2,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def worker(processes: Processes, settings: Settings) -> Processes:
    """One real Celery worker process for the session, with the test settings."""
    processes.start_worker(settings, name="worker", concurrency=4)
    return processes


@pytest.fixture()
def sandbox(sandbox_url: str) -> Iterator[httpx.Client]:
    """An HTTP client on the sandbox, reset before each test."""
    with httpx.Client(base_url=sandbox_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        yield client


@pytest.fixture()
def client(settings: Settings) -> GongqClient:
    return GongqClient(settings, source="test")
