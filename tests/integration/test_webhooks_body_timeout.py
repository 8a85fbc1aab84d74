"""A request body must arrive within GONGQ_WEBHOOK_BODY_TIMEOUT_SECONDS: the real service
(``gongq webhooks``, uvicorn) answers a slow-drip sender 408 and closes its connection, and
never keeps a connection open for a body it does not read.

The client here is a raw socket that sends the headers of a large body and then one byte
whenever the server has been silent for a moment, as a slowloris-style sender does; every
wait is on the socket (select with a deadline), never a fixed sleep.
"""

from __future__ import annotations

import select
import socket
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings, settings_env

pytestmark = pytest.mark.integration

#: The deadline the service runs with here (the default is 10 s).
BODY_TIMEOUT = 1.0

#: How long a connection may take to be closed before the test calls it held open.
GIVE_UP_AFTER = 8.0


@pytest.fixture()
def service(settings: Settings, own_processes: Processes) -> Iterator[int]:
    """``gongq webhooks`` on a free port with a 1 s body deadline; its port."""
    port = free_port()
    quick = settings.model_copy(update={"webhook_body_timeout_seconds": BODY_TIMEOUT})
    own_processes.start(
        "webhooks",
        [sys.executable, "-m", "producer", "webhooks", "--host", "127.0.0.1", "--port", str(port)],
        env=settings_env(quick),
    )

    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
        except httpx.HTTPError:
            return False

    wait_until(healthy, 30, "the webhook service")
    yield port


def drip(port: int, head: bytes) -> tuple[bytes, float]:
    """Send ``head``, then a body byte each time the server is silent for 0.2 s; return what the
    server sent and how many seconds after ``head`` it closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP_AFTER) as sock:
        sock.sendall(head)
        started = time.monotonic()
        received = b""
        while time.monotonic() - started < GIVE_UP_AFTER:
            readable, _, _ = select.select([sock], [], [], 0.2)
            try:
                if not readable:
                    sock.sendall(b"x")
                    continue
                chunk = sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                return received, time.monotonic() - started
            received += chunk
    raise AssertionError(f"connection still open after {GIVE_UP_AFTER} s of dripping; got {received!r}")


def test_a_slow_drip_body_is_answered_408_and_its_connection_closed(service: int) -> None:
    head = (
        b"POST /webhooks/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n{"
    )
    received, closed_after = drip(service, head)
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"connection: close" in received.lower()
    assert b"request body not received within 1 s" in received
    assert BODY_TIMEOUT <= closed_after < BODY_TIMEOUT + 3


def test_a_body_the_route_never_reads_does_not_hold_the_connection(service: int) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
    received, closed_after = drip(service, head)
    assert received.startswith(b"HTTP/1.1 200 "), received
    assert b"connection: close" in received.lower()
    assert closed_after < BODY_TIMEOUT + 3


def test_a_body_sent_in_time_is_answered_normally_on_a_kept_connection(service: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{service}", timeout=5) as client:
        for _ in range(2):
            answer = client.post("/webhooks/tasks", content=b'{"operation": "list_users"}')
            assert answer.status_code == 401  # unsigned: refused, but read and answered
            assert answer.headers.get("connection") != "close"
