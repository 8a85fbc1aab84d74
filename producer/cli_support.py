"""What every ``gongq`` command module shares: the consoles, ``--json``, and how to fail.

``--json`` prints one JSON object to stdout; progress and errors go to stderr; bad input exits
non-zero with a one-line message and never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error, on one line however narrow the terminal (scripts grep it;
    the message is printed as given, never read as markup), and return the Exit to raise."""
    errors.print("[red]error:[/red] ", end="")
    errors.print(message, soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
