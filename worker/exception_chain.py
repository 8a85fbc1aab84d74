"""Finding the HTTP status behind an exception that several libraries wrapped.

MCP clients raise transport failures wrapped in exception groups and chained causes (anyio task
groups, httpx), so the status a server answered (a 401 for a refused key) sits several levels
down. Used by the worker's executors and by the sandbox's hosted-MCP client alike.
"""

from __future__ import annotations

import httpx


def http_status(exc: BaseException) -> int | None:
    """The status of the first ``httpx.HTTPStatusError`` in ``exc``'s groups and chain, if any."""
    pending: list[BaseException] = [exc]
    visited: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, httpx.HTTPStatusError):
            return current.response.status_code
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None
