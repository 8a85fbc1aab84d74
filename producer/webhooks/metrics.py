"""``GET /metrics``: gongq's operational metrics for Prometheus, on the webhook service.

The webhook service is the one long-running HTTP server gongq already has, so Prometheus scrapes
it there (``http://<webhooks>:8000/metrics``). The numbers come from Redis at scrape time
(:mod:`worker.metrics`), so one replica reports the same picture as any other. The route is not
signed: it exposes counts only — no task ids, no payloads, no personal data.
"""

from __future__ import annotations

from typing import cast

import redis
from fastapi import APIRouter, Request, Response

from producer.webhooks.deps import SettingsDep
from worker.connections import redis_client
from worker.keys import Keys
from worker.metrics import CONTENT_TYPE, collect, render
from worker.settings import Settings

router = APIRouter()


def _metrics_redis(request: Request, settings: Settings) -> redis.Redis[str]:
    """One Redis client per app (created on the first scrape), so scrapes share a connection pool."""
    state = request.app.state
    if getattr(state, "metrics_redis", None) is None:
        state.metrics_redis = redis_client(settings)
    return cast("redis.Redis[str]", state.metrics_redis)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format 0.0.4."}},
    summary="Prometheus metrics (queue depth, tasks by status, Gong budget, tokens)",
)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Read every metric from Redis now; a plain ``def`` so FastAPI runs the Redis calls in its
    thread pool and a slow scrape never stalls webhook deliveries on the event loop."""
    client = _metrics_redis(request, settings)
    text = render(collect(client, Keys(settings.key_prefix), settings))
    return Response(content=text, media_type=CONTENT_TYPE)
