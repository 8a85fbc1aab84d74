"""``gongq flower``: Flower on gongq's Celery app, behind basic auth, with a history that survives restarts.

Why not plain ``celery flower``:

- **Auth is decided from Settings, not remembered by the operator.** Flower's HTTP API can revoke
  tasks and shut workers down, so outside sandbox mode it refuses to start without a real
  ``GONGQ_FLOWER_PASSWORD``; turning auth off there takes ``--no-auth`` *and* ``--local-sandbox``
  and a loopback address. The password never appears on a command line (``ps`` shows argv): the
  options are set on Flower's option object in this process.
- **Tasks say what they do.** Only the gongq task id crosses the broker (design.md), so Celery's
  own events show every task as ``gongq.run`` with ``['<task id>']``. Flower here relabels those
  events as they arrive: the name becomes ``gongq.run:<operation>`` and the args
  ``task_id=…, operation=…, source=…``, read from the task record's ``operation`` and ``source``
  fields (never its payload), so the UI, ``/api/tasks``, task search and ``/metrics`` all show
  the operation while the broker still carries nothing but the id.
- **State persists.** ``persistent`` with ``db`` under ``GONGQ_FLOWER_DB`` (saved every minute
  and on SIGTERM), so a restarted Flower still lists what ran before.

Flower is configured from gongq's Settings only: ``FLOWER_*`` variables (except Flower's own
``FLOWER_UNAUTHENTICATED_API`` check) and ``flowerconfig.py`` files are not read.
``python -m producer.flower`` runs the same thing as ``gongq flower``.
"""

from __future__ import annotations

import argparse
import ast
import ipaddress
import logging
import signal
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import redis

from worker.app import RUN_TASK, create_celery
from worker.connections import redis_client
from worker.errors import ConfigurationError
from worker.keys import Keys
from worker.settings import PLACEHOLDER_SECRETS, Settings, get_settings

log = logging.getLogger("gongq.flower")

DEFAULT_PORT = 5555
DEFAULT_ADDRESS = "127.0.0.1"
#: The password sandbox mode uses when GONGQ_FLOWER_PASSWORD is empty: auth stays on, with a
#: credential the README documents (gongq / sandbox-flower-password).
SANDBOX_FLOWER_PASSWORD = "sandbox-flower-password"
#: Shortest GONGQ_FLOWER_PASSWORD accepted outside sandbox mode. Basic auth has no lockout and
#: Flower's API can revoke tasks and stop workers, so a short password is guessed online.
MIN_FLOWER_PASSWORD_LENGTH = 12
#: Flower saves its state only on a clean stop unless told otherwise; a crash or SIGKILL would
#: lose the whole history, so it is also saved once a minute.
STATE_SAVE_INTERVAL_MS = 60_000
#: Task ids whose labels are kept in memory: enough for a large erasure batch in flight.
LABEL_CACHE_SIZE = 100_000

#: Labels of one gongq task: (operation, source).
Labels = tuple[str, str]


@dataclass(frozen=True)
class FlowerConfig:
    """What ``gongq flower`` starts: address, auth and where the state file lives."""

    port: int
    address: str
    db: Path
    #: ``user:password`` entries as Flower compares them; empty means auth is off.
    basic_auth: tuple[str, ...] = field(default=(), repr=False)

    @property
    def auth(self) -> bool:
        return bool(self.basic_auth)

    def options(self) -> dict[str, Any]:
        """Flower option values (the names of ``celery flower --<name>``) this config sets."""
        return {
            "port": self.port,
            "address": self.address,
            "basic_auth": list(self.basic_auth),
            "persistent": True,
            "db": str(self.db),
            "state_save_interval": STATE_SAVE_INTERVAL_MS,
        }


