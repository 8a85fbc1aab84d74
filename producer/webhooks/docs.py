"""``/docs`` and ``/redoc`` that work offline, and the signature headers the OpenAPI schema declares.

FastAPI's default pages load Swagger UI and ReDoc from a CDN, so on a host that cannot reach it
``/docs`` is a blank page. Here the app serves those files itself, following FastAPI's recipe
for self-hosting the docs' JavaScript and CSS: the automatic pages are switched off and
``install_docs`` mounts the assets of the ``fastapi-offline`` package (Swagger UI 5, which
renders FastAPI's OpenAPI 3.1, and ReDoc 2) at ``/docs-static``, favicon included. No page
names any other host.

The signatures are checked over the raw body by the dependencies in :mod:`producer.webhooks.deps`,
which read the headers themselves, so FastAPI cannot see them. They are declared here as OpenAPI
header parameters (``openapi_extra`` on each route) so the schema says what each route needs and
Swagger UI's "Try it out" has a field for each. Declarations only: they validate nothing and
change no answer; a request whose signature does not check out is still a 401.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from producer.webhooks.signatures import TOLERANCE_SECONDS

#: Swagger UI's and ReDoc's files, shipped inside the fastapi-offline package.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

#: Where the app serves them.
ASSETS_URL = "/docs-static"

_WINDOW = f"Refused (401) when more than {TOLERANCE_SECONDS // 60} minutes from the server's clock."


def _header(
    name: str, description: str, *, required: bool = False, example: str | None = None
) -> dict[str, Any]:
    declared: dict[str, Any] = {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }
    if example is not None:
        declared["example"] = example
    return declared


def gongq_signature_headers() -> list[dict[str, Any]]:
    """The headers of /webhooks/tasks and /erasures: gongq's own scheme, or Standard Webhooks.

    A new list on every call: FastAPI merges it into each operation's own parameter list.
    """
    return [
        _header(
            "X-Gongq-Signature",
            "gongq's signature: `t=<unix seconds>,v2=<hex HMAC-SHA256(GONGQ_WEBHOOK_SECRET, "
            '"<t>.<METHOD>.<path?query>.<raw body>")>`. It signs the method, the request target '
            "(path and query exactly as sent, behind a proxy with the path prefix of GONGQ_PUBLIC_URL) "
            "and the raw body bytes, so a body signed for one route or query is refused on another. "
            "Several `v2=` may be sent (key rotation); `v1` (over `<t>.<body>` only) is refused. "
            f"Send this or the three Standard Webhooks headers; this one wins when both are sent. {_WINDOW}",
        ),
        _header(
            "webhook-id",
            "Standard Webhooks message id (used only when X-Gongq-Signature is absent). It is part "
            "of the signed message, and the delivery is remembered by it: a second delivery with the "
            "same id is answered as a replay and enqueues nothing.",
        ),
        _header(
            "webhook-timestamp",
            f"Standard Webhooks timestamp, unix seconds; part of the signed message. {_WINDOW}",
            example="1767225600",
        ),
        _header(
            "webhook-signature",
            'Standard Webhooks signature: space-separated `v1,<base64 HMAC-SHA256(key, "<webhook-id>.'
            '<webhook-timestamp>.<raw body>")>`, where the key is the base64 after `whsec_` of '
            "GONGQ_WEBHOOK_SECRET, or the secret's own bytes. It does not sign the URL, so it is "
            "refused on a request with a query string (sign `/erasures?dry_run=true` with "
            "X-Gongq-Signature).",
        ),
    ]


def hubspot_signature_headers() -> list[dict[str, Any]]:
    """The headers of /webhooks/hubspot: HubSpot's signature v3 and its timestamp."""
    return [
        _header(
            "X-HubSpot-Signature-v3",
            "base64(HMAC-SHA256(GONGQ_HUBSPOT_CLIENT_SECRET, METHOD + URI + raw body + "
            "X-HubSpot-Request-Timestamp)), as HubSpot signs v3 requests. The URI is the full URL "
            "HubSpot called, with the percent-escapes HubSpot lists decoded; behind a proxy its "
            "origin and path prefix are GONGQ_PUBLIC_URL's.",
            required=True,
        ),
        _header(
            "X-HubSpot-Request-Timestamp",
            "When HubSpot signed the request, in **milliseconds** since the Unix epoch (not seconds); "
            f"part of the signed message. {_WINDOW}",
            example="1767225600000",
            required=True,
        ),
    ]


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and ReDoc at /redoc from the app's own /docs-static.

    ``app`` must be built with ``docs_url=None, redoc_url=None``. Like FastAPI's own pages, the
    URLs start with the ASGI root path, so the pages also work under a mounted prefix.
    """
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=None,  # no OAuth2 here: the only scheme is /metrics' bearer token
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
