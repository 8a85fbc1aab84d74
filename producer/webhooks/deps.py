"""FastAPI dependencies of the webhook routes: settings, client, mapping and verified raw bodies.

Routes declare what they need here instead of reaching for globals, so tests can build an app
around their own settings and client. Signatures are checked over the raw bytes *before* any
parsing: an unsigned request gets 401 whatever its body, and nothing is enqueued.
"""

from __future__ import annotations

import re
from typing import Annotated, cast

from fastapi import Depends, Request

from producer.client import GongqClient
from producer.webhooks.hubspot import HubSpotMapping
from producer.webhooks.signatures import verify_gongq, verify_hubspot_v3
from worker.settings import Settings


def app_settings(request: Request) -> Settings:
    """The Settings ``create_app`` was built with."""
    return cast(Settings, request.app.state.settings)


def app_client(request: Request) -> GongqClient:
    """The one GongqClient of the app (its Redis connection pool is shared by all requests)."""
    return cast(GongqClient, request.app.state.client)


def hubspot_mapping(request: Request) -> HubSpotMapping:
    """The HubSpot event → operation rules the app was built with."""
    return cast(HubSpotMapping, request.app.state.hubspot_mapping)


SettingsDep = Annotated[Settings, Depends(app_settings)]
ClientDep = Annotated[GongqClient, Depends(app_client)]
MappingDep = Annotated[HubSpotMapping, Depends(hubspot_mapping)]

#: HubSpot signs the URI with these characters decoded (its v3 validation instructions).
_HUBSPOT_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_ENCODED = re.compile("|".join(_HUBSPOT_DECODED), re.IGNORECASE)


def signed_uri(request: Request, settings: Settings) -> str:
    """The URL HubSpot called, as it signed it.

    Behind a proxy the request's own URL is the internal one, so GONGQ_PUBLIC_URL (the public
    origin, optionally with a path prefix) replaces scheme, host and port.
    """
    url = request.url
    if settings.public_url:
        uri = settings.public_url.rstrip("/") + url.path + (f"?{url.query}" if url.query else "")
    else:
        uri = str(url)
    return _ENCODED.sub(lambda m: _HUBSPOT_DECODED[m.group(0).upper()], uri)


async def hubspot_signed_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw body, once X-HubSpot-Signature-v3 and its timestamp check out (else SignatureError)."""
    body = await request.body()
    verify_hubspot_v3(
        settings.hubspot_client_secret.get_secret_value(),
        request.method,
        signed_uri(request, settings),
        body,
        request.headers.get("X-HubSpot-Signature-v3"),
        request.headers.get("X-HubSpot-Request-Timestamp"),
    )
    return body


async def gongq_signed_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw body, once X-Gongq-Signature (t=..., v1=...) checks out (else SignatureError)."""
    body = await request.body()
    verify_gongq(settings.webhook_secret.get_secret_value(), request.headers.get("X-Gongq-Signature"), body)
    return body


HubSpotBody = Annotated[bytes, Depends(hubspot_signed_body)]
GongqBody = Annotated[bytes, Depends(gongq_signed_body)]
