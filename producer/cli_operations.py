"""The operations commands of ``gongq``: ``flower`` (monitoring).

Kept out of ``producer/cli.py`` like the producer commands: ``register(app)`` adds them to the
same Typer app with the same conventions (errors to stderr, non-zero exit, no traceback for a
configuration mistake). The work happens in :mod:`producer.flower`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from producer.cli_support import cli_settings, fail
from worker.errors import GongqError


def flower(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5555,
    address: Annotated[
        str, typer.Option(help="Interface to listen on (0.0.0.0 in a container).")
    ] = "127.0.0.1",
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth",
            help="Serve without basic auth: sandbox mode only, or with --local-sandbox on loopback.",
        ),
    ] = False,
    local_sandbox: Annotated[
        bool,
        typer.Option(
            "--local-sandbox",
            help="Confirm a local stand-in deployment: allows --no-auth without GONGQ_SANDBOX.",
        ),
    ] = False,
) -> None:
    """Monitor tasks and workers in Flower (basic auth; history kept in GONGQ_FLOWER_DB).

    Tasks show as gongq.run:<operation> with task id, operation and source, never payloads.

    Outside sandbox mode GONGQ_FLOWER_PASSWORD must be a real password of 12+ characters.
    """
    from producer.flower import flower_config, serve

    settings = cli_settings()
    try:
        config = flower_config(
            settings, port=port, address=address, no_auth=no_auth, local_sandbox=local_sandbox
        )
    except GongqError as exc:
        raise fail(str(exc)) from None
    serve(settings, config)


def register(app: typer.Typer) -> None:
    """Add the operations commands to the ``gongq`` app."""
    app.command()(flower)
