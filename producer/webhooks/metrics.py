"""``GET /metrics``: gongq's operational metrics for Prometheus, on the webhook service.

The webhook service is the one long-running HTTP server gongq already has, so Prometheus scrapes
it there (``http://<webhooks>:8780/metrics``). The numbers come from Redis at scrape time
(:mod:`worker.metrics`), so one replica reports the same picture as any other, and a scrape
costs a fixed handful of Redis commands however many tasks there are.

The route needs ``Authorization: Bearer <GONGQ_METRICS_TOKEN>``: the counts carry no task ids or
personal data, but an open endpoint on a public webhook host tells anyone the erasure volume
and invites scrape floods. Without a real token (outside sandbox mode) it is off and answers
403 naming the setting, rather than being open by default.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, cast

import redis
from fastapi import APIRouter, Depends, HTTPException, Request, Response, Security
from fastapi.security import HTTPBearer

from producer.webhooks.deps import SettingsDep
from worker.connections import redis_client
from worker.keys import Keys
from worker.metrics import CONTENT_TYPE, collect, render
from worker.settings import Settings

router = APIRouter()

#: The challenge a 401 carries (RFC 6750), so a client knows which credentials to send.
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gongq metrics"'}

#: The scheme as OpenAPI declares it (and Swagger UI's "Authorize" sends). Documentation only:
#: with ``auto_error=False`` it never refuses; :func:`require_metrics_token` does the check.
_BEARER = HTTPBearer(
    scheme_name="metricsToken",
    description="`Authorization: Bearer <GONGQ_METRICS_TOKEN>`. Without a usable token configured the "
    "endpoint is off (403); a missing or wrong token is 401.",
    auto_error=False,
)


def _metrics_redis(request: Request, settings: Settings) -> redis.Redis[str]:
    """One Redis client per app (created on the first scrape), so scrapes share a connection pool."""
    state = request.app.state
    if getattr(state, "metrics_redis", None) is None:
        state.metrics_redis = redis_client(settings)
    return cast("redis.Redis[str]", state.metrics_redis)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def require_metrics_token(request: Request, settings: SettingsDep) -> None:
    """Let the request through only with ``Authorization: Bearer <GONGQ_METRICS_TOKEN>``.

    403 while no usable token is configured, 401 (with a Bearer challenge) for a missing or
    wrong one. Digests of both are compared in constant time, so timing reveals neither the
    token nor its length.
    """
    token = settings.usable_metrics_token()
    if token is None:
        raise HTTPException(
            403,
            "GET /metrics is off: set GONGQ_METRICS_TOKEN to a secret and have Prometheus send "
            "it as 'Authorization: Bearer <token>' (README, Monitoring)",
        )
    scheme, _, offered = request.headers.get("authorization", "").partition(" ")
    matches = hmac.compare_digest(_digest(offered.strip()), _digest(token))
    if scheme.lower() != "bearer" or not matches:
        raise HTTPException(
            401, "GET /metrics needs 'Authorization: Bearer <GONGQ_METRICS_TOKEN>'", headers=_CHALLENGE
        )


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Security(_BEARER)],
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format 0.0.4."},
        401: {"description": "No or a wrong bearer token."},
        403: {"description": "GONGQ_METRICS_TOKEN is not set: the endpoint is off."},
    },
    summary="Prometheus metrics (queue depth, task status changes, Gong budget, tokens)",
)
def metrics(
    request: Request, settings: SettingsDep, _: Annotated[None, Depends(require_metrics_token)]
) -> Response:
    """Read every metric from Redis now; a plain ``def`` so FastAPI runs the Redis calls in its
    thread pool and a slow scrape never stalls webhook deliveries on the event loop."""
    client = _metrics_redis(request, settings)
    text = render(collect(client, Keys(settings.key_prefix), settings))
    return Response(content=text, media_type=CONTENT_TYPE)
