"""The one configuration object of gongq, read once and passed down.

Names follow Composio's public integration guide where it has them (OPENAI_API_KEY,
OPENAI_BASE_URL, COMPOSIO_API_KEY, COMPOSIO_BASE_URL, USER_ID) so a user who followed the guide
can point gongq at the same ``.env``; REDIS_URL is the usual name; everything else is
``GONGQ_``-prefixed. No other module reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from worker.errors import ConfigurationError

#: Values that mean "nobody filled this in"; refused outside sandbox mode.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "placeholder", "sk-placeholder", "your-key-here"}
)


def _unprefixed(name: str) -> AliasChoices:
    """Accept a field under its guide name only (no ``GONGQ_`` prefix)."""
    return AliasChoices(name)


class Settings(BaseSettings):
    """Everything gongq can be configured with; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="GONGQ_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    openai_api_key: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=_unprefixed("OPENAI_API_KEY"),
        description="OpenAI API key used by the agent's model (Responses API).",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=_unprefixed("OPENAI_BASE_URL"),
        description="OpenAI API base URL; in sandbox mode defaults to the sandbox's /v1.",
    )
    composio_api_key: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=_unprefixed("COMPOSIO_API_KEY"),
        description="Composio API key (creates Tool Router sessions; sent to the MCP server).",
    )
    composio_base_url: str | None = Field(
        default=None,
        validation_alias=_unprefixed("COMPOSIO_BASE_URL"),
        description="Composio API base URL; in sandbox mode defaults to the sandbox origin.",
    )
    user_id: str = Field(
        default="gongq",
        validation_alias=_unprefixed("USER_ID"),
        description="Composio user id whose connected Gong account the agent acts for.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=_unprefixed("REDIS_URL"),
        description="Redis for the Celery broker, results, task records and the audit stream.",
    )

    sandbox: bool = Field(
        default=False,
        description="Run against the offline stand-ins (gongq sandbox); allows placeholder keys.",
    )
    sandbox_url: str = Field(
        default="http://127.0.0.1:8765",
        description="Origin of the offline stand-ins, used in sandbox mode and by gongq demo.",
    )
    model: str = Field(default="gpt-5", description="Model name the agent asks for.")
    executor: Literal["hosted"] = Field(
        default="hosted", description="How tools run: 'hosted' (the provider calls the MCP server)."
    )
    key_prefix: str = Field(default="gongq", description="Prefix of every Redis key gongq writes.")
    task_timeout_seconds: float = Field(
        default=300.0, gt=0, description="Longest one agent run may take, enforced in the event loop."
    )
    max_attempts: int = Field(default=5, ge=1, description="Attempts per task before it is dead-lettered.")
    retry_base_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; doubles each attempt (with jitter)."
    )
    retry_max_seconds: float = Field(default=300.0, gt=0, description="Upper bound of one retry delay.")
    worker_concurrency: int = Field(
        default=8, ge=1, description="Tasks in flight per worker process (thread pool; tasks are I/O-bound)."
    )
    idempotency_ttl_seconds: int = Field(
        default=30 * 24 * 3600,
        ge=60,
        description="How long an idempotency key keeps answering with its task.",
    )
    pii_key: SecretStr = Field(
        default=SecretStr("sandbox-pii-key"),
        description="Key of the HMAC that stands in for personal data in audit events.",
    )

    @model_validator(mode="after")
    def _sandbox_placeholder_keys(self) -> Settings:
        """In sandbox mode the stand-ins accept any key, so none has to be configured."""
        if self.sandbox:
            for name in ("openai_api_key", "composio_api_key"):
                if not getattr(self, name).get_secret_value():
                    setattr(self, name, SecretStr(f"sandbox-{name.removesuffix('_api_key')}-key"))
        return self

    @property
    def effective_openai_base_url(self) -> str | None:
        """The OpenAI base URL to use: explicit, else the sandbox's in sandbox mode, else the SDK default."""
        if self.openai_base_url:
            return self.openai_base_url
        return f"{self.sandbox_url.rstrip('/')}/v1" if self.sandbox else None

    @property
    def effective_composio_base_url(self) -> str | None:
        """The Composio base URL to use: explicit, else the sandbox origin in sandbox mode."""
        if self.composio_base_url:
            return self.composio_base_url
        return self.sandbox_url.rstrip("/") if self.sandbox else None

    def require_live_secrets(self) -> None:
        """Refuse to run for real with empty or placeholder keys.

        Called when a worker or service starts rather than at construction, so ``--help`` and
        offline commands work without keys. Sandbox mode accepts anything.
        """
        if self.sandbox:
            return
        missing = [
            name
            for name, secret in (
                ("OPENAI_API_KEY", self.openai_api_key),
                ("COMPOSIO_API_KEY", self.composio_api_key),
                ("GONGQ_PII_KEY", self.pii_key),
            )
            if secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            or secret.get_secret_value().startswith("sandbox-")
        ]
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} must be set to real values outside sandbox mode "
                "(set GONGQ_SANDBOX=1 to run against the offline stand-ins)"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide Settings, built on first use from the environment and ``.env``."""
    return Settings()


def env_name(field_name: str) -> str:
    """The environment variable that sets ``field_name`` (its guide name, or GONGQ_<NAME>)."""
    info = Settings.model_fields[field_name]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"GONGQ_{field_name.upper()}"


def settings_env(settings: Settings) -> dict[str, str]:
    """Settings as environment variables, to hand the exact same configuration to a child process."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, bool):
            value = "1" if value else "0"
        env[env_name(name)] = str(value)
    return env
