"""Gong connections per Composio user id: connected accounts, auth links and their REST routes.

A user id (the ``user_id`` of a Tool Router session) is connected by default
(``SandboxConfig.default_connected``). ``session.authorize("gong")`` asks for a link
(``POST .../session/{id}/link``): a new INITIATED account whose ``redirect_url`` is the sandbox's
stand-in for Composio's authorization page; opening it (a person finishing the page) makes the
account ACTIVE. ``session.toolkits()`` and ``connected_accounts.get`` /
``ConnectionRequest.wait_for_connection`` read the state; ``/_sandbox/composio/connections``
reads and sets it directly. Bodies follow composio_client's response types
(docs/fidelity-toolrouter.md).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sandbox.keys import RevokedKeys
from sandbox.toolrouter.auth import ComposioError, require_key

GONG = "gong"
AUTH_CONFIG_ID = "ac_sandboxgong"
AUTH_SCHEME = "BASIC"
ACTIVE, INITIATED, INACTIVE = "ACTIVE", "INITIATED", "INACTIVE"
GONG_DESCRIPTION = (
    "Gong is a revenue intelligence platform that records and analyses customer calls, meetings "
    "and emails; its API reads users, calls, transcripts, stats and CRM data."
)
GONG_LOGO = "https://logos.composio.dev/api/gong"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Account:
    """One connected account of a user id for the Gong toolkit."""

    id: str
    user_id: str
    status: str
    link_token: str | None = None
    callback_url: str | None = None
    alias: str | None = None
    status_reason: str | None = None
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)

    def set_status(self, status: str, reason: str | None = None) -> None:
        self.status, self.status_reason, self.updated_at = status, reason, _now()


class Connections:
    """Connected accounts and the connected flag of each user id (reset to the default)."""

    def __init__(self, default_connected: bool) -> None:
        self.default_connected = default_connected
        self._lock = threading.RLock()
        self._connected: dict[str, bool] = {}
        self._accounts: dict[str, Account] = {}

    def reset(self) -> None:
        with self._lock:
            self._connected.clear()
            self._accounts.clear()

    def is_connected(self, user_id: str) -> bool:
        with self._lock:
            return self._connected.get(user_id, self.default_connected)

    def get(self, account_id: str) -> Account | None:
        with self._lock:
            return self._accounts.get(account_id)

    def _of(self, user_id: str) -> list[Account]:
        return [a for a in self._accounts.values() if a.user_id == user_id]

    def active_account(self, user_id: str) -> Account | None:
        """The user's ACTIVE account (the newest), made on first use when connected by default."""
        with self._lock:
            if not self.is_connected(user_id):
                return None
            active = [a for a in self._of(user_id) if a.status == ACTIVE]
            if active:
                return active[-1]
            account = Account(id=_account_id(), user_id=user_id, status=ACTIVE)
            self._accounts[account.id] = account
            return account

    def latest_account(self, user_id: str) -> Account | None:
        """What ``session.toolkits()`` shows: the active account, else the newest of any status."""
        with self._lock:
            active = self.active_account(user_id)
            if active is not None:
                return active
            accounts = self._of(user_id)
            return accounts[-1] if accounts else None

    def link(self, user_id: str, callback_url: str | None = None, alias: str | None = None) -> Account:
        """A new INITIATED account whose authorization page is still to be finished."""
        with self._lock:
            account = Account(
                id=_account_id(),
                user_id=user_id,
                status=INITIATED,
                link_token=f"lt_{secrets.token_hex(12)}",
                callback_url=callback_url,
                alias=alias,
            )
            self._accounts[account.id] = account
            return account

    def complete(self, account_id: str) -> Account | None:
        """The person finished the authorization page: the account is ACTIVE, its user connected."""
        with self._lock:
            account = self._accounts.get(account_id)
            if account is not None and account.status == INITIATED:
                account.set_status(ACTIVE)
                self._connected[account.user_id] = True
            return account

    def set_connected(self, user_id: str, connected: bool) -> None:
        """Connect (an ACTIVE account appears) or disconnect (its ACTIVE accounts turn INACTIVE)."""
        with self._lock:
            self._connected[user_id] = connected
            if not connected:
                for account in self._of(user_id):
                    if account.status == ACTIVE:
                        account.set_status(INACTIVE, "Connection status updated by user")


def _account_id() -> str:
    return f"ca_{secrets.token_hex(8)}"


def authorize_url(origin: str, account: Account) -> str:
    return f"{origin}/_sandbox/composio/authorize/{account.id}"


def _masked(value: str) -> str:
    return f"{value[:4]}…" if len(value) > 4 else "…"


