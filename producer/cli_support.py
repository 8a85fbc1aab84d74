"""What every ``gongq`` command module shares: the consoles, ``--json``, and how to fail.

``--json`` prints one JSON object to stdout; progress and errors go to stderr; bad input exits
non-zero with a one-line message and never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, TypeVar, cast

import typer
from rich.console import Console

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
