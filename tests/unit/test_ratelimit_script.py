"""The global limiter's Lua script against a real Redis: rate, daily budget, erasures first.

Each test uses its own key prefix, so the counters start empty and nothing leaks between tests.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis

from worker.errors import BudgetExhausted
from worker.keys import Keys
from worker.ratelimit import GongRateLimiter, Outcome
from worker.settings import Settings


@pytest.fixture()
def client(redis_url: str) -> redis.Redis[str]:
    return redis.Redis.from_url(redis_url, decode_responses=True)


def limiter(client: redis.Redis[str], **overrides: object) -> tuple[GongRateLimiter, Keys]:
    keys = Keys(f"rl-test-{uuid.uuid4().hex[:8]}")
    settings = Settings(_env_file=None, **overrides)  # type: ignore[arg-type]
    return GongRateLimiter(client, keys, settings), keys


def server_now(client: redis.Redis[str]) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1e6


def test_grants_at_most_burst_plus_rate_times_elapsed(client: redis.Redis[str]) -> None:
    rate, burst = 5.0, 2.0
    rl, _ = limiter(client, gong_rate_per_second=rate, gong_rate_burst=burst)
    start = server_now(client)
    granted = 0
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if rl.try_acquire(priority=False).outcome is Outcome.GRANTED:
            granted += 1
    elapsed = server_now(client) - start
    assert granted <= burst + rate * elapsed + 1e-9
    assert granted >= burst + rate * elapsed - 2  # it does grant once tokens drip in


def test_refusal_says_how_long_until_a_token(client: redis.Redis[str]) -> None:
    rl, _ = limiter(client, gong_rate_per_second=2.0, gong_rate_burst=1.0)
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED
    refused = rl.try_acquire(priority=False)
    assert refused.outcome is Outcome.WAIT
    assert 0 < refused.value <= 0.5


def test_daily_budget_refuses_with_next_utc_midnight(client: redis.Redis[str]) -> None:
    rl, keys = limiter(client, gong_rate_per_second=1000.0, gong_rate_burst=1000.0, gong_daily_budget=3)
    assert [rl.try_acquire(priority=False).outcome for _ in range(3)] == [Outcome.GRANTED] * 3
    spent = rl.try_acquire(priority=True)
    assert spent.outcome is Outcome.BUDGET_SPENT
    today = datetime.fromtimestamp(server_now(client), UTC).date()
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    assert spent.value == midnight.timestamp()
    day_key = keys.ratelimit_day(today.isoformat())
    assert client.get(day_key) == "3"
    assert 0 < client.ttl(day_key) <= 2 * 24 * 3600
    assert rl.used_today() == 3
    with pytest.raises(BudgetExhausted) as info:
        asyncio.run(rl.acquire(priority=False))
    assert info.value.reset_at == midnight.timestamp()
    rl.reset_day()
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED


def test_cost_counts_against_bucket_and_budget(client: redis.Redis[str]) -> None:
    rl, _ = limiter(client, gong_rate_per_second=1000.0, gong_rate_burst=1000.0, gong_daily_budget=3)
    assert rl.try_acquire(priority=False, cost=2).outcome is Outcome.GRANTED
    assert rl.try_acquire(priority=False, cost=2).outcome is Outcome.BUDGET_SPENT
    assert rl.try_acquire(priority=False, cost=1).outcome is Outcome.GRANTED


def test_normal_callers_yield_while_an_erasure_waits(client: redis.Redis[str]) -> None:
    rl, keys = limiter(client, gong_rate_per_second=2.0, gong_rate_burst=1.0)
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED  # bucket now empty
    assert rl.try_acquire(priority=True, waiter="erasure").outcome is Outcome.WAIT
    # For longer than one refill (0.5 s) but within the claim's 2 s, a normal caller gets nothing.
    start = server_now(client)
    while server_now(client) - start < 0.8:
        assert rl.try_acquire(priority=False).outcome is Outcome.WAIT
    assert rl.try_acquire(priority=False).outcome is Outcome.WAIT
    assert rl.try_acquire(priority=True, waiter="erasure").outcome is Outcome.GRANTED
    assert client.zcard(keys.ratelimit_privacy_waiting) == 0


def test_privacy_claim_expires_if_the_waiter_vanishes(client: redis.Redis[str]) -> None:
    rl, keys = limiter(client, gong_rate_per_second=50.0, gong_rate_burst=1.0)
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED
    assert rl.try_acquire(priority=True, waiter="gone").outcome is Outcome.WAIT
    expiry = client.zscore(keys.ratelimit_privacy_waiting, "gone")
    assert expiry is not None and expiry - server_now(client) <= 2.0
    # Normal callers are served again once the claim's expiry passes (by Redis's clock).
    deadline = time.monotonic() + 5
    while rl.try_acquire(priority=False).outcome is not Outcome.GRANTED:
        assert time.monotonic() < deadline, "the vanished waiter's claim never expired"
    assert server_now(client) >= expiry


def test_acquire_waits_for_tokens_then_returns(client: redis.Redis[str]) -> None:
    rl, _ = limiter(client, gong_rate_per_second=10.0, gong_rate_burst=1.0)

    async def five() -> float:
        start = time.monotonic()
        for _ in range(5):
            await rl.acquire(priority=False)
        return time.monotonic() - start

    elapsed = asyncio.run(five())
    assert 0.35 <= elapsed < 2.0  # 4 refills of 0.1 s after the first token


def test_utc_date_in_lua_matches_python(client: redis.Redis[str]) -> None:
    from worker.ratelimit import ACQUIRE_LUA

    body = ACQUIRE_LUA.split("local rate =")[0] + "return utc_date(tonumber(ARGV[1]))"
    to_date = client.register_script(body)
    for day in (0, 59, 365, 11016, 20000, 20454, 20512, 36524, 47482):
        expected = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)).date().isoformat()
        assert to_date(args=[day]) == expected


def test_an_erasure_overtakes_callers_that_waited_longer(client: redis.Redis[str]) -> None:
    rl, _ = limiter(client, gong_rate_per_second=4.0, gong_rate_burst=1.0)
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED  # bucket empty
    order: list[str] = []

    async def caller(name: str, priority: bool, delay: float) -> None:
        await asyncio.sleep(delay)
        await rl.acquire(priority=priority, timeout=10)
        order.append(name)

    async def race() -> None:
        await asyncio.gather(
            caller("normal-1", False, 0.0),
            caller("normal-2", False, 0.0),
            caller("normal-3", False, 0.0),
            caller("erasure", True, 0.05),  # arrives last, is served first
        )

    asyncio.run(race())
    assert order[0] == "erasure"
    assert sorted(order[1:]) == ["normal-1", "normal-2", "normal-3"]


def test_a_cost_above_the_burst_is_granted_once_enough_tokens_drip_in(client: redis.Redis[str]) -> None:
    rl, _ = limiter(client, gong_rate_per_second=10.0, gong_rate_burst=1.0)
    assert rl.try_acquire(priority=False).outcome is Outcome.GRANTED
    start = time.monotonic()
    asyncio.run(rl.acquire(priority=False, cost=2, timeout=5))
    assert 0.15 <= time.monotonic() - start < 2.0  # two refills of 0.1 s, not forever
