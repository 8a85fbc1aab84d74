"""Starting what a command needs and is not already running: Redis, the sandbox, a worker.

Used by ``gongq demo`` and by the test suite, so both run on a clean machine: a Redis that
answers at REDIS_URL is used as is; otherwise a real ``redis-server`` is started on a free port
(never a fake). Everything started here is stopped when the context closes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx
import redis

from worker.errors import ConfigurationError
from worker.settings import Settings, settings_env

WORKER_QUEUES = "privacy,default"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``condition`` until true; raise a clear error naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise ConfigurationError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def sandbox_answers(url: str) -> bool:
    try:
        return httpx.get(f"{url.rstrip('/')}/_sandbox/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class Processes(contextlib.AbstractContextManager["Processes"]):
    """Child processes started for one command, with their logs in one directory."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="gongq-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start ``argv`` with its output in ``<log_dir>/<name>.log``."""
        log = (self.log_dir / f"{name}.log").open("ab")
        child = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self._children.append((name, child))
        return child

    def ensure_redis(self, url: str) -> str:
        """``url`` if a Redis answers there, else the URL of a real redis-server started here."""
        if redis_answers(url):
            return url
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigurationError(
                f"no Redis answers at {url} and redis-server is not installed: start Redis "
                "(e.g. `apt-get install redis-server` or `docker compose up -d redis`) or set REDIS_URL"
            )
        port = free_port()
        self.start(
            "redis",
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.log_dir),
            ],
        )
        started = f"redis://127.0.0.1:{port}/{urlsplit(url).path.lstrip('/') or '0'}"
        wait_until(lambda: redis_answers(started), 15, f"redis-server on port {port}")
        return started

    def ensure_sandbox(self, url: str) -> str:
        """``url`` if a sandbox answers there, else the URL of one started here."""
        if sandbox_answers(url):
            return url
        parts = urlsplit(url)
        port = parts.port or 8765
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            port = free_port()  # something else holds the port: take another
        self.start("sandbox", [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)])
        started = f"http://127.0.0.1:{port}"
        wait_until(lambda: sandbox_answers(started), 30, f"the sandbox on port {port}")
        return started

    def start_worker(self, settings: Settings, name: str = "worker", concurrency: int | None = None) -> None:
        """A real Celery worker process with exactly these settings."""
        argv = [sys.executable, "-m", "producer", "worker"]
        if concurrency is not None:
            argv += ["--concurrency", str(concurrency)]
        self.start(name, argv, env={**settings_env(settings), "OPENAI_AGENTS_DISABLE_TRACING": "1"})

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """Terminate every child (SIGTERM, then SIGKILL after 10 s), newest first."""
        for _, child in reversed(self._children):
            if child.poll() is None:
                child.terminate()
        for _, child in reversed(self._children):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._children.clear()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
