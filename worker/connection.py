"""The Gong connection of a Composio user id: is it active, and the link that makes it so.

Composio keeps the customer's Gong credentials as a *connected account* of a user id; a person
creates it by finishing Composio's authorization page. gongq reads the state through the Tool
Router session (``session.toolkits()``) and asks for the page with ``session.authorize("gong")``,
both synchronous SDK calls (run them off the event loop).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from worker.toolrouter import GONG, ToolRouterSessions, composio_failure

ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class ConnectionState:
    """Where the user's Gong connection stands (``status`` as Composio says, ``NONE`` if absent)."""

    user_id: str
    status: str
    account_id: str | None = None

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def describe(self) -> str:
        """One line for logs and the CLI."""
        if self.active:
            return f"Gong is connected for Composio user {self.user_id!r} (account {self.account_id})"
        return (
            f"Gong is NOT connected for Composio user {self.user_id!r} (status {self.status}); "
            "run `gongq connect` and open the link it prints"
        )


@dataclass(frozen=True)
class AuthorizationLink:
    """Composio's authorization page for the user's Gong account, and the account it creates."""

    redirect_url: str
    account_id: str


def connection_state(sessions: ToolRouterSessions, user_id: str) -> ConnectionState:
    """The user's Gong connection as the Tool Router reports it (``session.toolkits``)."""
    session = sessions.sdk_session(user_id)
    try:
        details = session.toolkits(toolkits=[GONG])
    except Exception as exc:  # the SDK raises many transport/HTTP types; sorted once
        raise composio_failure(exc, sessions.settings, "reading the Gong connection") from exc
    for item in details.items:
        if str(item.slug).lower() != GONG:
            continue
        account = item.connection.connected_account if item.connection is not None else None
        if account is None:
            return ConnectionState(user_id, "NONE")
        return ConnectionState(user_id, str(account.status).upper(), str(account.id))
    return ConnectionState(user_id, "NONE")


def authorization_link(sessions: ToolRouterSessions, user_id: str) -> AuthorizationLink:
    """A new authorization page for the user's Gong account (``session.authorize``)."""
    session = sessions.sdk_session(user_id)
    try:
        request = session.authorize(GONG)
    except Exception as exc:
        raise composio_failure(exc, sessions.settings, "asking for a Gong authorization link") from exc
    return AuthorizationLink(str(request.redirect_url), str(request.id))


def wait_until_active(
    sessions: ToolRouterSessions, user_id: str, timeout: float, poll_seconds: float = 1.0
) -> ConnectionState:
    """Poll the connection until it is active or ``timeout`` passes; returns the last state."""
    deadline = time.monotonic() + timeout
    while True:
        state = connection_state(sessions, user_id)
        if state.active or time.monotonic() >= deadline:
            return state
        time.sleep(poll_seconds)
