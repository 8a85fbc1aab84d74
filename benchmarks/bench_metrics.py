"""/metrics at scale: what a scrape costs with 50,000 task records, and webhook latency while 8
scrapers hammer it.

Standalone: ``.venv/bin/python -m benchmarks.bench_metrics [--quick] [--records N] [--root DIR]``.
Starts a private redis-server and ``gongq webhooks`` (a real uvicorn, 2 processes, sandbox
secrets), then measures:

1. one scrape with 0 task records and with ``--records`` (50,000) of them, written through the
   producers' own path: p50 of sequential scrapes, and the Redis commands one scrape sends
   (``INFO commandstats`` of the private server, which nothing else uses);
2. signed HubSpot batches at 100 requests/s (``--rate``; ``bench_webhooks``' open-loop sender;
   half of what that benchmark sends, so that on 2 shared cores what moves the figure is the
   scrapers, not the service's own capacity) for a while alone, then again while 8 scrapers
   (threads of another process, so they do not slow this sender down) GET /metrics every
   second each (``--scrape-interval``; Prometheus' default is a minute, so this is 60 times its
   load; 0 floods back to back): p50 and p99 of both, scrapes per second and their latency.

``--root DIR`` serves the webhooks from another checkout (e.g. ``git archive HEAD | tar -x -C
DIR`` of an older version), so the same figures can be taken before a change. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import redis

from benchmarks.bench_webhooks import _healthy, drive
from benchmarks.common import percentile
from producer.client import GongqClient
from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings, settings_env

ROOT = Path(__file__).resolve().parent.parent

#: Scrapers that hammer /metrics at once while webhooks are measured (the reported incident).
SCRAPERS = 8

#: Records written per enqueue call.
CHUNK = 1000


def _scrape_ms(client: httpx.Client, headers: dict[str, str], times: int) -> list[float]:
    """Milliseconds of ``times`` sequential scrapes (each must answer 200)."""
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        answer = client.get("/metrics", headers=headers)
        taken.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return taken


def _commands_per_scrape(store: redis.Redis[str], client: httpx.Client, headers: dict[str, str]) -> int:
    """Redis commands one scrape sends, from the private server's command statistics."""
    store.config_resetstat()
    client.get("/metrics", headers=headers).raise_for_status()
    stats: Mapping[str, Any] = store.info("commandstats")
    return sum(
        int(entry["calls"])
        for name, entry in stats.items()
        if not name.startswith(("cmdstat_config", "cmdstat_info"))
    )


def _write_records(settings: Settings, count: int) -> float:
    """Write ``count`` queued tasks (a fifth of them erasures) as the producers do; seconds taken."""
    client = GongqClient(settings, source="bench")
    listing = client.validate("list_users", {})
    started = time.perf_counter()
    for start in range(0, count, CHUNK):
        items = [
            ("erase_email", client.validate("erase_email", {"email_address": f"p{n}@customer.example"}), None)
            if n % 5 == 0
            else ("list_users", listing, None)
            for n in range(start, min(start + CHUNK, count))
        ]
        client.enqueue_validated(items)
    return time.perf_counter() - started


def _scrapers(url: str, headers: dict[str, str], seconds: float, interval: float, results: Any) -> None:
    """(In another process.) ``SCRAPERS`` threads for ``seconds``, each scraping every
    ``interval`` seconds as a Prometheus scraper does (the next scrape at once when one took
    longer; 0 = back to back); sends (scrapes, failures, latencies in ms) through ``results``."""
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def scrape_loop() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok = client.get("/metrics", headers=headers).is_success
                except httpx.HTTPError:
                    ok = False
                taken = time.perf_counter() - started
                with lock:
                    latencies.append(taken * 1000)
                    failures[0] += not ok
                time.sleep(max(interval - taken, 0.0))  # a load generator's pacing, not a wait

    threads = [threading.Thread(target=scrape_loop) for _ in range(SCRAPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.send((len(latencies), failures[0], latencies))


def _webhook_figures(latencies: list[float], failures: int) -> dict[str, Any]:
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "non_2xx": failures,
    }


def run(
    quick: bool = False,
    records: int | None = None,
    root: Path = ROOT,
    seconds: float | None = None,
    rate: float = 100.0,
    scrape_interval: float = 1.0,
) -> dict[str, Any]:
    records = records if records is not None else (5000 if quick else 50_000)
    seconds = seconds if seconds is not None else (3.0 if quick else 15.0)
    with Processes() as processes:
        redis_url = processes.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
        settings = Settings(redis_url=redis_url, sandbox=True, _env_file=None)
        store: redis.Redis[str] = redis.Redis.from_url(redis_url, decode_responses=True)
        port = free_port()
        argv = ["webhooks", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
        server = subprocess.Popen(
            [sys.executable, "-m", "producer", *argv],
            cwd=root,
            env={**os.environ, **settings_env(settings), "PYTHONPATH": str(root)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {settings.metrics_token.get_secret_value()}"}
        secret = settings.hubspot_client_secret.get_secret_value()
        try:
            wait_until(lambda: _healthy(base), timeout=30, what="the webhook service")
            with httpx.Client(base_url=base, timeout=60) as client:
                _scrape_ms(client, headers, 4)  # warm-up: both server processes' Redis pools
                empty_ms = _scrape_ms(client, headers, 20)
                empty_commands = _commands_per_scrape(store, client, headers)
                write_s = _write_records(settings, records)
                full_ms = _scrape_ms(client, headers, 20)
                full_commands = _commands_per_scrape(store, client, headers)

            url = f"{base}/webhooks/hubspot"
            asyncio.run(drive(url, secret, rate, 2.0))  # warm-up
            alone = _webhook_figures(*asyncio.run(drive(url, secret, rate, seconds)))

            receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
            scraping = multiprocessing.get_context("spawn").Process(
                target=_scrapers, args=(base, headers, seconds + 1.0, scrape_interval, sender)
            )
            scraping.start()
            hammered = _webhook_figures(*asyncio.run(drive(url, secret, rate, seconds)))
            scrapes, scrape_failures, scrape_latencies = receiver.recv()
            scraping.join(60)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {
        "server_root": str(root),
        "records": records,
        "records_written_seconds": round(write_s, 1),
        "scrape_p50_ms_empty": round(statistics.median(empty_ms), 1),
        "scrape_p50_ms_with_records": round(statistics.median(full_ms), 1),
        "redis_commands_per_scrape_empty": empty_commands,
        "redis_commands_per_scrape_with_records": full_commands,
        "webhooks_rate": rate,
        "webhooks_seconds": seconds,
        "webhooks_alone": alone,
        "webhooks_with_scrapers": hammered,
        "scrapers": SCRAPERS,
        "scrape_interval_seconds": scrape_interval,
        "scrapes_per_second": round(scrapes / (seconds + 1.0), 1),
        "scrape_p50_ms_under_load": round(statistics.median(scrape_latencies), 1),
        "scrape_failures": scrape_failures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="webhook load per phase")
    parser.add_argument("--rate", type=float, default=100.0, help="webhook requests per second")
    parser.add_argument(
        "--scrape-interval", type=float, default=1.0, help="seconds between one scraper's scrapes (0: flood)"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout the webhook service runs from")
    args = parser.parse_args(argv)
    figures = run(
        args.quick, args.records, args.root.resolve(), args.seconds, args.rate, args.scrape_interval
    )
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
