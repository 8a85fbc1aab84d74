"""The Responses stand-in's MCP client: hosted MCP tools run server-side, as on the real API.

The provider (here: the sandbox) connects to the ``server_url`` of the request's mcp tool with
the request's ``headers``, lists the tools and calls them; the caller never talks to the MCP
server itself. One connection per Responses request.
"""

from __future__ import annotations

import json
import ssl
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

import httpx2
import mcp.types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

#: Building an SSL context loads the CA bundle (milliseconds of CPU); one per request made the
#: sandbox the bottleneck of every benchmark, so all connections share this one.
SSL_CONTEXT = ssl.create_default_context()
#: The MCP transports' own defaults: 30 s to connect/write, 300 s to read a stream.
TIMEOUT = httpx2.Timeout(30.0, read=300.0)


class McpConnection:
    """An initialized MCP client session on one server, used as an async context manager."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self._url = url
        self._headers = headers
        self._stack = AsyncExitStack()
        self._session: ClientSession | None = None

    async def __aenter__(self) -> McpConnection:
        http = await self._stack.enter_async_context(
            httpx2.AsyncClient(headers=self._headers, timeout=TIMEOUT, verify=SSL_CONTEXT)
        )
        read, write = await self._stack.enter_async_context(
            streamable_http_client(self._url, http_client=http)
        )
        self._session = await self._stack.enter_async_context(ClientSession(read, write))
        await self._session.initialize()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            raise RuntimeError("MCP connection used outside its context")
        return self._session

    async def list_tools(self) -> list[dict[str, Any]]:
        result = await self.session.list_tools()
        return [
            {
                "name": t.name,
                "description": t.description,
                "input_schema": t.input_schema,
                # The server's hints (readOnlyHint...), which allowed_tools' read_only filters on.
                "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True)
                if t.annotations is not None
                else None,
            }
            for t in result.tools
        ]

    async def call(self, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """(output text, is_error) of one tool call."""
        result = await self.session.call_tool(name, arguments)
        text = "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))
        return text, bool(result.is_error)


def parse_output(text: str | None) -> Any:
    """A tool output as JSON when it is JSON (Composio's are), else the raw text."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
