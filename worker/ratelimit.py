"""The global Gong rate limiter: one Lua script in Redis, shared by every worker process.

Gong allows a company 3 requests/second and 10,000/day. Each worker process sees only its own
tasks, so the limit has to live where all of them meet: Redis. One Lua script decides a whole
acquisition atomically (no check-then-act race between processes) and reads the clock with
Redis ``TIME``, so workers on machines with skewed clocks still share one bucket and one day.

The script answers one of three things:

- granted (the bucket had ``cost`` tokens and the day's budget had room);
- wait N seconds: the bucket is short; N is when the missing tokens will have dripped in;
- the day's budget is spent until the next UTC midnight (an epoch).

Erasures first: a privacy caller that is refused registers itself as waiting (a member of a
sorted set with a ~2 s expiry, renewed on every refusal and removed when it is granted), and
while any privacy caller waits every other caller is refused, so the next token goes to the
erasure. The expiry means a privacy caller that dies cannot block everyone else for long.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from enum import IntEnum

import redis

from worker.errors import BudgetExhausted, Retryable
from worker.keys import Keys
from worker.settings import Settings

#: How long a refused privacy caller counts as waiting unless it asks again.
PRIVACY_WAITING_TTL_SECONDS = 2.0

#: Daily counters live two days, so yesterday's is still readable just after midnight.
DAY_KEY_TTL_SECONDS = 2 * 24 * 3600

#: KEYS: 1 bucket hash, 2 privacy-waiting sorted set.
#: ARGV: 1 rate/s, 2 burst, 3 daily budget, 4 priority (0/1), 5 cost, 6 waiter id,
#:       7 waiting ttl (s), 8 day-key prefix, 9 day-key ttl (s).
#: Returns {code, value}: {0, tokens left} granted, {1, seconds to wait}, {2, reset epoch};
#: values are strings because Redis truncates Lua numbers to integers.
ACQUIRE_LUA = """
local function utc_date(day)
  -- days since 1970-01-01 -> YYYY-MM-DD (H. Hinnant's civil_from_days)
  local z = day + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
                          - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp + 3
  if mp >= 10 then m = mp - 9 end
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02d', y, m, d)
end

local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local priority = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local waiter = ARGV[6]
local waiting_ttl = tonumber(ARGV[7])
-- a request dearer than the bucket can hold would never be granted: let it fill to its cost
burst = math.max(burst, cost)

local t = redis.call('TIME')
local secs = tonumber(t[1])
local now = secs + tonumber(t[2]) / 1000000
local day = math.floor(secs / 86400)
local reset_at = (day + 1) * 86400
local day_key = ARGV[8] .. utc_date(day)

local used = tonumber(redis.call('GET', day_key) or '0')
if used + cost > budget then
  if priority == 1 then redis.call('ZREM', KEYS[2], waiter) end
  return {2, tostring(reset_at)}
end

local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local bucket_ttl = math.ceil(burst / rate) + 60

if priority == 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) > 0 then
    -- an erasure waits: leave the next token to it and look again after one refill interval
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
    redis.call('EXPIRE', KEYS[1], bucket_ttl)
    return {1, tostring(math.max((cost - tokens) / rate, 1 / rate))}
  end
end

if tokens < cost then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[1], bucket_ttl)
  if priority == 1 then
    redis.call('ZADD', KEYS[2], now + waiting_ttl, waiter)
    redis.call('EXPIRE', KEYS[2], math.ceil(waiting_ttl) + 1)
  end
  return {1, tostring((cost - tokens) / rate)}
end

tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], bucket_ttl)
redis.call('INCRBY', day_key, cost)
redis.call('EXPIRE', day_key, tonumber(ARGV[9]))
if priority == 1 then redis.call('ZREM', KEYS[2], waiter) end
return {0, tostring(tokens)}
"""


class Outcome(IntEnum):
    """What one call of the script decided."""

    GRANTED = 0
    WAIT = 1
    BUDGET_SPENT = 2


@dataclass(frozen=True)
class Decision:
    """One answer of the script: ``value`` is tokens left, seconds to wait, or the reset epoch."""

    outcome: Outcome
    value: float


class GongRateLimiter:
    """Acquire Gong request tokens from the bucket and daily budget every worker shares."""

    def __init__(self, client: redis.Redis[str], keys: Keys, settings: Settings) -> None:
        self._redis = client
        self._keys = keys
        self._settings = settings
        self._script = client.register_script(ACQUIRE_LUA)

    def try_acquire(self, *, priority: bool, cost: int = 1, waiter: str | None = None) -> Decision:
        """One atomic attempt; never waits. ``waiter`` identifies a privacy caller across attempts."""
        raw = self._script(
            keys=[self._keys.ratelimit_bucket, self._keys.ratelimit_privacy_waiting],
            args=[
                repr(self._settings.gong_rate_per_second),
                repr(self._settings.gong_rate_burst),
                str(self._settings.gong_daily_budget),
                "1" if priority else "0",
                str(cost),
                waiter or uuid.uuid4().hex,
                repr(PRIVACY_WAITING_TTL_SECONDS),
                self._keys.ratelimit_day_prefix,
                str(DAY_KEY_TTL_SECONDS),
            ],
        )
        code, value = raw
        return Decision(Outcome(int(code)), float(value))

    async def acquire(self, priority: bool, cost: int = 1, timeout: float | None = None) -> None:
        """Wait until ``cost`` tokens are granted.

        Waits exactly as long as the limiter says the bucket needs (the sleep is the limiter's
        answer, not a fixed pause), bounded by ``timeout`` (default: the task timeout) after
        which the attempt fails as Retryable. Raises :class:`BudgetExhausted` when the day's
        budget is spent, so the retry policy can defer the task to the next UTC midnight.
        """
        limit = self._settings.task_timeout_seconds if timeout is None else timeout
        deadline = time.monotonic() + limit
        waiter = uuid.uuid4().hex
        while True:
            decision = self.try_acquire(priority=priority, cost=cost, waiter=waiter)
            if decision.outcome is Outcome.GRANTED:
                return
            if decision.outcome is Outcome.BUDGET_SPENT:
                raise BudgetExhausted(decision.value)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Retryable(f"no Gong rate-limit token within {limit:.0f} s", retry_after=1.0)
            # Privacy waiters must renew their claim before it expires, so they wake in time.
            wait = min(decision.value, remaining, PRIVACY_WAITING_TTL_SECONDS / 2 if priority else remaining)
            await asyncio.sleep(max(wait, 0.001))

    def check_budget(self) -> None:
        """:class:`BudgetExhausted` now if today's budget is already spent (takes no token), so a
        task that cannot reach Gong today costs no model request either."""
        seconds, _ = self._redis.time()
        if self.used_today() >= self._settings.gong_daily_budget:
            raise BudgetExhausted(float((int(seconds) // 86400 + 1) * 86400))

    def used_today(self) -> int:
        """Requests granted so far on the current UTC date (by Redis's clock)."""
        return int(self._redis.get(self.current_day_key()) or 0)

    def current_day_key(self) -> str:
        """The daily counter key for today's UTC date, by Redis's clock."""
        seconds, _ = self._redis.time()
        return self._keys.ratelimit_day(time.strftime("%Y-%m-%d", time.gmtime(seconds)))

    def reset_day(self) -> None:
        """Forget today's usage (an operator knob, and how tests stand in for midnight)."""
        self._redis.delete(self.current_day_key())
