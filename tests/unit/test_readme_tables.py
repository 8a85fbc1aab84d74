"""README.md's configuration and operations tables are the ones the code generates.

A Settings field or catalog entry added without ``python tools/readme_tables.py --write`` fails
here, so the README cannot drift from ``worker/settings.py`` and ``worker/operations/``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import SecretStr

from worker.operations import CATALOG
from worker.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


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
    assert tables.stale_tables(stale) == ["config-table"]
    assert tables.main(["--readme", str(copy)]) == 1
    assert tables.main(["--readme", str(copy), "--write"]) == 0
    assert copy.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
    assert tables.main(["--readme", str(copy)]) == 0


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