def account_body(account: Account, username: str) -> dict[str, Any]:
    """``GET /api/v3.1/connected_accounts/{id}`` (composio_client ConnectedAccountRetrieveResponse)."""
    state: dict[str, Any] = {"status": account.status}
    if account.status != INITIATED:
        state["username"] = _masked(username)
    return {
        "id": account.id,
        "alias": account.alias,
        "user_id": account.user_id,
        "toolkit": {"slug": GONG},
        "auth_config": {
            "id": AUTH_CONFIG_ID,
            "auth_scheme": AUTH_SCHEME,
            "is_composio_managed": False,
            "is_disabled": False,
        },
        "status": account.status,
        "status_reason": account.status_reason,
        "state": {"authScheme": AUTH_SCHEME, "val": state},
        "data": {},
        "params": {},
        "is_disabled": account.status == INACTIVE,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def toolkit_item(account: Account | None) -> dict[str, Any]:
    """One ``items[]`` entry of ``GET .../session/{id}/toolkits`` (SessionToolkitsResponse.Item)."""
    connected = None
    if account is not None:
        connected = {
            "id": account.id,
            "status": account.status,
            "user_id": account.user_id,
            "created_at": account.created_at,
            "auth_config": {"id": AUTH_CONFIG_ID, "auth_scheme": AUTH_SCHEME, "is_composio_managed": False},
        }
    return {
        "slug": GONG,
        "name": "Gong",
        "enabled": True,
        "is_no_auth": False,
        "composio_managed_auth_schemes": [],
        "meta": {"description": GONG_DESCRIPTION, "logo": GONG_LOGO},
        "connected_account": connected,
    }


class LinkRequest(BaseModel):
    toolkit: str
    callback_url: str | None = None
    alias: str | None = None
    experimental: dict[str, Any] | None = None


class ConnectedUpdate(BaseModel):
    connected: bool


def _requested_toolkits(request: Request) -> set[str] | None:
    values = [*request.query_params.getlist("toolkits"), *request.query_params.getlist("toolkits[]")]
    names = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    return names or None


def connection_routes(
    connections: Connections,
    keys: RevokedKeys,
    session_user: Callable[[str], str | None],
    gong_username: str,
) -> APIRouter:
    """The Composio REST routes of connections and their sandbox control routes."""
    router = APIRouter()

    def user_of(session_id: str) -> str:
        user_id = session_user(session_id)
        if user_id is None:
            raise ComposioError(404, f"Tool Router session {session_id} not found")
        return user_id

    @router.post("/api/v3.1/tool_router/session/{session_id}/link", status_code=201, tags=["composio"])
    async def link(
        session_id: str, body: LinkRequest, request: Request, x_api_key: str | None = Header(default=None)
    ) -> dict[str, Any]:
        require_key(keys, x_api_key)
        user_id = user_of(session_id)
        if body.toolkit.lower() != GONG:
            raise ComposioError(400, f"Toolkit {body.toolkit} is not enabled in this session")
        account = connections.link(user_id, body.callback_url, body.alias)
        return {
            "connected_account_id": account.id,
            "link_token": account.link_token,
            "redirect_url": authorize_url(str(request.base_url).rstrip("/"), account),
        }

    @router.get("/api/v3.1/tool_router/session/{session_id}/toolkits", tags=["composio"])
    async def toolkits(
        session_id: str,
        request: Request,
        is_connected: bool | None = Query(default=None),
        x_api_key: str | None = Header(default=None),
    ) -> dict[str, Any]:
        require_key(keys, x_api_key)
        account = connections.latest_account(user_of(session_id))
        wanted = _requested_toolkits(request)
        items = [] if wanted is not None and GONG not in wanted else [toolkit_item(account)]
        if is_connected is not None:
            active = account is not None and account.status == ACTIVE
            items = [i for i in items if active == is_connected]
        return {
            "items": items,
            "next_cursor": None,
            "total_pages": 1,
            "current_page": 1,
            "total_items": len(items),
        }

    @router.get("/api/v3.1/connected_accounts/{account_id}", tags=["composio"])
    async def connected_account(
        account_id: str, x_api_key: str | None = Header(default=None)
    ) -> dict[str, Any]:
        require_key(keys, x_api_key)
        account = connections.get(account_id)
        if account is None:
            raise ComposioError(404, f"Connected account {account_id} not found")
        return account_body(account, gong_username)

    @router.get("/_sandbox/composio/authorize/{account_id}", tags=["sandbox control"])
    async def authorize_page(account_id: str) -> HTMLResponse:
        """Composio's authorization page, finished at once: the account turns ACTIVE."""
        account = connections.complete(account_id)
        if account is None:
            return _page(404, "Unknown link", "This authorization link does not exist.")
        if account.status != ACTIVE:
            return _page(410, "Link no longer valid", f"This connection is {account.status}.")
        back = (
            f' <a href="{escape(account.callback_url)}">Return to the application</a>.'
            if account.callback_url
            else ""
        )
        return _page(
            200,
            "Gong connected",
            f"Gong is connected for user {escape(account.user_id)} (account {account.id}).{back}",
        )

    @router.get("/_sandbox/composio/connections/{user_id}", tags=["sandbox control"])
    async def get_connection(user_id: str) -> dict[str, Any]:
        return {"user_id": user_id, "connected": connections.is_connected(user_id)}

    @router.post("/_sandbox/composio/connections/{user_id}", tags=["sandbox control"])
    async def set_connection(user_id: str, update: ConnectedUpdate) -> dict[str, Any]:
        """Connect or disconnect a user id's Gong (disconnecting turns its ACTIVE accounts INACTIVE)."""
        connections.set_connected(user_id, update.connected)
        return {"user_id": user_id, "connected": connections.is_connected(user_id)}

    return router


def _page(status: int, title: str, text: str) -> HTMLResponse:
    html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"
    return HTMLResponse(html, status)
