"""`gongq connect`: is Gong connected for our Composio user id, and if not, the link to fix it.

Composio holds the customer's Gong credentials as a connected account of ``USER_ID``; a person
creates it by opening Composio's authorization page. This command shows the state, prints the
page's link when there is no active connection (``session.authorize("gong")``), with ``--wait``
waits until the person has finished, and then releases the tasks parked for the connection so
they run at once (the workers would release them within ``connection_recheck_seconds`` anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from producer.cli_support import JsonFlag, console, errors, fail, print_json, redis_settings
from worker.errors import GongqError

if TYPE_CHECKING:
    from worker.settings import Settings


def _release(settings: Settings) -> int:
    from producer.client import GongqClient
    from worker.errors import NotConnected
    from worker.parking import release_parked

    return release_parked(GongqClient(settings).broker, NotConnected.cause)


def connect(
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the connection is active (after the link is opened).")
    ] = False,
    timeout: Annotated[float, typer.Option(help="With --wait: give up after this many seconds.")] = 600.0,
    as_json: JsonFlag = False,
) -> None:
    """Show whether USER_ID's Gong account is connected; if not, print the authorization link."""
    from worker.connection import authorization_link, connection_state, wait_until_active
    from worker.toolrouter import ToolRouterSessions

    settings = redis_settings()
    sessions = ToolRouterSessions(settings)
    report: dict[str, Any] = {"user_id": settings.user_id, "redirect_url": None, "released": 0}
    try:
        state = connection_state(sessions, settings.user_id)
        if not state.active:
            link = authorization_link(sessions, settings.user_id)
            report["redirect_url"] = link.redirect_url
            (errors if as_json else console).print(
                f"Gong is not connected for Composio user {settings.user_id!r}. "
                f"Open this link to connect it:\n  {link.redirect_url}",
                soft_wrap=True,  # a wrapped link could not be copied
            )
            if wait:
                with errors.status(f"waiting up to {timeout:.0f} s for the connection to become active"):
                    state = wait_until_active(sessions, settings.user_id, timeout)
        if state.active:
            report["released"] = _release(settings)
    except GongqError as exc:
        raise fail(str(exc)) from None
    report.update({"connected": state.active, "status": state.status, "account_id": state.account_id})
    if as_json:
        print_json(report)
    else:
        if state.active or wait:
            console.print(state.describe(), soft_wrap=True, markup=False)
        if report["released"]:
            console.print(f"released {report['released']} task(s) that waited for the connection")
    if wait and not state.active:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``gongq connect`` to ``app``."""
    app.command("connect")(connect)
