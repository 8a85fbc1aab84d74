"""Starting what a command needs and is not already running: Redis, the sandbox, a worker.

Used by ``gongq demo`` and by the test suite, so both run on a clean machine: a Redis that
answers at REDIS_URL is used as is; otherwise a real ``redis-server`` is started on a free port
(never a fake). Everything started here is stopped when the context closes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
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

    def child(self, name: str) -> subprocess.Popen[bytes]:
        """The newest child started under ``name``."""
        for child_name, child in reversed(self._children):
            if child_name == name:
                return child
        raise KeyError(name)

    def kill(self, name: str) -> None:
        """SIGKILL the newest child ``name`` and its whole process group (a worker's pool too).

        Nothing gets to clean up: no ack, no restore of unacked messages, as when a machine or
        container dies. Each child leads its own session, so its group is exactly its processes.
        """
        child = self.child(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)

    def terminate(self, name: str, timeout: float = 30) -> None:
        """SIGTERM the newest child ``name`` and wait for it to exit (SIGKILL after ``timeout``)."""
        child = self.child(name)
        if child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def start_persistent_redis(self, name: str, port: int, data_dir: Path) -> str:
        """A redis-server on ``port`` with ``--appendonly yes`` in ``data_dir``; its URL (db 0).

        Calling it again with the same port and directory after :meth:`terminate` restarts the
        server on the data it wrote (SIGTERM makes Redis fsync the append-only file first).
        """
        binary = shutil.which("redis-server")
        if binary is None:
            raise ConfigurationError("redis-server is not installed")
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(data_dir)]
        self.start(name, argv)
        url = f"redis://127.0.0.1:{port}/0"
        wait_until(lambda: redis_answers(url), 15, f"redis-server on port {port}")
        return url

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """Terminate every child (SIGTERM, then SIGKILL after 10 s), newest first; redis-servers
        last, so workers shutting down can still ack, restore and say goodbye (with their Redis
        gone they would retry it until the SIGKILL)."""
        children = [child for _, child in reversed(self._children)]
        servers = [c for c in children if "redis-server" in str(c.args)]
        for group in ([c for c in children if c not in servers], servers):
            for child in group:
                if child.poll() is None:
                    child.terminate()
            for child in group:
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


def requeue_unacked(settings: Settings) -> int:
    """Put every unacknowledged broker message back on its queue; how many there were.

    What the broker does by itself once ``visibility_timeout`` has passed since a dead worker
    took them (kombu's ``restore_visible``), without the wait: for tests and operators after a
    worker is known dead. Call it only while no live worker holds messages, or their tasks are
    delivered twice.
    """
    from worker.app import create_celery

    app = create_celery(settings)
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        before = int(channel.client.hlen(channel.unacked_key))
        channel.visibility_timeout = 0
        channel.qos.restore_visible(num=max(before, 1) + 1000, interval=1)
        return before
