"""Generate the README's configuration and operations tables from the code, so they cannot drift.

The configuration table comes from ``worker.settings.Settings`` (environment variable, type,
default, the field's description) and the operations table from ``worker.operations.CATALOG``
(operation, kind, lane, Composio tool, description). Each lives in README.md between
``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers; nothing outside them is touched.

    python tools/readme_tables.py           # exit 1 (and say which) if README.md is out of date
    python tools/readme_tables.py --write   # rewrite the tables in README.md
    python tools/readme_tables.py --print   # print both tables

Secret defaults are never printed: a SecretStr field shows ``secret`` as its default.
``tests/unit/test_readme_tables.py`` fails while the README is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

if str(ROOT) not in sys.path:  # run as a script from any directory, with or without an install
    sys.path.insert(0, str(ROOT))


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _type_name(annotation: Any) -> str:
    from pydantic import SecretStr

    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        named = [_type_name(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        optional = len(named) < len(typing.get_args(annotation))
        return " or ".join(named) + (", optional" if optional else "")
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def _default(value: Any) -> str:
    from pydantic import SecretStr

    if isinstance(value, SecretStr):
        return "*secret*"
    if value is None:
        return "*unset*"
    if isinstance(value, bool):  # the form .env files use (GONGQ_SANDBOX=0)
        return f"`{int(value)}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, Enum):
        value = value.value
    return f"`{value}`" if str(value) else '`""`'


def config_table() -> str:
    """One row per Settings field, in declaration order."""
    from worker.settings import Settings, env_name

    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        rows.append(
            f"| `{env_name(name)}` | {_cell(_type_name(info.annotation))} | {_cell(_default(default))} "
            f"| {_cell(info.description or '')} |"
        )
    return "\n".join(rows)


def operations_table() -> str:
    """One row per catalog operation, in catalog order (grouped by Gong area)."""
    from worker.operations import CATALOG

    rows = ["| operation | kind | lane | Composio tool | description |", "|---|---|---|---|---|"]
    for op in CATALOG.values():
        tools = ", ".join(f"`{slug}`" for slug in op.slugs) or "(the agent picks)"
        rows.append(
            f"| `{op.name}` | {op.kind.value} | {op.lane.value} | {tools} | {_cell(op.description)} |"
        )
    return "\n".join(rows)


#: Marker name → (table builder, where its rows come from).
TABLES: dict[str, tuple[Callable[[], str], str]] = {
    "config-table": (config_table, "worker/settings.py"),
    "operations-table": (operations_table, "worker/operations/"),
}


class MarkerError(ValueError):
    """README.md lacks a table's start/end markers (or has them twice or in the wrong order)."""


def _block(name: str, source: str, table: str) -> str:
    return (
        f"<!-- {name}:start -->\n"
        f"<!-- generated from {source} by `python tools/readme_tables.py --write`; do not edit -->\n"
        f"{table}\n"
        f"<!-- {name}:end -->"
    )


def render(readme: str, tables: dict[str, str] | None = None) -> str:
    """``readme`` with every generated table replaced by its current version."""
    tables = tables if tables is not None else {name: build() for name, (build, _) in TABLES.items()}
    for name, table in tables.items():
        pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.DOTALL)
        matches = list(pattern.finditer(readme))
        if len(matches) != 1:
            raise MarkerError(
                f"README.md needs exactly one <!-- {name}:start --> ... <!-- {name}:end --> block, "
                f"found {len(matches)}"
            )
        start, end = matches[0].span()
        block = _block(name, TABLES[name][1] if name in TABLES else "code", table)
        readme = readme[:start] + block + readme[end:]
    return readme


def stale_tables(readme: str) -> list[str]:
    """Names of the tables whose README block differs from what the code generates."""
    return [name for name, (build, _) in TABLES.items() if render(readme, {name: build()}) != readme]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate README.md's configuration and operations tables.")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite the tables in the README")
    action.add_argument("--print", action="store_true", help="print the tables instead of checking")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.print:
        for name, (build, _) in TABLES.items():
            sys.stdout.write(f"{name}:\n\n{build()}\n\n")
        return 0
    text = args.readme.read_text(encoding="utf-8")
    try:
        updated = render(text)
        stale = stale_tables(text) if updated != text else []
    except MarkerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.write:
        if updated != text:
            args.readme.write_text(updated, encoding="utf-8")
            sys.stderr.write(f"updated {args.readme.name}\n")
        return 0
    if updated != text:
        sys.stderr.write(
            f"{args.readme.name} is out of date ({', '.join(stale)}): "
            "run `python tools/readme_tables.py --write`\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
