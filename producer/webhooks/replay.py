"""Replay protection: every accepted signature is remembered, and a second delivery enqueues nothing.

A signature is valid for 5 minutes either side of its timestamp, so without memory a captured
request could be sent again and again inside that window (ten meetings from one signed
request without an idempotency key). The first delivery of a fingerprint claims it in Redis
(``SET NX``); the answer it got is kept for the rest of the window, and a replay is answered
with that answer, every task in it listed as a duplicate and ``replayed: true``. The answer
is kept with personal data as tokens: a rejected line's value (and the reason quoting it) too.

A delivery that fails (4xx, 5xx, a crash) gives its claim back, so the sender's retry of the
same signed request is processed; a claim left by a killed process expires after
:data:`PENDING_SECONDS`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio

from producer.webhooks.models import WebhookAnswer
from producer.webhooks.signatures import TOLERANCE_SECONDS
from worker.keys import Keys
from worker.pii import pii_token, scrub

#: Longer than any request may take (the body read timeout is at most 10 s).
PENDING_SECONDS = 60
#: A signature is accepted up to TOLERANCE_SECONDS before and after its timestamp.
REMEMBER_SECONDS = 2 * TOLERANCE_SECONDS + 60
_PENDING = "pending"

Answer = TypeVar("Answer", bound=WebhookAnswer)


class DeliveryInProgress(Exception):
    """The same signed request is being processed right now: 409, try again in a moment."""


class Deliveries:
    """The fingerprints of accepted signed requests and the answers they got, in Redis."""

    def __init__(self, client: redis.asyncio.Redis[str], keys: Keys, pii_key: str) -> None:
        self._redis = client
        self._keys = keys
        self._pii_key = pii_key

    async def claim(self, fingerprint: str) -> str | None:
        """None when this is the first delivery (now claimed), else what the first one left."""
        key = self._keys.webhook_delivery(fingerprint)
        if await self._redis.set(key, _PENDING, nx=True, ex=PENDING_SECONDS):
            return None
        return await self._redis.get(key) or _PENDING

    async def settle(self, fingerprint: str, answer: WebhookAnswer) -> None:
        """Keep the first delivery's answer (personal data as tokens) for the rest of the window."""
        kept = scrub(self._pii_key, answer.model_dump(mode="json"))
        for line in kept.get("rejected", []):
            # A rejected value may be personal data no pattern recognises (a malformed address).
            token = pii_token(self._pii_key, line["value"])
            line["reason"] = line["reason"].replace(line["value"], token)
            line["value"] = token
        await self._redis.set(self._keys.webhook_delivery(fingerprint), json.dumps(kept), ex=REMEMBER_SECONDS)

    async def release(self, fingerprint: str) -> None:
        """Forget a claim whose request failed, so the sender's retry is processed."""
        await self._redis.delete(self._keys.webhook_delivery(fingerprint))

    async def once(
        self, fingerprint: str, answer_type: type[Answer], handle: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """``handle()`` for the first delivery of ``fingerprint``; the remembered answer for a replay."""
        earlier = await self.claim(fingerprint)
        if earlier == _PENDING:
            raise DeliveryInProgress("the same signed request is being processed; retry in a moment")
        if earlier is not None:
            return as_replay(answer_type.model_validate_json(earlier))
        try:
            answer = await handle()
        except BaseException:
            await self.release(fingerprint)
            raise
        await self.settle(fingerprint, answer)
        return answer


def as_replay(answer: Answer) -> Answer:
    """The first delivery's answer as a replay sees it: nothing new, everything a duplicate."""
    return answer.model_copy(
        update={"accepted": [], "duplicates": [*answer.accepted, *answer.duplicates], "replayed": True}
    )
