"""The webhook service (``gongq webhooks``): a FastAPI app that verifies, validates and enqueues.

``create_app`` is the one place the app is put together — settings, the GongqClient, the HubSpot
mapping, routes and error handlers — so tests build exactly what production runs, around their
own Redis. It refuses to build outside sandbox mode while a signing secret is empty or a
placeholder: a service that accepts anyone's erasure list is worse than none.
"""

from __future__ import annotations

from collections.abc import Iterable

import uvicorn
from fastapi import FastAPI

from producer.client import GongqClient
from producer.webhooks.docs import install_docs
from producer.webhooks.errors import install_error_handlers
from producer.webhooks.hubspot import DEFAULT_RULES, EventRule, HubSpotMapping
from producer.webhooks.metrics import router as metrics_router
from producer.webhooks.replay import Deliveries
from producer.webhooks.routes import router
from producer.webhooks.timeouts import BodyTimeoutMiddleware
from worker.connections import async_redis_client
from worker.keys import Keys
from worker.settings import Settings, get_settings

DESCRIPTION = """\
Producers for gongq. Each route checks its signature over the raw body, validates the payloads
against the operation catalog and enqueues; the Celery workers do the work.

* **POST /webhooks/hubspot** — HubSpot's batched events, signature v3 (`X-HubSpot-Signature-v3`
  and `X-HubSpot-Request-Timestamp`, in milliseconds).
* **POST /webhooks/tasks** — `{"operation", "payload", "idempotency_key"}` or a list of them,
  header `X-Gongq-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256(secret,
  "<t>.<METHOD>.<path?query>.<raw body>")>`, or the Standard Webhooks headers `webhook-id`,
  `webhook-timestamp`, `webhook-signature` (not on requests with a query string).
* **POST /erasures** — an erasure list (multipart field `file`, or the raw body), same signature.
* **GET /metrics** — Prometheus metrics (queue depth, task counters, Gong budget); needs
  `Authorization: Bearer <GONGQ_METRICS_TOKEN>`.

Signatures older than 5 minutes are refused (401); nothing is enqueued for a refused request.
A request body must arrive within GONGQ_WEBHOOK_BODY_TIMEOUT_SECONDS (10 s): a slower one gets 408
and its connection is closed.
Each signed request is accepted once: sent again, it enqueues nothing and gets the first answer
back with its tasks as `duplicates` and `"replayed": true`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    client: GongqClient | None = None,
    hubspot_rules: Iterable[EventRule] = DEFAULT_RULES,
) -> FastAPI:
    """The webhook app for ``settings`` (process settings by default); ConfigurationError if unsafe."""
    settings = settings or get_settings()
    settings.require_webhook_secrets()
    # The docs pages are served by install_docs from the app's own files, not FastAPI's CDN ones.
    app = FastAPI(
        title="gongq webhooks", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.client = client or GongqClient(settings, source="webhook")
    app.state.deliveries = Deliveries(
        async_redis_client(settings), Keys(settings.key_prefix), settings.pii_key.get_secret_value()
    )
    app.state.hubspot_mapping = HubSpotMapping.from_settings(settings, hubspot_rules)
    app.include_router(router)
    app.include_router(metrics_router)
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(BodyTimeoutMiddleware, seconds=settings.webhook_body_timeout_seconds)
    return app


def app_from_environment() -> FastAPI:
    """The app built from the process environment: what each of several uvicorn workers runs."""
    return create_app(get_settings())


def serve(host: str, port: int, settings: Settings, workers: int = 1) -> None:
    """Run the service with uvicorn until interrupted; ``workers`` processes share the port.

    Enqueueing is CPU-bound Python plus a few Redis round trips per request, so one process
    tops out at a few hundred requests per second; more workers use more cores. No access log:
    at hundreds of requests per second it would cost more than the work.
    """
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
        return
    settings.require_webhook_secrets()  # fail here, once, rather than in every worker
    uvicorn.run(
        "producer.webhooks.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )
