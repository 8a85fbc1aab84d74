"""Webhook latency under load: signed HubSpot batches at 200 requests/s for 30 s (goal p99 ≤ 20 ms).

Standalone: ``.venv/bin/python benchmarks/bench_webhooks.py [--rate 200] [--seconds 30]``.
Starts ``gongq webhooks`` (a real uvicorn process, sandbox secrets) on a free port against an
empty Redis database (default DB 14, emptied after), then sends requests open-loop on a fixed
schedule — a slow answer does not slow the sender down, as with real HubSpot traffic — each a
batch of 3 contact events with fresh event ids, signed with HubSpot's v3 scheme. Prints p50,
p99, max, the achieved rate and non-2xx answers; exits 1 when p99 misses the goal.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time

import httpx
import redis

from producer.processes import free_port, wait_until
from worker.settings import Settings, settings_env

GOAL_P99_MS = 20.0


def hubspot_headers(secret: str, url: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"POST{url}".encode() + body + timestamp.encode(), hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": base64.b64encode(digest.digest()).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def batch(first_event_id: int) -> bytes:
    now = int(time.time() * 1000)
    return json.dumps(
        [
            {
                "eventId": first_event_id + i,
                "subscriptionType": "contact.creation",
                "objectId": 1000 + (first_event_id + i) % 500,
                "occurredAt": now,
                "portalId": 62515,
                "attemptNumber": 0,
            }
            for i in range(3)
        ]
    ).encode()


async def drive(url: str, secret: str, rate: float, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=5) as client:

        async def one(n: int) -> None:
            nonlocal failures
            body = batch(n * 10 + int(time.time()) * 10_000_000)
            started = time.perf_counter()
            try:
                answer = await client.post(url, content=body, headers=hubspot_headers(secret, url, body))
                ok = answer.is_success
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            failures += not ok

        pending = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(n)))
        await asyncio.gather(*pending)
    return latencies, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--workers", type=int, default=2, help="webhook server processes")
    args = parser.parse_args()

    store = redis.Redis.from_url(args.redis_url)
    if store.dbsize():
        print(f"refusing to run: {args.redis_url} is not empty", file=sys.stderr)
        return 2
    settings = Settings(redis_url=args.redis_url, sandbox=True, _env_file=None)
    port = free_port()
    env = {**os.environ, **settings_env(settings)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "producer",
            "webhooks",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(base), timeout=30, what="the webhook service")
        url = f"{base}/webhooks/hubspot"
        asyncio.run(drive(url, settings.hubspot_client_secret.get_secret_value(), args.rate, 2.0))  # warm-up
        latencies, failures = asyncio.run(
            drive(url, settings.hubspot_client_secret.get_secret_value(), args.rate, args.seconds)
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        store.flushdb()
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{len(ordered)} signed HubSpot batches at {args.rate:.0f}/s for {args.seconds:.0f} s "
        f"({args.workers} server processes): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms, non-2xx {failures} "
        f"(goal p99 ≤ {GOAL_P99_MS:.0f} ms)"
    )
    return 0 if p99 <= GOAL_P99_MS and failures == 0 else 1


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).is_success
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
