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


#: Secrets sandbox mode fills in when they are empty (and refuses outside it).
#: The SDKs' own base URLs when none is configured (openai's and composio's defaults).
OPENAI_CLOUD = "https://api.openai.com/v1"
COMPOSIO_CLOUD = "https://backend.composio.dev"

SANDBOX_PLACEHOLDERS = {
    "openai_api_key": "sandbox-openai-key",
    "composio_api_key": "sandbox-composio-key",
    "webhook_secret": "sandbox-webhook-secret",
    "hubspot_client_secret": "sandbox-hubspot-client-secret",
    "metrics_token": "sandbox-metrics-token",
    "audit_key": "sandbox-audit-key",
}


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
    executor: Literal["hosted", "client"] = Field(
        default="hosted",
        description="How tools run: 'hosted' (the provider calls the MCP server) or 'client' "
        "(the worker calls it; for providers without hosted MCP).",
    )
    key_prefix: str = Field(default="gongq", description="Prefix of every Redis key gongq writes.")
    gong_toolkit_version: str = Field(
        default="20251027_00",
        description="Gong toolkit version the Composio SDK pins for direct tool calls "
        "(Tool Router sessions choose their own; docs/fidelity.md).",
    )
    composio_gong_account: str | None = Field(
        default=None,
        description="Connected account id the agent may name in tools[].account; unset = none may be named.",
    )
    connection_recheck_seconds: float = Field(
        default=15.0,
        gt=0,
        description="While tasks wait for a Gong connection, how often a worker checks whether it is active.",
    )
    tracing: bool = Field(
        default=False,
        description="Export Agents SDK traces to OpenAI (never with tool arguments or outputs).",
    )
    task_timeout_seconds: float = Field(
        default=300.0, gt=0, description="Longest one agent run may take, enforced in the event loop."
    )
    max_attempts: int = Field(default=5, ge=1, description="Attempts per task before it is dead-lettered.")
    unclassified_max_attempts: int = Field(
        default=3,
        ge=1,
        description="Attempts for a failure no signal classifies (no status, unknown wording).",
    )
    retry_base_seconds: float = Field(
        default=2.0, gt=0, description="First retry delay; doubles each attempt (with jitter)."
    )
    retry_max_seconds: float = Field(default=300.0, gt=0, description="Upper bound of one retry delay.")
    worker_concurrency: int = Field(
        default=8, ge=1, description="Tasks in flight per worker process (thread pool; tasks are I/O-bound)."
    )
    gong_rate_per_second: float = Field(
        default=3.0, gt=0, description="Gong requests per second for all workers together (global limiter)."
    )
    gong_rate_burst: float = Field(
        default=1.0,
        ge=1,
        description="Token bucket size of the global limiter; 1 spaces requests evenly, so the jitter "
        "between taking a token and Gong seeing the request never trips Gong's own bucket.",
    )
    gong_daily_budget: int = Field(
        default=10000, ge=0, description="Gong requests per UTC day for all workers together."
    )
    deferred_release_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often each worker re-enqueues deferred tasks that are due."
    )
    lost_after_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A task whose message is nowhere (queues, unacked, workers) this long is sent again.",
    )
    sweep_interval_seconds: float = Field(
        default=10.0, gt=0, description="How often one worker (a Redis lock) looks for lost tasks."
    )
    heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often each worker says it is alive (and which messages it holds); 3 missed = gone.",
    )
    idempotency_ttl_seconds: int = Field(
        default=30 * 24 * 3600,
        ge=60,
        description="How long an idempotency key keeps answering with its task.",
    )
    erasure_due_days: int = Field(
        default=30, ge=1, description="Legal deadline of an erasure, in days after it was requested."
    )
    erasure_verify_delay_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Wait before checking with Gong that an erasure took effect (Gong takes hours), "
        "and between checks while Gong still holds data.",
    )
    erasure_verify_attempts: int = Field(
        default=24, ge=1, description="Checks before an erasure Gong has not finished is flagged."
    )
    pii_key: SecretStr = Field(
        default=SecretStr("sandbox-pii-key"),
        description="Key of the HMAC that stands in for personal data in audit events.",
    )
    audit_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key of the HMAC that chains audit events; kept out of Redis, so write access to "
        "Redis is not enough to rewrite the trail. Needed to write or verify events.",
    )
    audit_legacy_events: int = Field(
        default=0,
        ge=0,
        description="Events at the start of the audit stream written before GONGQ_AUDIT_KEY existed "
        "(unkeyed SHA-256), which verify accepts; set once when upgrading a store (README).",
    )
    failed_payload_retention_days: int | None = Field(
        default=None,
        ge=1,
        description="How long a dead, parked or needs-review task keeps its payload in clear so it "
        "can be retried; then personal data in it become tokens and it can no longer be retried. "
        "Unset: GONGQ_ERASURE_DUE_DAYS (an erasure that failed is kept until its legal deadline).",
    )
    chat_history_ttl_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        description="How long a `gongq ask` conversation (which quotes what Gong answered, personal "
        "data included) is kept in Redis after its last message.",
    )
    flower_user: str = Field(
        default="gongq", description="User name of Flower's HTTP basic auth (gongq flower)."
    )
    flower_password: SecretStr = Field(
        default=SecretStr(""),
        description="Password of Flower's HTTP basic auth; required outside sandbox mode (12+ characters).",
    )
    flower_db: str = Field(
        default=".gongq/flower.db",
        description="File where Flower keeps its task history across restarts (directory is created).",
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Worker log lines: 'json' (one object per line, keyed by task id, never payload "
        "data) for log shippers, or 'text' for reading in a terminal.",
    )

    webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Shared secret of X-Gongq-Signature on /webhooks/tasks and /erasures.",
    )
    hubspot_client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HubSpot app client secret; verifies X-HubSpot-Signature-v3 on /webhooks/hubspot.",
    )
    public_url: str | None = Field(
        default=None,
        description="Public origin HubSpot calls (e.g. https://hooks.example.com) when behind a proxy; "
        "the signed URI is built from it instead of the request's own URL.",
    )
    hubspot_flow_id: str = Field(
        default="1695493301223590792",
        description="Engage flow that HubSpot contacts are assigned to by the default event mapping.",
    )
    hubspot_flow_owner_email: str = Field(
        default="dana.lee@acme-robotics.example",
        description="Owner of the flow instances the default HubSpot mapping creates.",
    )
    default_phone_region: Literal["US", "CA", "GB", "DE", "FR", "ES", "JP"] = Field(
        default="US",
        description="Region of national phone numbers (no +country code) in erasure lists.",
    )
    webhook_body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest the webhook service waits for a request body (from its first read); a "
        "slower sender gets 408 and its connection is closed.",
    )
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token GET /metrics requires (Authorization: Bearer <token>); outside "
        "sandbox mode, while it is unset or a placeholder, /metrics answers 403.",
    )

    def require_webhook_secrets(self) -> None:
        """Refuse to serve webhooks for real with empty or placeholder signing secrets.

        An unsigned or guessable secret would let anyone enqueue erasures, so the webhook
        service calls this before it listens; it writes audit events and tokens too, so their
        keys are checked with them. Sandbox mode accepts its placeholders.
        """
        self._require_real(
            ("GONGQ_WEBHOOK_SECRET", self.webhook_secret),
            ("GONGQ_HUBSPOT_CLIENT_SECRET", self.hubspot_client_secret),
            ("GONGQ_AUDIT_KEY", self.audit_key),
            ("GONGQ_PII_KEY", self.pii_key),
        )

    def usable_metrics_token(self) -> str | None:
        """The token /metrics requires, or ``None`` while there is none worth requiring (empty,
        or a placeholder outside sandbox mode): then /metrics is off rather than open or
        guarded by a guessable token."""
        try:
            self._require_real(("GONGQ_METRICS_TOKEN", self.metrics_token))
        except ConfigurationError:
            return None
        return self.metrics_token.get_secret_value() or None

    def _require_real(self, *secrets: tuple[str, SecretStr]) -> None:
        """ConfigurationError naming every secret that is empty or a placeholder (not in sandbox mode)."""
        if self.sandbox:
            return
        missing = [
            name
            for name, secret in secrets
            if secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            or secret.get_secret_value().startswith("sandbox-")
        ]
        if missing:
            raise ConfigurationError(
                f"{', '.join(missing)} must be set to real values outside sandbox mode "
                "(set GONGQ_SANDBOX=1 to run against the offline stand-ins)"
            )

    @model_validator(mode="after")
    def _sandbox_placeholder_secrets(self) -> Settings:
        """In sandbox mode the stand-ins accept any key and webhooks are signed with known
        placeholders, so nothing has to be configured (``make demo`` needs no .env)."""
        if self.sandbox:
            for name, placeholder in SANDBOX_PLACEHOLDERS.items():
                if not getattr(self, name).get_secret_value():
                    setattr(self, name, SecretStr(placeholder))
        return self

    @property
    def failed_payload_retention_seconds(self) -> float:
        """The retention of an unfinished task's payload, in seconds."""
        return 86400.0 * (self.failed_payload_retention_days or self.erasure_due_days)

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

    @property
    def openai_url_in_use(self) -> str:
        """Where model requests go, the SDK's default spelled out: for messages and probes."""
        return self.effective_openai_base_url or OPENAI_CLOUD

    @property
    def composio_url_in_use(self) -> str:
        """Where Composio requests go, the SDK's default spelled out: for messages, probes, uploads."""
        return self.effective_composio_base_url or COMPOSIO_CLOUD

    def require_live_secrets(self) -> None:
        """Refuse to run for real with empty or placeholder keys.

        Called when a worker or service starts rather than at construction, so ``--help`` and
        offline commands work without keys. Sandbox mode accepts anything.
        """
        self._require_real(
            ("OPENAI_API_KEY", self.openai_api_key),
            ("COMPOSIO_API_KEY", self.composio_api_key),
            ("GONGQ_PII_KEY", self.pii_key),
            ("GONGQ_AUDIT_KEY", self.audit_key),
        )

    def require_audit_key(self) -> str:
        """The audit chain's key, or ConfigurationError if it is empty or a placeholder outside
        sandbox mode: a chain keyed with a guessable key is as rewritable as an unkeyed one."""
        self._require_real(("GONGQ_AUDIT_KEY", self.audit_key))
        return self.audit_key.get_secret_value()


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
