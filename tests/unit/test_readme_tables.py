"""README.md's configuration and operations tables, and .env.example, are what the code generates.

A Settings field or catalog entry added without ``python tools/readme_tables.py --write`` fails
here, so neither the README nor .env.example can drift from ``worker/settings.py`` and
``worker/operations/``. .env.example is also loaded the ways gongq and Docker Compose load it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from dotenv import dotenv_values
from pydantic import SecretStr

from producer.flower import flower_config
from worker.errors import ConfigurationError
from worker.operations import CATALOG
from worker.settings import PLACEHOLDER_SECRETS, Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
SECRET_FIELDS = [name for name, info in Settings.model_fields.items() if info.annotation is SecretStr]


@pytest.fixture(scope="module")
def tables() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "tools" / "readme_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_tables_are_up_to_date(tables: ModuleType) -> None:
    readme = README.read_text(encoding="utf-8")
    stale = tables.stale_tables(readme)
    assert not stale, (
        f"README.md is out of date ({', '.join(stale)}): run `python tools/readme_tables.py --write`"
    )


def test_every_setting_and_operation_has_a_row(tables: ModuleType) -> None:
    config = tables.config_table()
    for name in Settings.model_fields:
        assert f"| `{env_name(name)}` |" in config
    operations = tables.operations_table()
    for op in CATALOG.values():
        assert f"| `{op.name}` | {op.kind.value} | {op.lane.value} |" in operations


def test_secret_defaults_are_never_printed(tables: ModuleType) -> None:
    config = tables.config_table()
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, SecretStr):
            row = next(line for line in config.splitlines() if f"`{env_name(name)}`" in line)
            assert "*secret*" in row
            if default.get_secret_value():
                assert default.get_secret_value() not in config


def test_the_check_exits_1_on_a_stale_readme_and_write_fixes_it(tables: ModuleType, tmp_path: Path) -> None:
    stale = README.read_text(encoding="utf-8").replace("| `GONGQ_SANDBOX` |", "| `GONGQ_SANDBOXX` |")
    copy = tmp_path / "README.md"
    copy.write_text(stale, encoding="utf-8")
    env = tmp_path / ".env.example"
    env.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    paths = ["--readme", str(copy), "--env-example", str(env)]
    assert tables.stale_tables(stale) == ["config-table"]
    assert tables.main(paths) == 1
    assert tables.main([*paths, "--write"]) == 0
    assert copy.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
    assert tables.main(paths) == 0


def test_text_outside_the_markers_is_left_alone(tables: ModuleType) -> None:
    text = "intro\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\noutro\n"
    rendered = tables.render(text, {"config-table": "| new |"})
    assert rendered.startswith("intro\n<!-- config-table:start -->\n")
    assert rendered.endswith("| new |\n<!-- config-table:end -->\noutro\n")
    with pytest.raises(tables.MarkerError):
        tables.render("no markers here", {"config-table": "| new |"})


def test_the_script_runs_from_any_directory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme_tables.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


# --- .env.example ----------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting comes from the process environment or a developer's .env."""
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
        monkeypatch.delenv(f"GONGQ_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)


def test_env_example_is_what_the_generator_writes(tables: ModuleType) -> None:
    assert ENV_EXAMPLE.read_text(encoding="utf-8") == tables.env_example(), (
        ".env.example is out of date: run `python tools/readme_tables.py --write`"
    )


def test_env_example_lists_every_setting_once_in_declaration_order(tables: ModuleType) -> None:
    listed = tables.env_example_names(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert listed == [env_name(name) for name in Settings.model_fields]
    for name in ("GONGQ_WEBHOOK_SECRET", "GONGQ_HUBSPOT_CLIENT_SECRET", "GONGQ_FLOWER_PASSWORD"):
        assert name in listed


def test_env_example_entries_carry_their_descriptions(tables: ModuleType) -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    comments = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    for info in Settings.model_fields.values():
        assert " ".join((info.description or "").split()) in comments


def test_env_example_secrets_are_placeholders_gongq_refuses(tables: ModuleType) -> None:
    values = dotenv_values(ENV_EXAMPLE)
    assert tables.SECRET_PLACEHOLDER in PLACEHOLDER_SECRETS
    for name in SECRET_FIELDS:
        assert values[env_name(name)] == tables.SECRET_PLACEHOLDER, name
    default_secrets = {
        info.get_default(call_default_factory=True).get_secret_value()
        for info in Settings.model_fields.values()
        if info.annotation is SecretStr
    } - {""}
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert not [secret for secret in default_secrets if secret in text]


def test_env_example_lines_read_the_same_in_every_env_file_parser() -> None:
    """Only ``NAME=value`` lines with a plain value, comments and blanks: Compose's env_file,
    python-dotenv and a shell read such a file the same way (no quotes, no inline comments)."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    plain: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line == "#" or line.startswith("# "):
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=([^\s#'\"$\\`]*)", line)
        assert match, f"not a plain NAME=value line: {line!r}"
        plain[match.group(1)] = match.group(2)
    assert dotenv_values(ENV_EXAMPLE) == plain


@pytest.mark.usefixtures("clean_environment")
def test_env_example_loads_as_the_defaults_apart_from_the_secrets() -> None:
    loaded = Settings(_env_file=ENV_EXAMPLE)
    defaults = Settings(_env_file=None)
    for name in Settings.model_fields:
        value = getattr(loaded, name)
        if name in SECRET_FIELDS:
            assert value.get_secret_value() == "change-me", name
        else:
            assert value == getattr(defaults, name), name
    assert loaded.sandbox is False


@pytest.mark.usefixtures("clean_environment")
def test_env_example_placeholders_are_refused_outside_sandbox_mode() -> None:
    settings = Settings(_env_file=ENV_EXAMPLE)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY, COMPOSIO_API_KEY"):
        settings.require_live_secrets()
    with pytest.raises(ConfigurationError, match="GONGQ_WEBHOOK_SECRET, GONGQ_HUBSPOT_CLIENT_SECRET"):
        settings.require_webhook_secrets()
    with pytest.raises(ConfigurationError, match="GONGQ_AUDIT_KEY"):
        settings.require_audit_key()
    with pytest.raises(ConfigurationError, match="GONGQ_FLOWER_PASSWORD"):
        flower_config(settings)
    assert settings.usable_metrics_token() is None


@pytest.mark.usefixtures("clean_environment")
def test_env_example_works_in_sandbox_mode_set_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make demo` sets GONGQ_SANDBOX=1 in the environment; a .env copied from the example says 0."""
    monkeypatch.setenv("GONGQ_SANDBOX", "1")
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert settings.sandbox is True
    settings.require_live_secrets()
    settings.require_webhook_secrets()
    assert settings.require_audit_key() == "change-me"
    assert flower_config(settings).auth
    assert settings.effective_openai_base_url == "http://127.0.0.1:8765/v1"


def test_the_check_exits_1_on_a_stale_env_example_and_write_fixes_it(
    tables: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    env = tmp_path / ".env.example"
    current = ENV_EXAMPLE.read_text(encoding="utf-8")
    env.write_text(current.replace("GONGQ_WEBHOOK_SECRET=change-me\n", ""), encoding="utf-8")
    paths = ["--readme", str(readme), "--env-example", str(env)]
    assert tables.main(paths) == 1
    message = capsys.readouterr().err
    assert ".env.example is out of date (lacks GONGQ_WEBHOOK_SECRET)" in message
    assert "python tools/readme_tables.py --write" in message
    assert "README.md" not in message
    assert tables.main([*paths, "--write"]) == 0
    assert env.read_text(encoding="utf-8") == current
    assert tables.main(paths) == 0

    env.unlink()
    assert tables.main(paths) == 1
    assert ".env.example is missing" in capsys.readouterr().err
    assert tables.main([*paths, "--write"]) == 0
    assert env.read_text(encoding="utf-8") == current


def test_a_default_that_needs_quoting_is_refused(tables: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    info = Settings.model_fields["model"]
    monkeypatch.setattr(info, "default", "gpt 5 # quoted")
    with pytest.raises(ValueError, match="GONGQ_MODEL"):
        tables.env_example()
