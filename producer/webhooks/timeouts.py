"""A deadline on request bodies: a client that drips its body slowly is answered 408 and cut off.

uvicorn limits how long an idle keep-alive connection stays open, but not how long a request
body may take to arrive: a sender that declares ``Content-Length: 1000000`` and then sends a
byte every few seconds holds a connection (and a waiting route) for as long as it likes, and a
few hundred of them exhaust the service. :class:`BodyTimeoutMiddleware` gives each request
body ``seconds`` from the moment the app first asks for it: past that the read fails, the
client gets ``408 Request Timeout`` with ``Connection: close`` (uvicorn then closes the
socket), and nothing was parsed or enqueued.

A route that answers without reading the body it was sent (``/healthz`` with a body) answers
with ``Connection: close`` too: otherwise the connection would stay open for the rest of that
body, which the sender may drip just as slowly.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _declares_body(scope: Scope) -> bool:
    """Whether the request says a body follows (a non-zero Content-Length, or chunked)."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


class BodyReadTimeout(Exception):
    """The request body did not arrive within the deadline (answered 408)."""


class BodyTimeoutMiddleware:
    """ASGI middleware: request bodies must arrive within ``seconds`` of the first read."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        body_complete = not _declares_body(scope)
        response_started = False

        async def receive_by_deadline() -> Message:
            nonlocal deadline, body_complete
            if body_complete:  # afterwards the app only listens for a disconnect: no deadline
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                async with asyncio.timeout_at(deadline):  # no task per read, unlike wait_for
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_complete = True
            return message

        async def send_closing_if_unread(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                if not body_complete:
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, receive_by_deadline, send_closing_if_unread)
        except BodyReadTimeout:
            if response_started:
                raise
            detail = f"request body not received within {self.seconds:g} s; connection closed"
            body = json.dumps({"detail": detail}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
