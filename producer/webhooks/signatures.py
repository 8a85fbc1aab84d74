"""Webhook signature checks: HubSpot's v3 scheme, gongq's own scheme and Standard Webhooks.

All compare in constant time and reject timestamps outside a 5-minute window (stale or from the
future). A signature that checks out is not yet enough: within the window the same signed
request could be sent again, so :mod:`producer.webhooks.replay` remembers every accepted one and
answers a second delivery as a duplicate. Each check returns the *fingerprint* it is remembered
by.

gongq's scheme (``X-Gongq-Signature: t=<unix seconds>,v2=<hex>``) signs the method and the
request target (path and query) along with the body, so a request signed for
``/erasures?dry_run=true`` is refused on ``/erasures``, and a body signed for one route is
refused on another. The first scheme, ``v1`` over ``"<t>.<body>"`` only, is refused with a
sentence saying what to sign instead: it is exactly what made those replays possible.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300

#: Prefix of Standard Webhooks secrets; what follows is the base64 of the key bytes.
STANDARD_SECRET_PREFIX = "whsec_"


class SignatureError(Exception):
    """The request is not signed by who it claims; answered with 401 and nothing enqueued."""


def _check_window(sent: float, now: float | None) -> None:
    if abs((now if now is not None else time.time()) - sent) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp outside the 5-minute window")


def _fingerprint(scheme: str, value: str) -> str:
    """A fixed-length name for an accepted delivery (the signature itself is not kept)."""
    return f"{scheme}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


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
) -> str:
    """The delivery's fingerprint, unless the HubSpot v3 signature or timestamp is invalid
    (:class:`SignatureError`)."""
    if not signature or not timestamp_ms:
        raise SignatureError("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    try:
        sent = int(timestamp_ms) / 1000
    except ValueError:
        raise SignatureError("X-HubSpot-Request-Timestamp is not a number") from None
    _check_window(sent, now)
    expected = hubspot_v3_signature(secret, method, uri, body, timestamp_ms)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("signature does not match")
    return _fingerprint("hubspot", expected)


def gongq_signature(secret: str, timestamp: str, method: str, target: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, "<t>.<METHOD>.<path?query>.<raw body>")."""
    message = f"{timestamp}.{method.upper()}.{target}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_gongq(
    secret: str, header: str | None, method: str, target: str, body: bytes, now: float | None = None
) -> str:
    """Check ``X-Gongq-Signature: t=<unix seconds>,v2=<hex>`` (any v2 may match: key rotation)
    for this method, target (path and ``?query`` as sent) and body; returns the fingerprint."""
    if not header:
        raise SignatureError("missing X-Gongq-Signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    timestamps, signatures = parts.get("t", []), parts.get("v2", [])
    if parts.get("v1") and not signatures:
        raise SignatureError(
            'v1 signatures (over "<t>.<body>") are no longer accepted: send '
            'v2=hex HMAC-SHA256(secret, "<t>.<METHOD>.<path?query>.<body>")'
        )
    if len(timestamps) != 1 or not signatures:
        raise SignatureError("X-Gongq-Signature must be t=<unix seconds>,v2=<hex signature>")
    try:
        sent = int(timestamps[0])
    except ValueError:
        raise SignatureError("signature timestamp is not a number") from None
    _check_window(sent, now)
    expected = gongq_signature(secret, timestamps[0], method, target, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature does not match (it covers the method, path, query and body)")
    return _fingerprint("gongq", expected)


def standard_webhook_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: base64 after ``whsec_``, else the text itself."""
    if secret.startswith(STANDARD_SECRET_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(STANDARD_SECRET_PREFIX), validate=True)
        except binascii.Error:
            pass
    return secret.encode()


def standard_webhook_signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """``v1,`` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>"))."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhook_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard_webhook(
    secret: str,
    webhook_id: str | None,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    query: str,
    now: float | None = None,
) -> str:
    """Check the Standard Webhooks headers; the fingerprint is the ``webhook-id``.

    The scheme signs id, timestamp and body but not the URL, so it is refused on a request
    with a query string (``/erasures?dry_run=true`` must not be turned into a real run by
    dropping the query): use gongq's own scheme there.
    """
    if not webhook_id or not timestamp or not signature:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    if query:
        raise SignatureError(
            "Standard Webhooks signatures do not cover the query string; sign this request "
            "with X-Gongq-Signature instead"
        )
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a number") from None
    _check_window(sent, now)
    expected = standard_webhook_signature(secret, webhook_id, timestamp, body)
    offered = [s for s in signature.split(" ") if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise SignatureError("webhook-signature does not match")
    return _fingerprint("standard", webhook_id)