def _is_placeholder(secret: str) -> bool:
    return secret.strip().lower() in PLACEHOLDER_SECRETS or secret.startswith("sandbox-")


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def flower_config(
    settings: Settings,
    *,
    port: int = DEFAULT_PORT,
    address: str = DEFAULT_ADDRESS,
    no_auth: bool = False,
    local_sandbox: bool = False,
) -> FlowerConfig:
    """Decide Flower's auth from settings and flags; ConfigurationError when it would be unsafe.

    - Sandbox mode: auth is on (a placeholder password is accepted, an empty one becomes
      :data:`SANDBOX_FLOWER_PASSWORD`) unless ``no_auth``.
    - Otherwise: auth is on and the password must be real and at least
      :data:`MIN_FLOWER_PASSWORD_LENGTH` characters long. ``no_auth`` is accepted only with
      ``local_sandbox`` (the operator says this is a local stand-in deployment although
      GONGQ_SANDBOX is off) and a loopback address, so it can never open Flower to a network.
    """
    db = Path(settings.flower_db)
    password = settings.flower_password.get_secret_value()
    user = settings.flower_user.strip()
    if no_auth:
        if not settings.sandbox:
            if not local_sandbox:
                raise ConfigurationError(
                    "--no-auth outside sandbox mode also needs --local-sandbox "
                    "(or set GONGQ_SANDBOX=1); Flower's API can revoke tasks and stop workers"
                )
            if not _is_loopback(address):
                raise ConfigurationError(
                    f"--no-auth --local-sandbox listens on loopback only, not {address!r}"
                )
        return FlowerConfig(port=port, address=address, db=db)
    if not user or ":" in user:
        raise ConfigurationError("GONGQ_FLOWER_USER must be a non-empty name without ':'")
    if settings.sandbox:
        password = password or SANDBOX_FLOWER_PASSWORD
    elif _is_placeholder(password):
        raise ConfigurationError(
            "GONGQ_FLOWER_PASSWORD must be set to a real password outside sandbox mode "
            "(set GONGQ_SANDBOX=1 to run against the offline stand-ins, or pass "
            "--no-auth --local-sandbox for a local Flower without auth)"
        )
    elif len(password.strip()) < MIN_FLOWER_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"GONGQ_FLOWER_PASSWORD must be at least {MIN_FLOWER_PASSWORD_LENGTH} characters long "
            "outside sandbox mode: Flower's basic auth has no lockout, and its API can revoke tasks"
        )
    return FlowerConfig(port=port, address=address, db=db, basic_auth=(f"{user}:{password}",))


def _auth_hint(settings: Settings, config: FlowerConfig) -> str:
    """How to log in, for the start line: the user always; the password only when it is the
    sandbox's published default (a real one is never printed)."""
    if not config.auth:
        return "auth OFF"
    user = settings.flower_user.strip()
    if settings.sandbox and config.basic_auth == (f"{user}:{SANDBOX_FLOWER_PASSWORD}",):
        return f"basic auth: user {user}, password {SANDBOX_FLOWER_PASSWORD} (the sandbox default)"
    return f"basic auth: user {user}, password GONGQ_FLOWER_PASSWORD"


def task_id_from_args(args: object) -> str | None:
    """The gongq task id in a ``gongq.run`` event's args (Celery sends ``repr([task_id])``)."""
    if not isinstance(args, str) or len(args) > 200:
        return None
    try:
        value = ast.literal_eval(args)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, list | tuple) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return None


def label_event(event: dict[str, Any], labels: Callable[[str], Labels | None]) -> dict[str, Any]:
    """``event`` with a gongq task's operation in its name and id/operation/source as its args.

    Events of other tasks, of gongq tasks without a record, and events without a name (Celery
    sends the name only with task-sent and task-received) are returned unchanged.
    """
    if event.get("name") != RUN_TASK:
        return event
    task_id = task_id_from_args(event.get("args"))
    found = labels(task_id) if task_id is not None else None
    if found is None:
        return event
    operation, source = found
    return {
        **event,
        "name": f"{RUN_TASK}:{operation}",
        "args": f"task_id={task_id}, operation={operation}, source={source}",
    }


