"""Connections to Redis, built from Settings and shared per process."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from worker.errors import GongqError
from worker.settings import Settings

if TYPE_CHECKING:
    import redis.asyncio

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
    round trip of a few bytes costs no hop to a thread pool (imported here: only the webhook
    service needs asyncio's client, and the CLI starts faster without it)."""
    import redis.asyncio
    from redis.asyncio.retry import Retry as AsyncRetry

    return redis.asyncio.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        retry=AsyncRetry(ExponentialBackoff(base=0.05, cap=1.0), REDIS_RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


#: Seconds a command waits for Redis to answer a first PING before saying it is unreachable.
REACHABLE_TIMEOUT_SECONDS = 2.0


class RedisUnreachable(GongqError):
    """Redis did not answer a PING: said at once, in one line naming the URL, instead of after
    the ~35 s of retries that ride out a restart of a Redis that was there."""


def shown_url(url: str) -> str:
    """``url`` with any password replaced by ``***``: fit for an error message or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def require_redis(settings: Settings, timeout: float = REACHABLE_TIMEOUT_SECONDS) -> None:
    """Return if Redis answers a PING within ``timeout``; RedisUnreachable naming the URL otherwise."""
    probe = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
    )
    try:
        probe.ping()
    except redis.RedisError as exc:
        raise RedisUnreachable(
            f"Redis at {shown_url(settings.redis_url)} is unreachable ({exc}); start it "
            "(`redis-server`, or `docker compose up -d redis`) or point GONGQ_REDIS_URL at one"
        ) from None
    finally:
        probe.close()
