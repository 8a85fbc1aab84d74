"""FastAPI dependencies of the webhook routes: settings, client, mapping and verified raw bodies.

Routes declare what they need here instead of reaching for globals, so tests can build an app
around their own settings and client. Signatures are checked over the raw bytes *before* any
parsing: an unsigned request gets 401 whatever its body, and nothing is enqueued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, cast
from urllib.parse import urlsplit

from fastapi import Depends, Request

from producer.client import GongqClient
from producer.webhooks.hubspot import HubSpotMapping
from producer.webhooks.replay import Deliveries
from producer.webhooks.signatures import verify_gongq, verify_hubspot_v3, verify_standard_webhook
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


def deliveries(request: Request) -> Deliveries:
    """The memory of accepted signed requests (replays enqueue nothing)."""
    return cast(Deliveries, request.app.state.deliveries)


@dataclass(frozen=True)
class Signed:
    """A request body whose signature checked out, and the fingerprint it is remembered by."""

    body: bytes
    fingerprint: str


SettingsDep = Annotated[Settings, Depends(app_settings)]
DeliveriesDep = Annotated[Deliveries, Depends(deliveries)]
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


def signed_target(request: Request, settings: Settings) -> str:
    """The path and query the sender called, as gongq's scheme signs them (behind a proxy with
    a path prefix in GONGQ_PUBLIC_URL, the prefix is part of it)."""
    prefix = urlsplit(settings.public_url).path.rstrip("/") if settings.public_url else ""
    query = request.url.query
    return prefix + request.url.path + (f"?{query}" if query else "")


async def hubspot_signed_body(request: Request, settings: SettingsDep) -> Signed:
    """The raw body, once X-HubSpot-Signature-v3 and its timestamp check out (else SignatureError)."""
    body = await request.body()
    fingerprint = verify_hubspot_v3(
        settings.hubspot_client_secret.get_secret_value(),
        request.method,
        signed_uri(request, settings),
        body,
        request.headers.get("X-HubSpot-Signature-v3"),
        request.headers.get("X-HubSpot-Request-Timestamp"),
    )
    return Signed(body, fingerprint)


async def gongq_signed_body(request: Request, settings: SettingsDep) -> Signed:
    """The raw body, once X-Gongq-Signature (t=..., v2=...) checks out, or the Standard Webhooks
    headers (webhook-id, webhook-timestamp, webhook-signature) when that is what was sent."""
    body = await request.body()
    secret = settings.webhook_secret.get_secret_value()
    headers = request.headers
    if "X-Gongq-Signature" not in headers and "webhook-signature" in headers:
        fingerprint = verify_standard_webhook(
            secret,
            headers.get("webhook-id"),
            headers.get("webhook-timestamp"),
            headers.get("webhook-signature"),
            body,
            request.url.query,
        )
    else:
        fingerprint = verify_gongq(
            secret, headers.get("X-Gongq-Signature"), request.method, signed_target(request, settings), body
        )
    return Signed(body, fingerprint)


HubSpotBody = Annotated[Signed, Depends(hubspot_signed_body)]
GongqBody = Annotated[Signed, Depends(gongq_signed_body)]
