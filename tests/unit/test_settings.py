"""Settings: guide names for the guide's variables, GONGQ_ for the rest, no placeholders live."""

from __future__ import annotations

import pytest

from worker.errors import ConfigurationError
from worker.settings import Settings, env_name, settings_env


def test_guide_variables_keep_their_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live")
    monkeypatch.setenv("COMPOSIO_BASE_URL", "https://composio.example")
    monkeypatch.setenv("USER_ID", "ops-team")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("GONGQ_MAX_ATTEMPTS", "7")
    settings = Settings(_env_file=None)
    assert settings.openai_api_key.get_secret_value() == "sk-live"
    assert settings.composio_base_url == "https://composio.example"
    assert settings.user_id == "ops-team"
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.max_attempts == 7


def test_secrets_do_not_show_in_repr() -> None:
    settings = Settings(openai_api_key="sk-very-secret", _env_file=None)
    assert "sk-very-secret" not in repr(settings)


def test_sandbox_mode_points_both_sdks_at_the_sandbox_origin() -> None:
    settings = Settings(sandbox=True, sandbox_url="http://127.0.0.1:9999/", _env_file=None)
    assert settings.effective_openai_base_url == "http://127.0.0.1:9999/v1"
    assert settings.effective_composio_base_url == "http://127.0.0.1:9999"


def test_live_mode_uses_the_sdk_defaults_unless_told_otherwise() -> None:
    settings = Settings(sandbox=False, _env_file=None)
    assert settings.effective_openai_base_url is None
    assert settings.effective_composio_base_url is None


def test_placeholder_secrets_are_refused_outside_sandbox_mode() -> None:
    settings = Settings(
        sandbox=False,
        openai_api_key="changeme",
        composio_api_key="ck-real",
        pii_key="a-real-key",
        _env_file=None,
    )
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        settings.require_live_secrets()


def test_sandbox_mode_accepts_placeholder_secrets() -> None:
    Settings(sandbox=True, _env_file=None).require_live_secrets()


def test_settings_round_trip_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Settings(
        sandbox=True, redis_url="redis://h:1/3", composio_api_key="ck", max_attempts=2, _env_file=None
    )
    for name, value in settings_env(original).items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None) == original


def test_env_names_follow_the_naming_rule() -> None:
    assert env_name("openai_base_url") == "OPENAI_BASE_URL"
    assert env_name("user_id") == "USER_ID"
    assert env_name("task_timeout_seconds") == "GONGQ_TASK_TIMEOUT_SECONDS"
