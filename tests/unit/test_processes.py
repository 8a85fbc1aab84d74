"""Starting what a command needs: a clear message when Redis can be neither found nor started."""

from __future__ import annotations

import pytest

from producer.processes import Processes, free_port
from worker.errors import ConfigurationError


def test_missing_redis_and_redis_server_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with Processes() as processes, pytest.raises(ConfigurationError, match="apt-get install redis-server"):
        processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
