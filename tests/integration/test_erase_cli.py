"""`gongq erase FILE`: every list format, bad rows reported by line while good rows go through,
re-submission accepts nothing new, --dry-run writes nothing, --json has a fixed shape."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from typer.testing import CliRunner, Result

from producer.cli import app
from worker.keys import Keys
from worker.settings import Settings, get_settings, settings_env

pytestmark = pytest.mark.integration


#: Enqueue-only tests use their own Redis database, which no worker consumes: the session's real
#: worker (DB 13) must not run their tasks against the sandbox while other tests watch its log.
ENQUEUE_ONLY_DB = 12


@pytest.fixture(scope="module")
def enqueue_settings(settings: Settings) -> Settings:
    """The session's test settings on Redis DB 12, flushed once per module."""
    url = f"{settings.redis_url.rsplit('/', 1)[0]}/{ENQUEUE_ONLY_DB}"
    redis.Redis.from_url(url).flushdb()
    return settings.model_copy(update={"redis_url": url})


@pytest.fixture()
def gongq(enqueue_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A CliRunner whose `gongq` sees the enqueue-only settings through the environment."""
    for name, value in settings_env(enqueue_settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture()
def tasks_created(enqueue_settings: Settings) -> Iterator[Any]:
    store = redis.Redis.from_url(enqueue_settings.redis_url, decode_responses=True)
    before = int(store.zcard(Keys(enqueue_settings.key_prefix).tasks_by_time))
    yield lambda: int(store.zcard(Keys(enqueue_settings.key_prefix).tasks_by_time)) - before


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def erase(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, ["erase", *args])


def summary(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def tag() -> str:
    return uuid.uuid4().hex[:10]


def test_a_messy_csv_goes_through_and_each_bad_row_is_reported_with_its_line(
    gongq: CliRunner, tmp_path: Path, tasks_created: Any
) -> None:
    t = tag()
    path = write(
        tmp_path,
        "requests.csv",
        "\ufeffTicket,Customer Name,E-Mail,MOBILE phone,Notes\r\n"
        f'T-1,"Rivera, Jamie", Jamie.{t}@Northwind.example ,'
        f'"(415) 555-{t[:4].translate(DIGITS)}","said ""erase"""\r\n'
        "T-2,Bob,bob-at-example,,\r\n"
        "T-3,,,,\r\n"
        f"T-4,Ann,ann.{t}@example.com,12,extra,columns,here\r\n"
        f"T-5,Jamie again,JAMIE.{t}@northwind.example,,\r\n",
    )
    result = summary(erase(gongq, str(path), "--json"))
    assert result["accepted"] == 3  # Jamie's email and phone, Ann's email
    assert result["duplicates"] == 1  # line 6 repeats line 2's address
    assert [(r["line"], r["value"]) for r in result["rejected"]] == [
        (3, "bob-at-example"),
        (4, "T-3,,,,"),
        (5, "12"),
    ]
    reasons = [r["reason"] for r in result["rejected"]]
    assert "not an email address" in reasons[0]
    assert reasons[1] == "no email or phone number in this row"
    assert "US" in reasons[2]
    assert tasks_created() == 3


DIGITS = str.maketrans("abcdef", "234567")


def test_jsonl_and_plain_lists_are_accepted(gongq: CliRunner, tmp_path: Path) -> None:
    t = tag()
    jsonl = write(
        tmp_path,
        "list.jsonl",
        f'{{"email": "a.{t}@example.com"}}\n"b.{t}@example.com"\n{{broken\n'
        f'{{"Phone": "+44 20 7183 {t[:4].translate(DIGITS)}"}}\n',
    )
    result = summary(erase(gongq, str(jsonl), "--json"))
    assert result["accepted"] == 3
    assert [(r["line"], r["reason"].split(":")[0]) for r in result["rejected"]] == [(3, "invalid JSON")]

    plain = write(
        tmp_path, "list.txt", f"# erasure requests\nc.{t}@example.com\n\nnot a thing\nd.{t}@example.com\n"
    )
    result = summary(erase(gongq, str(plain), "--json"))
    assert result["accepted"] == 2
    assert [r["line"] for r in result["rejected"]] == [4]


