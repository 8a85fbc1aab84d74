"""Generate the README's configuration and operations tables, and .env.example, from the code.

The configuration table comes from ``worker.settings.Settings`` (environment variable, type,
default, the field's description) and the operations table from ``worker.operations.CATALOG``
(operation, kind, lane, Composio tool, description). Each lives in README.md between
``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers; nothing outside them is touched.
``.env.example`` is generated whole, from the same walk over Settings as the configuration
table: a header, then per setting a comment with its description and ``NAME=default``
(``# NAME=`` for an optional setting unset by default, ``NAME=change-me`` for a secret).

    python tools/readme_tables.py           # exit 1 (and say which) if README.md or .env.example is stale
    python tools/readme_tables.py --write   # rewrite the tables in README.md, and .env.example
    python tools/readme_tables.py --print   # print both tables and .env.example

Secret defaults are never printed: a SecretStr field shows ``secret`` as its default in the
README and :data:`SECRET_PLACEHOLDER` in .env.example, a value Settings refuses outside sandbox
mode. ``tests/unit/test_readme_tables.py`` fails while either file is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"

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


def _is_secret(annotation: Any) -> bool:
    from pydantic import SecretStr

    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def _value_text(value: Any) -> str | None:
    """A non-secret default as an environment variable spells it; ``None`` when it is unset."""
    if value is None:
        return None
    if isinstance(value, bool):  # the form .env files use (GONGQ_SANDBOX=0)
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Enum):
        value = value.value
    return str(value)


def _default(value: Any) -> str:
    from pydantic import SecretStr

    if isinstance(value, SecretStr):
        return "*secret*"
    text = _value_text(value)
    if text is None:
        return "*unset*"
    return f"`{text}`" if text else '`""`'


class SettingRow(typing.NamedTuple):
    """One Settings field as both generated files describe it."""

    field: str
    env: str
    annotation: Any
    default: Any
    description: str


def _settings_rows() -> Iterator[SettingRow]:
    """Every Settings field, in declaration order: the one walk the table and .env.example share."""
    from worker.settings import Settings, env_name

    for name, info in Settings.model_fields.items():
        yield SettingRow(
            field=name,
            env=env_name(name),
            annotation=info.annotation,
            default=info.get_default(call_default_factory=True),
            description=info.description or "",
        )


def config_table() -> str:
    """One row per Settings field, in declaration order."""
    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for row in _settings_rows():
        rows.append(
            f"| `{row.env}` | {_cell(_type_name(row.annotation))} | {_cell(_default(row.default))} "
            f"| {_cell(row.description)} |"
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


# --- .env.example ----------------------------------------------------------------------------------

#: The value every secret gets in .env.example: obviously not a key, and one of
#: ``worker.settings.PLACEHOLDER_SECRETS``, so gongq refuses it outside sandbox mode.
SECRET_PLACEHOLDER = "change-me"

#: Headings of .env.example, each written before the Settings field that starts its group.
ENV_SECTIONS = {
    "openai_api_key": "The names of Composio's integration guide, and REDIS_URL (no GONGQ_ prefix)",
    "sandbox": "gongq's own settings (GONGQ_ prefix)",
    "webhook_secret": "The webhook service (gongq webhooks)",
}

#: A line of .env.example that sets a variable (``NAME=value``) or shows an unset one (``# NAME=``).
ENV_ASSIGNMENT = re.compile(r"^(?:# )?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")

#: Characters that Compose's env_file, python-dotenv and a shell would not all read the same way
#: in an unquoted value (comments, quotes, interpolation, escapes, whitespace).
_UNSAFE_ENV_VALUE = re.compile(r"[\s#'\"$\\`]")

_ENV_WIDTH = 100


def _comment(text: str) -> list[str]:
    """``text`` as ``# `` comment lines; a `code span` is never broken across lines."""
    glued = re.sub(r"`[^`]*`", lambda span: span.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(
        glued, width=_ENV_WIDTH, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
    )
    return [line.replace("\0", " ") for line in lines]


def _env_header(secrets: Sequence[str]) -> list[str]:
    paragraphs = [
        "gongq's configuration: every setting of worker/settings.py, with its default (README: "
        "Configuration). Generated by `python tools/readme_tables.py --write`; do not edit by hand "
        "(`make lint` fails while this file is out of date).",
        "Copy it to .env (`cp .env.example .env`) and fill in. Placeholders only: never commit real "
        "keys. Each line holds the setting's default, so one left as it is changes nothing, except "
        f"the secrets ({', '.join(secrets)}): they say {SECRET_PLACEHOLDER}, which gongq refuses "
        "outside sandbox mode, as it refuses an empty secret. A worker, the webhook service or Flower "
        "does not start until the secrets it needs are real (GONGQ_FLOWER_PASSWORD: 12+ characters), "
        "and /metrics answers 403 while GONGQ_METRICS_TOKEN is a placeholder.",
        "A commented-out `# NAME=` line is an optional setting, unset by default: remove the # and "
        "give it a value to set it. A variable set in the environment wins over .env.",
        "Sandbox mode (GONGQ_SANDBOX set to 1; `make demo` sets it) runs against the offline "
        "stand-ins (`gongq sandbox`, at GONGQ_SANDBOX_URL) and accepts any key, these placeholders "
        "included; an empty secret gets the sandbox's own placeholder instead (Flower's password is "
        "then sandbox-flower-password).",
        "Docker Compose passes .env to every gongq container (docker-compose.yml), but sets REDIS_URL "
        "and GONGQ_SANDBOX_URL there itself, because 127.0.0.1 inside a container is the container "
        "itself. For sandbox mode under Compose, set GONGQ_SANDBOX to 1 here and add COMPOSE_PROFILES "
        "with the value sandbox, or run `GONGQ_SANDBOX=1 docker compose --profile sandbox up`.",
    ]
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("#")
        lines.extend(_comment(paragraph))
    for line in lines:  # the header must not look like a setting to a reader or to the tests
        if ENV_ASSIGNMENT.match(line):
            raise ValueError(f".env.example header line looks like a setting, reword it: {line!r}")
    return lines


def _env_hint(annotation: Any) -> str:
    """What values a setting takes, when its description alone does not say."""
    if annotation is bool:
        return " Values: 0 or 1."
    if typing.get_origin(annotation) is typing.Literal:
        return " One of: " + ", ".join(str(value) for value in typing.get_args(annotation)) + "."
    return ""


def env_example() -> str:
    """The whole of .env.example: the header, then one entry per Settings field in declaration order."""
    from worker.settings import PLACEHOLDER_SECRETS, Settings

    if SECRET_PLACEHOLDER not in PLACEHOLDER_SECRETS:
        raise ValueError(f"{SECRET_PLACEHOLDER!r} must be one of worker.settings.PLACEHOLDER_SECRETS")
    unknown = set(ENV_SECTIONS) - set(Settings.model_fields)
    if unknown:
        raise ValueError(f"ENV_SECTIONS names fields Settings does not have: {sorted(unknown)}")

    rows = list(_settings_rows())
    lines = _env_header([row.env for row in rows if _is_secret(row.annotation)])
    for row in rows:
        if row.field in ENV_SECTIONS:
            lines += ["", "", f"# --- {ENV_SECTIONS[row.field]} ---"]
        lines.append("")
        lines += _comment(row.description + _env_hint(row.annotation))
        if _is_secret(row.annotation):
            lines.append(f"{row.env}={SECRET_PLACEHOLDER}")
            continue
        value = _value_text(row.default)
        if value is None:
            lines.append(f"# {row.env}=")
            continue
        if _UNSAFE_ENV_VALUE.search(value):
            raise ValueError(
                f"{row.env}: default {value!r} cannot be written unquoted in an env file; "
                "teach tools/readme_tables.py to quote it"
            )
        lines.append(f"{row.env}={value}")
    return "\n".join(lines) + "\n"


def env_example_names(text: str) -> list[str]:
    """The variables a .env.example text lists (set or commented out), in order."""
    return [match.group(1) for line in text.splitlines() if (match := ENV_ASSIGNMENT.match(line))]


# --- README.md -------------------------------------------------------------------------------------

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
    parser = argparse.ArgumentParser(
        description="Generate README.md's configuration and operations tables, and .env.example."
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="rewrite the README tables and .env.example")
    action.add_argument("--print", action="store_true", help="print them instead of checking")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    parser.add_argument("--env-example", type=Path, default=ENV_EXAMPLE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.print:
        for name, (build, _) in TABLES.items():
            sys.stdout.write(f"{name}:\n\n{build()}\n\n")
        sys.stdout.write(f"{ENV_EXAMPLE.name}:\n\n{env_example()}")
        return 0
    text = args.readme.read_text(encoding="utf-8")
    try:
        updated = render(text)
        stale = stale_tables(text) if updated != text else []
    except MarkerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    env_path: Path = args.env_example
    env_text = env_path.read_text(encoding="utf-8") if env_path.exists() else None
    env_updated = env_example()

    if args.write:
        if updated != text:
            args.readme.write_text(updated, encoding="utf-8")
            sys.stderr.write(f"updated {args.readme.name}\n")
        if env_updated != env_text:
            env_path.write_text(env_updated, encoding="utf-8")
            sys.stderr.write(f"updated {env_path.name}\n")
        return 0
    status = 0
    if updated != text:
        sys.stderr.write(
            f"{args.readme.name} is out of date ({', '.join(stale)}): "
            "run `python tools/readme_tables.py --write`\n"
        )
        status = 1
    if env_updated != env_text:
        if env_text is None:
            problem = "is missing"
        else:
            listed, wanted = env_example_names(env_text), env_example_names(env_updated)
            missing = [name for name in wanted if name not in listed]
            extra = [name for name in listed if name not in wanted]
            problem = "is out of date"
            if missing:
                problem += f" (lacks {', '.join(missing)})"
            if extra:
                problem += f" (lists {', '.join(extra)}, which Settings does not have)"
            if not missing and not extra:
                problem += " (a description, default or the header changed)"
        sys.stderr.write(
            f"{env_path.name} {problem}: it is generated from worker/settings.py; "
            "run `python tools/readme_tables.py --write`\n"
        )
        status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
