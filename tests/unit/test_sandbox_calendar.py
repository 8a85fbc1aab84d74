"""The sandbox's calendar (issue 15): unpinned it is the real current UTC date, so the model reads
"last week" as the week before today and the Gong seed moves with it (its calls end just before
today); ``GONGQ_SANDBOX_TODAY`` pins it, and the test session pins it to 2026-11-02 (the seed of
October 2026 many tests quote); a value that is not a date is an error naming the variable.

Each expectation is computed here from ``datetime.now(UTC)`` or written out, never taken from the
sandbox's own date arithmetic."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn

from producer.processes import free_port
from sandbox.app import create_app
from sandbox.config import TODAY_ENV, SandboxConfig, sandbox_today
from sandbox.gong import GongState
from sandbox.gong.routes_flows import register
from sandbox.responses.free_form import ModelContext

KEY = "sandbox-composio-key"
LAST_WEEK = "List user activity statistics for last week"
ACTIVITY_PATH = "/v2/stats/activity/aggregate"


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _week_before(today: date) -> tuple[date, date]:
    """Monday to the next Monday (exclusive) of the calendar week before the one ``today`` is in,
    found by walking back to this week's Monday."""
    this_monday = next(
        today - timedelta(days=d) for d in range(7) if (today - timedelta(days=d)).isoweekday() == 1
    )
    return this_monday - timedelta(days=7), this_monday


def _around_now(read: Callable[[], Any]) -> tuple[Any, set[date]]:
    """``read()`` and the UTC dates it may have seen (two if it straddled midnight)."""
    before = _utc_today()
    value = read()
    return value, {before, _utc_today()}


