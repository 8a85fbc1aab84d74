"""Webhook signature checks: HubSpot's v3 scheme and gongq's own Stripe-style scheme.

Both compare in constant time and reject timestamps outside a 5-minute window (stale or from
the future), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not signed by who it claims; answered with 401 and nothing enqueued."""


def hubspot_v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp))."""
    message = method.upper().encode() + uri.encode() + body + timestamp_ms.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp_ms: str | None,
    now: float | None = None,
) -> None:
    """Raise :class:`SignatureError` unless the HubSpot v3 signature and timestamp are valid."""
    if not signature or not timestamp_ms:
        raise SignatureError("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    try:
        sent = int(timestamp_ms) / 1000
    except ValueError:
        raise SignatureError("X-HubSpot-Request-Timestamp is not a number") from None
    if abs((now if now is not None else time.time()) - sent) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp outside the 5-minute window")
    expected = hubspot_v3_signature(secret, method, uri, body, timestamp_ms)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("signature does not match")


def gongq_signature(secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, "<t>.<raw body>")."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_gongq(secret: str, header: str | None, body: bytes, now: float | None = None) -> None:
    """Check ``X-Gongq-Signature: t=<unix seconds>,v1=<hex>``; any v1 may match (key rotation)."""
    if not header:
        raise SignatureError("missing X-Gongq-Signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    timestamps, signatures = parts.get("t", []), parts.get("v1", [])
    if len(timestamps) != 1 or not signatures:
        raise SignatureError("X-Gongq-Signature must be t=<unix seconds>,v1=<hex signature>")
    try:
        sent = int(timestamps[0])
    except ValueError:
        raise SignatureError("signature timestamp is not a number") from None
    if abs((now if now is not None else time.time()) - sent) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp outside the 5-minute window")
    expected = gongq_signature(secret, timestamps[0], body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature does not match")