def test_submitting_the_same_file_again_accepts_nothing_new(
    gongq: CliRunner, tmp_path: Path, tasks_created: Any
) -> None:
    t = tag()
    path = write(tmp_path, "list.txt", "".join(f"user{i}.{t}@example.com\n" for i in range(25)))
    first = summary(erase(gongq, str(path), "--json"))
    second = summary(erase(gongq, str(path), "--json"))
    assert (first["accepted"], first["duplicates"]) == (25, 0)
    assert (second["accepted"], second["duplicates"]) == (0, 25)
    assert second["batch_id"] != first["batch_id"]
    assert tasks_created() == 25


def test_dry_run_reports_what_would_happen_and_enqueues_nothing(
    gongq: CliRunner, tmp_path: Path, tasks_created: Any
) -> None:
    t = tag()
    known = write(tmp_path, "known.txt", f"known.{t}@example.com\n")
    summary(erase(gongq, str(known), "--json"))
    created = tasks_created()
    path = write(tmp_path, "list.txt", f"known.{t}@example.com\nnew.{t}@example.com\nnope\n")
    result = summary(erase(gongq, str(path), "--dry-run", "--json"))
    assert result == {
        "batch_id": None,
        "accepted": 1,
        "duplicates": 1,
        "repaired": 0,
        "rejected": [{"line": 3, "value": "nope", "reason": "not a phone number: 'nope'"}],
    }
    assert tasks_created() == created


def test_json_output_has_exactly_the_documented_keys(gongq: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "one.txt", f"shape.{tag()}@example.com\n")
    result = erase(gongq, str(path), "--json")
    assert set(summary(result)) == {"batch_id", "accepted", "duplicates", "repaired", "rejected"}
    assert result.stderr == ""  # no progress bar with --json


def test_human_output_summarizes_and_keeps_the_progress_bar_on_stderr(
    gongq: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "two.txt", f"human.{tag()}@example.com\nbad@\n")
    result = erase(gongq, str(path))
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 duplicates, 1 rejected" in result.stdout
    assert "gongq batch" in result.stdout
    assert "enqueueing" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("", "empty"), ("# only a comment\n\n", "empty")],
)
def test_an_unreadable_or_empty_file_exits_1_with_a_message(
    gongq: CliRunner, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "list.txt"
    if content is not None:
        path.write_text(content)
    result = erase(gongq, str(path), "--json")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_file_with_no_valid_row_exits_1_but_still_reports_every_row(
    gongq: CliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.txt", "nope\nalso nope\n")
    result = erase(gongq, str(path), "--json")
    assert result.exit_code == 1
    assert [r["line"] for r in json.loads(result.stdout)["rejected"]] == [1, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email\njörg@müller.example\n".encode("latin-1"), "is not UTF-8 (looks like Latin-1/Windows-1252)"),
        ("jane@example.com\n".encode("utf-16-le"), "is not UTF-8 (looks like UTF-16 without BOM)"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "is not UTF-8 (looks like binary: a ZIP archive"),
        (b"a@example.com\n\x00\x01\x02\x03", "is not UTF-8 (looks like binary)"),
    ],
    ids=["latin-1", "utf-16-without-bom", "xlsx", "nul-bytes"],
)
def test_a_file_that_is_not_utf8_exits_1_with_one_line_and_enqueues_nothing(
    gongq: CliRunner, tmp_path: Path, tasks_created: Any, content: bytes, message: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    for flags in ((), ("--json",), ("--dry-run",)):
        result = erase(gongq, str(path), *flags)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.startswith(f"error: {path}: the erasure list {message}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # no progress bar either
    assert tasks_created() == 0


def test_a_utf16_file_with_a_byte_order_mark_is_enqueued(gongq: CliRunner, tmp_path: Path) -> None:
    t = tag()
    path = tmp_path / "excel-unicode.txt"
    path.write_bytes(f"\ufeffE-Mail\r\nJörg.{t}@Müller.example\r\n".encode("utf-16-le"))
    result = summary(erase(gongq, str(path), "--json"))
    assert (result["accepted"], result["rejected"]) == (1, [])


def test_rows_with_control_characters_are_rejected_by_line_and_shown_escaped(
    gongq: CliRunner, tmp_path: Path
) -> None:
    t = tag()
    path = write(
        tmp_path, "list.txt", f"ok.{t}@example.com\nbad\x1b[2J.{t}@example.com\n\ufffd\ufffd@x.example\n"
    )
    result = erase(gongq, str(path))
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 duplicates, 2 rejected" in result.stdout
    assert "\x1b" not in result.stdout  # the terminal shows the escape, it does not run it
    assert "\\x1b[2J" in result.stdout
    assert "U+FFFD" in result.stdout
