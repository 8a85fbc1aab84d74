"""Agents SDK traces are exported to OpenAI: off unless asked for, and never with tool data."""

from __future__ import annotations

import openai
from agents.models.openai_responses import OpenAIResponsesModel

from worker.executor import run_config
from worker.settings import Settings

LIVE = {"openai_api_key": "sk-live-looking", "composio_api_key": "ck-live-looking", "_env_file": None}


def model() -> OpenAIResponsesModel:
    return OpenAIResponsesModel(model="gpt-5", openai_client=openai.AsyncOpenAI(api_key="x"))


def test_tracing_is_off_outside_sandbox_mode_unless_asked_for() -> None:
    assert run_config(Settings(**LIVE), model()).tracing_disabled is True


def test_asked_for_tracing_never_includes_tool_arguments_or_outputs() -> None:
    config = run_config(Settings(**LIVE, tracing=True), model())
    assert config.tracing_disabled is False
    assert config.trace_include_sensitive_data is False


def test_sandbox_mode_never_traces() -> None:
    assert run_config(Settings(sandbox=True, tracing=True, _env_file=None), model()).tracing_disabled is True
