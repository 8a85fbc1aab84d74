"""What a worker checks before it takes tasks: Redis, Composio, the Gong connection, OpenAI.

Each dependency gets one line saying what was found and where. A refused key (or an MCP URL
on another origin) stops the worker with a message naming the setting, since every task would
fail the same way; an unreachable service is only reported (tasks retry until it answers), and a
missing Gong connection too (tasks park until someone runs ``gongq connect``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx
import openai

from worker.connections import RedisUnreachable, require_redis, shown_url
from worker.errors import ConfigurationProblem, GongqError
from worker.settings import Settings, env_name

if TYPE_CHECKING:  # composio is imported by the checks that need it: the probes come first
    from worker.toolrouter import ToolRouterSessions

#: Seconds each check may take: a worker should say what is missing quickly, not hang.
CHECK_TIMEOUT_SECONDS = 5.0


def wait_for_redis(settings: Settings, say: Callable[[str], None], poll_seconds: float = 1.0) -> None:
    """Return once Redis answers; if it does not at first, say so once (naming the URL) and keep
    trying quietly, so a worker started before Redis comes up by itself without a log line per try."""
    try:
        require_redis(settings)
        say(f"Redis at {shown_url(settings.redis_url)}: answering")
        return
    except RedisUnreachable as exc:
        say(f"{exc}; waiting for it (trying every {poll_seconds:.0f} s, Ctrl-C to stop)")
    while True:
        time.sleep(poll_seconds)  # polling a service that is down; nothing to wait on instead
        try:
            require_redis(settings)
        except RedisUnreachable:
            continue
        say(f"Redis at {shown_url(settings.redis_url)} answered")
        return


def sandbox_hint(settings: Settings) -> str:
    """What to do when a stand-in does not answer in sandbox mode (it is one process to start)."""
    if not settings.sandbox:
        return ""
    return f" (sandbox mode: is `gongq sandbox` running at {settings.sandbox_url}?)"


def check_openai(settings: Settings) -> str:
    """One line about the model provider; ConfigurationProblem when it refuses the key."""
    base = settings.openai_url_in_use
    client = openai.OpenAI(
        api_key=settings.openai_api_key.get_secret_value() or "missing",
        base_url=settings.effective_openai_base_url,
        max_retries=0,
        timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.models.list()
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise ConfigurationProblem(
            f"OpenAI at {base} refused the API key (HTTP {exc.status_code})", env_name("openai_api_key")
        ) from exc
    except openai.APIStatusError as exc:
        return f"OpenAI at {base}: could not list models (HTTP {exc.status_code}); key not checked"
    except openai.APIConnectionError as exc:
        return (
            f"OpenAI at {base} is unreachable ({type(exc).__name__}){sandbox_hint(settings)}; "
            "tasks will retry until it answers"
        )
    finally:
        client.close()
    return f"OpenAI at {base}: key accepted"


def check_composio(settings: Settings, sessions: ToolRouterSessions) -> list[str]:
    """Lines about Composio and the Gong connection; ConfigurationProblem on a refused key."""
    from worker.connection import connection_state

    try:
        session = sessions.create(settings.user_id)
    except ConfigurationProblem:
        raise
    except GongqError as exc:
        return [f"{exc}{sandbox_hint(settings)}; tasks will retry until it answers"]
    lines = [f"Composio Tool Router session {session.session_id} at {session.mcp_url}"]
    try:
        lines.append(connection_state(sessions, settings.user_id).describe())
    except ConfigurationProblem:
        raise
    except GongqError as exc:
        lines.append(f"could not read the Gong connection: {exc}")
    return lines


#: Seconds the first, plain-HTTP look at each service may take (before any SDK is involved).
PROBE_TIMEOUT_SECONDS = 3.0


def unreachable(name: str, url: str, settings: Settings) -> str | None:
    """A line saying ``name`` at ``url`` does not answer HTTP at all, or None if it answers
    anything (any status: the SDK checks after this one judge the answer). Cheap and quick,
    so a missing service is named within seconds, before the SDKs are even imported."""
    try:
        httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return (
            f"{name} at {url} is unreachable ({type(exc).__name__}){sandbox_hint(settings)}; "
            "tasks will retry until it answers"
        )
    return None


def preflight(settings: Settings, sessions: ToolRouterSessions | None = None) -> Iterator[str]:
    """Every check's line as soon as it is known; ConfigurationProblem on the first fatal one.

    Each service is first probed over plain HTTP; one that does not answer is reported at once
    and its SDK check skipped (it could only fail the same way, slower)."""
    composio_down = unreachable("Composio", settings.composio_url_in_use, settings)
    openai_down = unreachable("OpenAI", settings.openai_url_in_use, settings)
    yield from (line for line in (composio_down, openai_down) if line is not None)
    if composio_down is None:
        from worker.toolrouter import ToolRouterSessions

        yield from check_composio(settings, sessions or ToolRouterSessions(settings))
    if openai_down is None:
        yield check_openai(settings)