@contextmanager
def _served(config: SandboxConfig) -> Iterator[str]:
    """The whole sandbox with ``config`` on a free port (the model reaches the Tool Router's MCP
    endpoint over HTTP, so an in-process client is not enough)."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _ask(base: str, prompt: str) -> tuple[str, list[dict[str, Any]]]:
    """The model's answer to a free-form ``prompt`` on the Tool Router, and the Gong requests it made."""
    session = httpx.post(
        f"{base}/api/v3.1/tool_router/session", json={"user_id": "calendar"}, headers={"x-api-key": KEY}
    )
    tool = {
        "type": "mcp",
        "server_label": "tool_router",
        "server_url": session.json()["mcp"]["url"],
        "headers": {"x-api-key": KEY},
        "require_approval": "never",
    }
    response = httpx.post(
        f"{base}/v1/responses",
        json={"model": "gpt-5", "input": prompt, "tools": [tool]},
        headers={"authorization": "Bearer sk-test"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    answer = str(response.json()["output"][-1]["content"][0]["text"])
    return answer, httpx.get(f"{base}/_sandbox/gong/requests").json()["requests"]


def _activity_filter(requests: list[dict[str, Any]]) -> tuple[date, date]:
    (request,) = [r for r in requests if r["path"] == ACTIVITY_PATH]
    assert request["status"] == 200, request
    window = request["json"]["filter"]
    return date.fromisoformat(window["fromDate"]), date.fromisoformat(window["toDate"])


def _started(call: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(call["started"]))


@pytest.fixture()
def unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``GONGQ_SANDBOX_TODAY`` (the session pins one for every other test)."""
    monkeypatch.delenv(TODAY_ENV, raising=False)


# --- unpinned: the real current UTC date ----------------------------------------------------------


@pytest.mark.usefixtures("unpinned")
def test_unpinned_sandbox_calendar_is_todays_utc_date() -> None:
    config, today = _around_now(SandboxConfig)
    assert config.model_today in today
    assert SandboxConfig.from_env().model_today in today | {_utc_today()}


@pytest.mark.usefixtures("unpinned")
def test_unpinned_model_reads_last_week_as_the_monday_to_monday_week_before_the_real_today() -> None:
    config, today = _around_now(lambda: SandboxConfig(gong_rate_per_second=1000))
    with _served(config) as base:
        answer, requests = _ask(base, LAST_WEEK)
    start, end = _activity_filter(requests)
    assert (start, end) in {_week_before(d) for d in today}
    assert (
        start.isoweekday() == 1
        and end - start == timedelta(days=7)
        and end <= max(today) < end + timedelta(days=7)
    )
    # The seed moved with the calendar: last week had calls, so people have activity.
    assert f"User activity from {start} to {end - timedelta(days=1)}" in answer
    assert "(0 users with activity)" not in answer and "1 calls hosted" in answer, answer


@pytest.mark.usefixtures("unpinned")
def test_unpinned_seeded_calls_span_the_30_days_ending_the_day_before_today() -> None:
    state, today = _around_now(lambda: GongState(SandboxConfig()))
    day = state.config.model_today
    assert day in today
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    starts = sorted(_started(c) for c in state.calls.values())
    assert len(starts) == 20
    assert midnight - timedelta(days=31) <= starts[0] and starts[-1] < midnight - timedelta(days=1)
    # Every seeded timestamp before today is derived from the same anchor: none is in the future.
    dated = [
        *(u["created"] for u in state.users),
        *(e["sentTime"] for e in state.emails),
        *(f["creationDate"] for f in state.flows),
        *(i["flowInstanceCreateDate"] for i in state.flow_instances),
        *(e["eventTime"] for e in state.logs),
        *(f["updated"] for f in state.library),
        *(t["updated"] for t in state.trackers),
        *(s["updated"] for s in state.scorecards),
    ]
    assert all(datetime.fromisoformat(t.replace("Z", "+00:00")) < midnight for t in dated)
    (meeting,) = state.meetings.values()
    assert datetime.fromisoformat(meeting["startTime"]) > midnight  # the seeded meeting is upcoming


@pytest.mark.usefixtures("unpinned")
def test_unpinned_model_finds_recent_calls_before_today() -> None:
    config, today = _around_now(lambda: SandboxConfig(gong_rate_per_second=1000))
    with _served(config) as base:
        answer, requests = _ask(base, "Add call recording media to a specific call")
    (listing,) = [r for r in requests if r["path"] == "/v2/calls"]
    assert listing["status"] == 200 and listing["query"]["toDateTime"][:10] in {d.isoformat() for d in today}
    assert "Recent calls (" in answer and "Recent calls (0)" not in answer, answer


@pytest.mark.usefixtures("unpinned")
def test_unpinned_model_schedules_a_team_meeting_on_the_next_working_day_after_the_real_today() -> None:
    config, today = _around_now(lambda: SandboxConfig(gong_rate_per_second=1000))
    with _served(config) as base:
        _, requests = _ask(base, "Create a new Gong meeting with my team")
    (created,) = [r for r in requests if r["path"] == "/v2/meetings"]
    day = datetime.fromisoformat(created["json"]["startTime"].replace("Z", "+00:00")).date()
    assert day.isoweekday() <= 5 and any(d < day <= d + timedelta(days=3) for d in today)
    assert all(
        (d + timedelta(days=n)).isoweekday() > 5 for d in today if d < day for n in range(1, (day - d).days)
    )


# --- pinned with GONGQ_SANDBOX_TODAY -------------------------------------------------------------


def test_the_test_session_pins_the_sandbox_calendar_to_2026_11_02() -> None:
    assert SandboxConfig().model_today == date(2026, 11, 2)


def test_pinned_2026_11_02_model_reads_last_week_as_2026_10_26_to_2026_11_02(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-11-02")
    config = SandboxConfig.from_env()
    assert ModelContext(config.model_today, config.account_owner_email).last_week == (
        date(2026, 10, 26),
        date(2026, 11, 2),
    )
    config.gong_rate_per_second = 1000
    with _served(config) as base:
        answer, requests = _ask(base, LAST_WEEK)
    assert _activity_filter(requests) == (date(2026, 10, 26), date(2026, 11, 2))
    assert "User activity from 2026-10-26 to 2026-11-01" in answer


def test_pinned_2026_11_02_seeds_the_october_2026_company(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-11-02")
    state = GongState(SandboxConfig.from_env())
    assert state.anchor == datetime(2026, 11, 1, tzinfo=UTC)
    starts = sorted(c["started"] for c in state.calls.values())
    assert starts[0] == "2026-10-02T09:00:00+00:00" and starts[-1] == "2026-10-31T02:00:00+00:00"
    assert [f["creationDate"] for f in state.flows] == [
        "2026-09-01T09:00:00Z",
        "2026-08-15T09:00:00Z",
        "2026-10-01T09:00:00Z",
    ]
    assert state.flow_instances[0]["flowInstanceCreateDate"] == "2026-10-20T10:00:00Z"
    assert state.logs[0]["eventTime"] == "2026-10-01T08:00:00+00:00"
    assert [f["updated"] for f in state.library] == ["2026-10-28T12:00:00Z", "2026-10-29T12:00:00Z"]
    deal = next(iter(state.crm_objects["DEAL"].values()))
    assert (deal["closeDate"], deal["modifiedDate"]) == ("2026-12-10", "2026-10-15T12:00:00Z")
    assert state.crm_objects["ACCOUNT"]["0015g00000Acc001"]["modifiedDate"] == "2026-09-30T12:00:00Z"
    assert state.crm_schema["ACCOUNT"][0]["lastModified"] == "2026-06-01T09:00:00Z"
    assert [(t["created"], t["updated"]) for t in state.trackers] == [
        ("2026-06-01T09:00:00Z", "2026-09-15T09:00:00Z"),
        ("2026-06-01T09:00:00Z", "2026-06-01T09:00:00Z"),
    ]
    assert state.scorecards[0]["created"] == "2026-05-01T09:00:00Z"
    assert state.scorecards[0]["updated"] == "2026-09-01T09:00:00Z"
    assert state.meetings["7300000000000000001"]["startTime"] == "2026-12-03T17:00:00+00:00"
    assert state.users[0]["created"] == "2025-09-27T00:00:00+00:00"
    assert state.emails[0]["sentTime"] == "2026-10-22T00:00:00+00:00"


def test_pinned_day_moves_every_seeded_timestamp_by_the_same_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2026-11-02")
    october = GongState(SandboxConfig.from_env())
    monkeypatch.setenv(TODAY_ENV, "2030-03-15")
    later = GongState(SandboxConfig.from_env())
    assert later.anchor == datetime(2030, 3, 14, tzinfo=UTC)
    shift = later.anchor - october.anchor
    old, new = json.dumps(october.calls, sort_keys=True), json.dumps(later.calls, sort_keys=True)
    assert old != new
    for key in october.calls:
        assert _started(later.calls[key]) - _started(october.calls[key]) == shift


def test_a_prospect_assigned_to_a_flow_is_dated_on_the_seed_anchor(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import APIRouter, FastAPI
    from fastapi.testclient import TestClient

    monkeypatch.setenv(TODAY_ENV, "2030-03-15")
    state = GongState(SandboxConfig.from_env())
    router = APIRouter()
    register(router, state)
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        body = client.post(
            "/v2/flows/prospects/assign",
            json={
                "crmProspectsIds": ["0035g00000AbCd001"],
                "flowId": "1695493301223590792",
                "flowInstanceOwnerEmail": "dana.lee@acme-robotics.example",
            },
        ).json()
    assert body["prospectsAssigned"][0]["flowInstanceCreateDate"] == "2030-03-14T00:00:00Z"


# --- invalid values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30", "tomorrow", "02/11/2026", "20261102", "2026-11-2"]
)
def test_an_invalid_sandbox_today_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(TODAY_ENV, value)
    for make in (sandbox_today, SandboxConfig, SandboxConfig.from_env):
        with pytest.raises(ValueError, match=rf"^GONGQ_SANDBOX_TODAY='{value}' is not a date: .*YYYY-MM-DD"):
            make()


def test_an_empty_sandbox_today_means_unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "  ")
    config, today = _around_now(SandboxConfig.from_env)
    assert config.model_today in today


def test_python_m_sandbox_with_an_invalid_today_exits_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv(TODAY_ENV, "next monday")
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "GONGQ_SANDBOX_TODAY='next monday' is not a date" in done.stderr
    assert "Traceback" not in done.stderr
