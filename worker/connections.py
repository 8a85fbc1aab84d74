"""Connections to Redis, built from Settings and shared per process."""

from __future__ import annotations

import redis

from worker.settings import Settings


def redis_client(settings: Settings) -> redis.Redis[str]:
    """A client that decodes to str (every gongq value is text or JSON)."""
    return redis.Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)
