"""/docs and /redoc render in a real browser with no other host reachable: the real service
(``gongq webhooks``, uvicorn) is started, and headless Chromium, whose resolver maps every name
but 127.0.0.1 to "not found", dumps the DOM after the pages' JavaScript ran. Rendered operation
blocks prove Swagger UI (and ReDoc) loaded from the service itself and parsed its OpenAPI 3.1.

Chromium's ``--virtual-time-budget`` returns as soon as the page is idle (virtual time does not
advance while a fetch is pending), and the service is awaited by polling /healthz: no fixed sleep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from producer.processes import Processes, free_port, wait_until
from worker.settings import Settings, settings_env

pytestmark = pytest.mark.integration

#: How long one page may take to load and render before the test calls it broken.
BROWSER_TIMEOUT_SECONDS = 60

#: Each route's operation id (FastAPI's, from the function name, path and method).
OPERATIONS = {
    "/webhooks/hubspot": "hubspot_events_webhooks_hubspot_post",
    "/webhooks/tasks": "tasks_webhooks_tasks_post",
    "/erasures": "erasures_erasures_post",
    "/metrics": "metrics_metrics_get",
    "/healthz": "healthz_healthz_get",
}


@pytest.fixture(scope="module")
def browser() -> str:
    """The Chromium binary; the module is skipped (before anything starts) without one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)")


@pytest.fixture(scope="module")
def service(browser: str, settings: Settings) -> Iterator[str]:
    """``gongq webhooks`` on a free port; its origin."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with Processes() as started:
        started.start(
            "webhooks",
            [sys.executable, "-m", "producer", "webhooks", "--host", "127.0.0.1", "--port", str(port)],
            env=settings_env(settings),
        )

        def healthy() -> bool:
            try:
                return httpx.get(f"{origin}/healthz", timeout=1).is_success
            except httpx.HTTPError:
                return False

        wait_until(healthy, 30, "the webhook service")
        yield origin


def rendered_dom(browser: str, url: str, profile: Path) -> str:
    """The DOM of ``url`` after its scripts ran, in headless Chromium that can reach 127.0.0.1 only."""
    done = subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_swagger_ui_renders_every_route_offline_in_a_headless_browser(
    browser: str, service: str, tmp_path: Path
) -> None:
    dom = rendered_dom(browser, f"{service}/docs", tmp_path)
    assert "Unable to render this definition" not in dom and "Failed to load API definition" not in dom
    assert dom.count('class="opblock ') == len(OPERATIONS), dom[-3000:]
    for path, operation in OPERATIONS.items():
        assert f'id="operations-default-{operation}"' in dom, path
        assert f'data-path="{path}"' in dom, path
    assert 'class="btn authorize' in dom  # the bearer scheme of /metrics


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/webhooks/hubspot", ["X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"]),
        ("/webhooks/tasks", ["X-Gongq-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"]),
        ("/erasures", ["X-Gongq-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"]),
    ],
)
def test_swagger_ui_shows_the_signature_headers_of_an_opened_route(
    browser: str, service: str, tmp_path: Path, path: str, headers: list[str]
) -> None:
    """Deep-linking to an operation opens it, so its parameter table is in the DOM."""
    dom = rendered_dom(browser, f"{service}/docs#/default/{OPERATIONS[path]}", tmp_path)
    for header in headers:
        assert f'data-param-name="{header}" data-param-in="header"' in dom, header
    if path == "/webhooks/hubspot":
        assert "milliseconds" in dom


def test_redoc_renders_every_route_offline_in_a_headless_browser(
    browser: str, service: str, tmp_path: Path
) -> None:
    dom = rendered_dom(browser, f"{service}/redoc", tmp_path)
    assert "Something went wrong" not in dom, dom[-3000:]
    for path, operation in OPERATIONS.items():
        assert f'data-section-id="operation/{operation}"' in dom, path
    assert "X-HubSpot-Request-Timestamp" in dom and "milliseconds" in dom
