"""What a worker checks before it takes tasks: Composio, the Gong connection, OpenAI.

Each dependency gets one line saying what was found and where. A refused key (or an MCP URL
on another origin) stops the worker with a message naming the setting, since every task would
fail the same way; an unreachable service is only reported (tasks retry until it answers), and a
missing Gong connection too (tasks park until someone runs ``gongq connect``).
"""

from __future__ import annotations

import openai

from worker.connection import connection_state
from worker.errors import ConfigurationProblem, GongqError
from worker.settings import Settings, env_name
from worker.toolrouter import ToolRouterSessions

#: Seconds each check may take: a worker should say what is missing quickly, not hang.
CHECK_TIMEOUT_SECONDS = 5.0


def check_openai(settings: Settings) -> str:
    """One line about the model provider; ConfigurationProblem when it refuses the key."""
    base = settings.effective_openai_base_url or "https://api.openai.com/v1"
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
        return f"OpenAI at {base} is unreachable ({type(exc).__name__}); tasks will retry until it answers"
    finally:
        client.close()
    return f"OpenAI at {base}: key accepted"


def check_composio(settings: Settings, sessions: ToolRouterSessions) -> list[str]:
    """Lines about Composio and the Gong connection; ConfigurationProblem on a refused key."""
    try:
        session = sessions.create(settings.user_id)
    except ConfigurationProblem:
        raise
    except GongqError as exc:
        return [f"{exc}; tasks will retry until it answers"]
    lines = [f"Composio Tool Router session {session.session_id} at {session.mcp_url}"]
    try:
        lines.append(connection_state(sessions, settings.user_id).describe())
    except ConfigurationProblem:
        raise
    except GongqError as exc:
        lines.append(f"could not read the Gong connection: {exc}")
    return lines


def preflight(settings: Settings, sessions: ToolRouterSessions | None = None) -> list[str]:
    """Every check's line, in order; raises ConfigurationProblem on the first fatal one."""
    sessions = sessions or ToolRouterSessions(settings)
    return [*check_composio(settings, sessions), check_openai(settings)]
