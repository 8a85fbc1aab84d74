"""What every ``gongq`` command module shares: the consoles, ``--json``, and how to fail.

``--json`` prints one JSON object to stdout; progress and errors go to stderr; bad input exits
non-zero with a one-line message and never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console

from worker.errors import GongqError

if TYPE_CHECKING:
    from producer.client import GongqClient
    from worker.settings import Settings

console = Console()
errors = Console(stderr=True)

Shown = TypeVar("Shown")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def redacted(value: Shown) -> Shown:
    """``value`` with email addresses and phone numbers as the audit's keyed tokens.

    What a command prints about tasks (their errors quote Gong, which quotes addresses) ends up
    in terminals, CI logs and tickets; it shows tokens like the audit does. Settings that cannot
    be read (the error being reported may be exactly that) leave the text as it is.
    """
    from worker.pii import scrub
    from worker.settings import get_settings

    try:
        key = get_settings().pii_key.get_secret_value()
    except Exception:  # the failure being reported may be the settings themselves
        return value
    return cast("Shown", scrub(key, value))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error, on one line however narrow the terminal (scripts grep it;
    the message is printed as given, never read as markup, personal data as tokens), and
    return the Exit to raise."""
    errors.print("[red]error:[/red] ", end="")
    errors.print(redacted(message), soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def cli_settings() -> Settings:
    """The process settings, or a one-line error naming what is wrong with them (a bad value in
    the environment or .env is a mistake to fix, not a traceback)."""
    from pydantic import ValidationError

    from worker.settings import Settings, env_name, get_settings

    def where(loc: tuple[int | str, ...]) -> str:
        name = str(loc[0]) if loc else ""
        return env_name(name) if name in Settings.model_fields else name or "settings"

    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{where(error['loc'])}: {error['msg']}" for error in exc.errors())
        raise fail(f"the settings are invalid: {problems}") from None
    except GongqError as exc:
        raise fail(str(exc)) from None


def redis_settings() -> Settings:
    """The process settings once Redis answers: a command that needs Redis says in one line,
    within seconds, which URL did not answer (not after ~35 s of retries and a traceback)."""
    from worker.connections import require_redis

    settings = cli_settings()
    try:
        require_redis(settings)
    except GongqError as exc:
        raise fail(str(exc)) from None
    return settings


def warn_if_no_worker(client: GongqClient, operation: str) -> str | None:
    """Warn (stderr) when no live worker consumes ``operation``'s lane; returns that lane."""
    lane = client.idle_lane(operation)
    if lane is not None:
        errors.print(
            f"[yellow]warning:[/yellow] no live worker consumes the {lane!r} lane: the task waits "
            "until one starts (`gongq worker`)",
            soft_wrap=True,
            highlight=False,
        )
    return lane
