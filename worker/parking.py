"""Parked tasks: waiting, with no attempt used, for a cause outside the task to clear.

Two causes park a task (``worker.errors.Parked``): ``connection`` (the Composio user id has no
active Gong connection) and ``configuration`` (a key was refused). A worker releases
``connection`` tasks once it sees the connection active again, checking every
``connection_recheck_seconds`` while any wait (so they run within a minute of the person
finishing the authorization page); ``gongq connect`` releases them at once. ``configuration``
tasks are released when a worker starts and its dependency checks pass (the key was fixed).
"""

from __future__ import annotations

import logging
import threading

from worker.broker import Broker
from worker.connection import connection_state
from worker.errors import GongqError, NotConnected
from worker.settings import Settings
from worker.toolrouter import ToolRouterSessions

log = logging.getLogger("gongq.worker")


def release_parked(broker: Broker, cause: str) -> int:
    """Send every task parked for ``cause`` back to its queue; returns how many were released.

    Each task leaves ``parked`` in the transaction that publishes it (``Broker.unpark``), so a
    failure part-way leaves the rest parked for the next round, none queued without a message.
    """
    store = broker.store
    released = 0
    if cause == NotConnected.cause:
        store.forget_inactive_connection()
    for task_id in store.parked_ids(cause):
        if broker.unpark(task_id):
            log.info("parked task released (%s)", cause, extra={"task_id": task_id})
            released += 1
    return released


def check_connection_and_release(broker: Broker, settings: Settings, sessions: ToolRouterSessions) -> int:
    """If tasks wait for the Gong connection and it is active now, release them."""
    if not broker.store.parked_ids(NotConnected.cause):
        return 0
    state = connection_state(sessions, settings.user_id)
    if not state.active:
        return 0
    log.info("%s; releasing the tasks that waited for it", state.describe())
    return release_parked(broker, NotConnected.cause)


def start_connection_watch(
    broker: Broker, settings: Settings, sessions: ToolRouterSessions, stop: threading.Event | None = None
) -> threading.Thread:
    """A daemon thread that re-checks the Gong connection while tasks are parked for it."""
    stopping = stop or threading.Event()

    def loop() -> None:
        while not stopping.wait(settings.connection_recheck_seconds):
            try:
                check_connection_and_release(broker, settings, sessions)
            except GongqError as exc:
                log.warning("could not check the Gong connection: %s", exc)
            except Exception:
                log.exception("checking the Gong connection failed; trying again next round")

    thread = threading.Thread(target=loop, name="gongq-connection-watch", daemon=True)
    thread.start()
    return thread