class TaskLabels:
    """Operation and source of gongq tasks, read from their records and cached.

    Both fields are fixed when a task is created, so a cached answer never goes stale; only
    found records are cached (a lookup that failed is tried again on the task's next event).
    Called from Flower's single event-receiving thread, so the cache needs no lock.
    """

    def __init__(self, client: redis.Redis[str], keys: Keys, maxsize: int = LABEL_CACHE_SIZE) -> None:
        self._redis = client
        self._keys = keys
        self._maxsize = maxsize
        self._cache: OrderedDict[str, Labels] = OrderedDict()

    def __call__(self, task_id: str) -> Labels | None:
        cached = self._cache.get(task_id)
        if cached is not None:
            self._cache.move_to_end(task_id)
            return cached
        try:
            operation, source = self._redis.hmget(self._keys.task(task_id), ["operation", "source"])
        except redis.RedisError as exc:
            log.warning("cannot read the record of task %s for Flower: %s", task_id, exc)
            return None
        if operation is None:
            return None
        found = (operation, source or "unknown")
        self._cache[task_id] = found
        if len(self._cache) > self._maxsize:
            self._cache.popitem(last=False)
        return found


def _labelled_events_class() -> type[Any]:
    """Flower's Events thread with gongq labels applied before an event reaches the state.

    Built on first use so importing this module does not import Flower (and Tornado).
    """
    from flower.events import Events

    class LabelledEvents(Events):  # type: ignore[misc]
        def __init__(self, *args: Any, labels: Callable[[str], Labels | None], **kwargs: Any) -> None:
            self._labels = labels
            super().__init__(*args, **kwargs)

        def on_event(self, event: dict[str, Any]) -> None:
            super().on_event(label_event(event, self._labels))

    return LabelledEvents


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM (docker stop) into SystemExit so the state is saved on the way out."""
    raise SystemExit(0)


def serve(settings: Settings, config: FlowerConfig) -> None:
    """Run Flower in this process until SIGINT/SIGTERM, then save its state."""
    from flower.app import Flower
    from flower.command import extract_settings, setup_logging
    from flower.options import options
    from flower.urls import settings as tornado_settings
    from tornado.ioloop import IOLoop

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config.db.parent.mkdir(parents=True, exist_ok=True)
    for name, value in config.options().items():
        setattr(options, name, value)
    extract_settings()
    setup_logging()

    capp = create_celery(settings)
    io_loop = IOLoop.current()
    events = _labelled_events_class()(
        capp,
        labels=TaskLabels(redis_client(settings), Keys(settings.key_prefix)),
        db=options.db,
        persistent=options.persistent,
        state_save_interval=options.state_save_interval,
        enable_events=options.enable_events,
        io_loop=io_loop,
        max_workers_in_memory=options.max_workers,
        max_tasks_in_memory=options.max_tasks,
    )
    app = Flower(capp=capp, options=options, events=events, io_loop=io_loop, **tornado_settings)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    port = app.start_http_server()
    log.info(
        "Flower on http://%s:%s (%s), state in %s",
        config.address,
        port,
        _auth_hint(settings, config),
        config.db,
    )
    try:
        app.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        app.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m producer.flower [--port --address --no-auth --local-sandbox]``; 1 on bad config."""
    parser = argparse.ArgumentParser(
        prog="python -m producer.flower",
        description="Flower on gongq's Celery app (see gongq flower --help).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--address", default=DEFAULT_ADDRESS)
    parser.add_argument("--no-auth", action="store_true")
    parser.add_argument("--local-sandbox", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        config = flower_config(
            settings,
            port=args.port,
            address=args.address,
            no_auth=args.no_auth,
            local_sandbox=args.local_sandbox,
        )
    except ConfigurationError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    serve(settings, config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
