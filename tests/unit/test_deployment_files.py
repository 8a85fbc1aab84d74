"""docker-compose.yml, Dockerfile and .dockerignore say what the README promises.

No Docker engine runs where the tests run, so the files are read, not started: services,
healthchecks, volumes, the sandbox profile, that every command is a real ``gongq`` command
with real options, and that every environment variable they name is a Settings field (by its
environment name) or a known non-gongq variable, so a typo cannot silently configure nothing.

The compose file is read with PyYAML (a dev dependency), as Compose itself reads YAML.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.main import get_command

from worker.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

#: Variables that are not gongq settings but are legitimately set by the deployment files.
KNOWN_OTHER_VARIABLES = frozenset(
    {
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "OPENAI_AGENTS_DISABLE_TRACING",  # the Agents SDK's own switch
    }
)
GONGQ_SERVICES = ("worker", "webhooks", "flower", "sandbox")


# --- the compose file ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def test_the_services_and_named_volumes(compose: dict[str, Any], services: dict[str, Any]) -> None:
    assert set(services) == {"redis", *GONGQ_SERVICES}
    declared = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert not source.startswith((".", "/")), f"{volume}: use a named volume"
            assert source in declared


def test_redis_is_durable_and_healthchecked(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert redis["image"] == "redis:7"
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_gongq_services_share_the_one_image_and_its_configuration(services: dict[str, Any]) -> None:
    for name in GONGQ_SERVICES:
        service = services[name]
        assert service["build"] == "."
        assert service["command"][0] == "gongq", name
        assert service["env_file"] == [{"path": ".env", "required": False}], name
        assert "container_name" not in service, name
    for name in ("worker", "webhooks", "flower"):
        environment = services[name]["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0", name
        assert environment["GONGQ_SANDBOX"] == "${GONGQ_SANDBOX:-0}", name
        assert environment["GONGQ_SANDBOX_URL"] == "http://sandbox:8765", name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert "profiles" not in services[name], name


def test_the_worker_scales(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert worker["command"] == ["gongq", "worker"]
    assert "ports" not in worker and "container_name" not in worker
    # With the sandbox profile the workers wait for it; without the profile compose ignores it.
    assert worker["depends_on"]["sandbox"]["required"] is False


def test_redis_is_published_on_the_host_loopback_only(services: dict[str, Any]) -> None:
    """`docker compose up -d redis` gives gongq on the host the Redis REDIS_URL defaults to."""
    assert services["redis"]["ports"] == ["127.0.0.1:6379:6379"]
    default = Settings.model_fields["redis_url"].default
    assert default.startswith("redis://127.0.0.1:6379/")


def test_webhooks_and_flower_listen_on_their_published_ports(services: dict[str, Any]) -> None:
    assert services["webhooks"]["command"] == ["gongq", "webhooks", "--host", "0.0.0.0", "--port", "8780"]
    assert services["webhooks"]["ports"] == ["8780:8780"]
    assert "127.0.0.1:8780/healthz" in " ".join(services["webhooks"]["healthcheck"]["test"])
    flower = services["flower"]
    assert flower["command"] == ["gongq", "flower", "--address", "0.0.0.0"]
    assert flower["ports"] == ["5555:5555"]
    assert "5555/healthcheck" in " ".join(flower["healthcheck"]["test"])


def test_flower_has_auth_and_keeps_its_state_in_a_volume(services: dict[str, Any]) -> None:
    flower = services["flower"]
    environment = flower["environment"]
    assert environment["GONGQ_FLOWER_USER"] == "${GONGQ_FLOWER_USER:-gongq}"
    assert environment["GONGQ_FLOWER_PASSWORD"] == "${GONGQ_FLOWER_PASSWORD:-}"
    db = Path(environment["GONGQ_FLOWER_DB"])
    mounts = {Path(volume.split(":")[1]) for volume in flower["volumes"]}
    assert db.parent in mounts, "the Flower db must live on the mounted volume"
    assert f"mkdir -p {db.parent}" in DOCKERFILE.read_text(), "the image must create it for the non-root user"


def test_the_sandbox_is_a_profile_the_others_point_at(services: dict[str, Any]) -> None:
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert sandbox["command"] == ["gongq", "sandbox", "--host", "0.0.0.0", "--port", "8765"]
    assert "8765/_sandbox/health" in " ".join(sandbox["healthcheck"]["test"])
    text = COMPOSE.read_text()
    assert "GONGQ_SANDBOX=1 docker compose --profile sandbox up" in text


def _cli_commands() -> dict[str, Any]:
    """The gongq click commands, including those producer/cli.py does not register yet."""
    from producer import cli, cli_operations

    commands = dict(get_command(cli.app).commands)  # type: ignore[attr-defined]
    extra = typer.Typer()
    extra.callback()(lambda: None)
    cli_operations.register(extra)
    for name, command in get_command(extra).commands.items():  # type: ignore[attr-defined]
        commands.setdefault(name, command)
    return commands


def test_the_webhook_port_is_the_cli_default_everywhere(services: dict[str, Any]) -> None:
    """One port for the webhook service: `gongq webhooks`' default is what compose runs, publishes
    and healthchecks, and no deployment file or doc names another one."""
    (port_option,) = [param for param in _cli_commands()["webhooks"].params if "--port" in param.opts]
    port = str(port_option.default)
    assert port == "8780"
    webhooks = services["webhooks"]
    command = webhooks["command"]
    assert command[command.index("--port") + 1] == port
    assert webhooks["ports"] == [f"{port}:{port}"]
    assert f"127.0.0.1:{port}/healthz" in " ".join(webhooks["healthcheck"]["test"])
    texts = [COMPOSE, DOCKERFILE, ROOT / ".env.example", *sorted((ROOT / "docs").glob("*.md"))]
    texts += sorted((ROOT / "examples").glob("*"))
    for path in texts:
        assert not re.search(r"(?<![0-9])8000(?![0-9])", path.read_text()), f"{path.name} names port 8000"


def test_the_compose_file_states_the_compose_version_it_needs(services: dict[str, Any]) -> None:
    """The first line names the minimum Docker Compose version, which the features used need:
    env_file entries with ``required`` came in Compose 2.24.0, depends_on ``required`` in 2.20.2."""
    first = COMPOSE.read_text().splitlines()[0]
    found = re.fullmatch(r"# Needs Docker Compose v(\d+)\.(\d+)\.(\d+) or newer.*", first)
    assert found, f"docker-compose.yml must start with its minimum Compose version, not {first!r}"
    version = tuple(int(part) for part in found.groups())
    needed = (2, 0, 0)
    for service in services.values():
        if any(isinstance(entry, dict) and "required" in entry for entry in service.get("env_file", [])):
            needed = max(needed, (2, 24, 0))
        if any(isinstance(dep, dict) and "required" in dep for dep in service.get("depends_on", {}).values()):
            needed = max(needed, (2, 20, 2))
    assert version == needed, f"the file needs Compose {'.'.join(map(str, needed))}, says {version}"


def test_every_service_command_is_a_gongq_command_with_real_options(services: dict[str, Any]) -> None:
    commands = _cli_commands()
    for name in GONGQ_SERVICES:
        argv = services[name]["command"]
        assert argv[1] in commands, f"{name}: gongq has no command {argv[1]!r}"
        known = {opt for param in commands[argv[1]].params for opt in param.opts}
        for word in argv[2:]:
            if word.startswith("--"):
                assert word in known, f"{name}: gongq {argv[1]} has no option {word}"


# --- environment variables -------------------------------------------------------------------------


def _settings_env_names() -> set[str]:
    return {env_name(field) for field in Settings.model_fields}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_every_environment_variable_named_is_a_setting_or_a_known_one(services: dict[str, Any]) -> None:
    named: set[str] = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text()))
    for service in services.values():
        named |= set(service.get("environment", {}))
    for keyword, rest in _dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            named |= {word.split("=", 1)[0] for word in shlex.split(rest)}
    unknown = named - _settings_env_names() - KNOWN_OTHER_VARIABLES
    assert not unknown, f"not a Settings field or a known variable: {sorted(unknown)}"
    assert {"GONGQ_SANDBOX", "GONGQ_FLOWER_PASSWORD", "REDIS_URL"} <= named


# --- the image ----------------------------------------------------------------------------------


def test_the_image_is_slim_non_root_and_without_dev_dependencies() -> None:
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install" in runs
    assert "[dev]" not in runs and " -e " not in runs
    final = [rest for keyword, rest in instructions if keyword in ("CMD", "ENTRYPOINT")]
    assert final and "gongq" in final[-1]


def test_the_image_copies_every_package_and_the_context_excludes_secrets() -> None:
    copied = {
        Path(source).name
        for keyword, rest in _dockerfile_instructions()
        if keyword == "COPY"
        for source in rest.split()[:-1]
    }
    assert {"pyproject.toml", "README.md", "worker", "producer", "sandbox"} <= copied
    for source in copied:
        assert (ROOT / source).exists(), source
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip()}
    assert {".env", ".venv/", ".git/"} <= ignored
    assert not ignored & {f"{name}/" for name in copied} and not ignored & copied
