"""The hosted executor: one agent run, bounded in time, turned into evidence.

Every failure on the way is mapped onto the error hierarchy here, once: model-provider 429/5xx,
timeouts and transport errors are :class:`Retryable`; other provider 4xx are :class:`Permanent`.
The OpenAI client's own retries are off, so the one retry policy (``worker.tasks``) decides.
"""

from __future__ import annotations

import asyncio
import ssl
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import openai
from agents import Agent, RunConfig, Runner
from agents.exceptions import AgentsException, MaxTurnsExceeded, ModelBehaviorError
from agents.items import ToolCallItem
from agents.mcp import MCPServer
from agents.memory import Session
from agents.models.openai_responses import OpenAIResponsesModel
from openai.types.responses.response_output_item import McpCall

from worker.errors import ConfigurationProblem, Permanent, Retryable, ToolRouterUnreachable
from worker.evidence import Evidence, McpCallRecord, parse_arguments
from worker.exception_chain import http_status
from worker.failures import read_signals
from worker.settings import Settings, env_name

SSL_CONTEXT = ssl.create_default_context()

#: The model may take a few turns (e.g. after an approval); more means it is lost.
MAX_TURNS = 6


@dataclass(frozen=True)
class RunOutcome:
    """What one agent run produced: the evidence, the final output and the request count."""

    evidence: Evidence
    final_output: Any
    model_requests: int
    input_tokens: int = 0
    output_tokens: int = 0


def _retry_after(error: openai.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def evidence_from_items(items: list[Any]) -> Evidence:
    """Collect the MCP calls the provider reported among a run's new items."""
    evidence = Evidence()
    for item in items:
        raw = item.raw_item if isinstance(item, ToolCallItem) else None
        if isinstance(raw, McpCall):
            error = raw.error if isinstance(raw.error, str) or raw.error is None else str(raw.error)
            evidence.add_call(
                McpCallRecord(
                    name=raw.name, arguments=parse_arguments(raw.arguments), output=raw.output, error=error
                )
            )
    return evidence


def _provider_failure(
    exc: openai.APIStatusError, settings: Settings
) -> Retryable | Permanent | ConfigurationProblem:
    """A model-provider HTTP error in the hierarchy: a refused key parks the task (no attempt is
    burnt on it), 429/5xx are transient, other 4xx final; the provider's message is kept."""
    base = settings.openai_url_in_use
    message = exc.message if isinstance(exc.message, str) else str(exc)
    reason = f"model provider at {base} answered HTTP {exc.status_code}: {message}"
    if exc.status_code in (401, 403):
        return ConfigurationProblem(reason, env_name("openai_api_key"))
    if exc.status_code == 424 and "MCP server" in message:
        # The provider could not reach the Tool Router's MCP URL (hosted executor): transient,
        # unless the Tool Router refused the key (its 401 comes back inside the message).
        if read_signals(message).status in (401, 403):
            return ConfigurationProblem(reason, env_name("composio_api_key"))
        return ToolRouterUnreachable(reason)
    if exc.status_code == 429 or exc.status_code >= 500:
        return Retryable(reason, retry_after=_retry_after(exc))
    return Permanent(reason)


def run_config(settings: Settings, model: OpenAIResponsesModel) -> RunConfig:
    """How every agent run is configured. Tracing is off unless ``GONGQ_TRACING`` asks for it
    (never in sandbox mode), and even then traces never carry tool arguments or outputs (emails,
    phones, Gong's data): a trace is exported to OpenAI, outside gongq's privacy rules."""
    return RunConfig(
        model=model,
        tracing_disabled=settings.sandbox or not settings.tracing,
        trace_include_sensitive_data=False,
        workflow_name="gongq",
    )


async def _connect(server: MCPServer) -> None:
    """Open a client-executor MCP connection; failing to is transient (the Tool Router is down)."""
    try:
        await server.connect()  # type: ignore[no-untyped-call]
    except Exception as exc:  # transport and protocol errors of several libraries
        status = http_status(exc)
        if status in (401, 403):
            raise ConfigurationProblem(
                f"the Tool Router MCP server refused the key (HTTP {status})", env_name("composio_api_key")
            ) from exc
        raise ToolRouterUnreachable(
            f"could not connect to the Tool Router MCP server: {type(exc).__name__}: {exc}"
        ) from exc


async def run_agent(
    agent: Agent[Any],
    prompt: str,
    settings: Settings,
    *,
    session: Session | None = None,
    evidence: Evidence | None = None,
) -> RunOutcome:
    """Run ``agent`` on ``prompt`` within the task timeout and map every failure to our errors.

    The agent's MCP servers (client executor) are connected here, in the task that runs the
    agent, as the SDK requires; ``evidence`` is theirs (what the worker itself called), else it
    is read from the provider's ``mcp_call`` items (hosted executor).
    """
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value() or "sandbox-key",
        base_url=settings.effective_openai_base_url,
        max_retries=0,
        timeout=settings.task_timeout_seconds,
        # The SDK's defaults, but with the process's one SSL context: building a context per
        # client loads the CA bundle, which was half of a worker's CPU per task.
        http_client=openai.DefaultAsyncHttpxClient(verify=SSL_CONTEXT),
    )
    model = OpenAIResponsesModel(model=str(agent.model or settings.model), openai_client=client)
    config = run_config(settings, model)
    try:
        async with asyncio.timeout(settings.task_timeout_seconds), AsyncExitStack() as servers:
            for server in agent.mcp_servers:
                servers.push_async_callback(server.cleanup)
                await _connect(server)
            result = await Runner.run(
                agent,
                prompt,
                run_config=config,
                max_turns=MAX_TURNS,
                session=session,
                # Chain the run's requests on the provider's stored responses: a follow-up request
                # (after an approval, or a client-side tool's output) sends only what is new, not
                # the tool list and earlier items again. A Session keeps its own history instead.
                auto_previous_response_id=session is None,
            )
    except TimeoutError as exc:
        raise Retryable(f"agent run exceeded {settings.task_timeout_seconds:.0f} s") from exc
    except openai.APIStatusError as exc:
        raise _provider_failure(exc, settings) from exc
    except openai.APIConnectionError as exc:
        raise Retryable(f"model provider unreachable: {type(exc).__name__}") from exc
    except (MaxTurnsExceeded, ModelBehaviorError) as exc:
        raise Retryable(f"model did not finish the plan: {type(exc).__name__}") from exc
    except AgentsException as exc:
        raise Retryable(f"agent run failed: {type(exc).__name__}") from exc
    finally:
        await client.close()
    return RunOutcome(
        evidence=evidence if evidence is not None else evidence_from_items(result.new_items),
        final_output=result.final_output,
        model_requests=len(result.raw_responses),
        input_tokens=sum(r.usage.input_tokens for r in result.raw_responses),
        output_tokens=sum(r.usage.output_tokens for r in result.raw_responses),
    )
