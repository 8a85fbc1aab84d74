"""Connections to Redis, built from Settings and shared per process."""

from __future__ import annotations

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from worker.settings import Settings

#: How long a command waits for Redis to come back (a restart, a failover) before it fails:
#: 0.05 s doubling to 1 s between 40 tries, about 35 s in all. A task in flight while Redis
#: restarts then records its outcome once Redis is back instead of failing mid-bookkeeping.
REDIS_RETRIES = 40


def redis_retry() -> Retry:
    """The retry policy of every gongq Redis client (connection refused, reset or timed out)."""
    return Retry(ExponentialBackoff(base=0.05, cap=1.0), REDIS_RETRIES)


def redis_client(settings: Settings) -> redis.Redis[str]:
    """A client that decodes to str (every gongq value is text or JSON) and rides out restarts."""
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        retry=redis_retry(),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def async_redis_client(settings: Settings) -> redis.asyncio.Redis[str]:
    """The same client for an event loop (the webhook service's per-request bookkeeping), so a
    round trip of a few bytes costs no hop to a thread pool."""
    return redis.asyncio.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        retry=AsyncRetry(ExponentialBackoff(base=0.05, cap=1.0), REDIS_RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
