"""/docs and /redoc name no other host and the service serves every file they load; the OpenAPI
document declares, per route, the signature headers its dependency verifies, and the bearer
token of /metrics; every reference in it resolves (ReDoc refuses a document with one that does
not). No Redis here: none of this touches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from producer.webhooks.app import create_app
from worker.settings import Settings

#: The header parameters each signed route declares, and whether each is required.
SIGNATURE_HEADERS = {
    "/webhooks/hubspot": {"X-HubSpot-Signature-v3": True, "X-HubSpot-Request-Timestamp": True},
    "/webhooks/tasks": {
        "X-Gongq-Signature": False,
        "webhook-id": False,
        "webhook-timestamp": False,
        "webhook-signature": False,
    },
}
SIGNATURE_HEADERS["/erasures"] = SIGNATURE_HEADERS["/webhooks/tasks"]

#: Every URL a page names: src= and href= attributes, Swagger UI's `url:` and ReDoc's spec-url.
PAGE_URLS = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|url: '([^']*)'""")


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(sandbox=True, _env_file=None))) as client:
        yield client


@pytest.fixture(scope="module")
def schema(api: TestClient) -> dict[str, Any]:
    document = api.get("/openapi.json").json()
    assert isinstance(document, dict)
    return document


def headers_of(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in schema["paths"][path]["post"]["parameters"] if p["in"] == "header"}


@pytest.mark.parametrize("path", list(SIGNATURE_HEADERS))
def test_each_signed_route_declares_the_signature_headers_it_verifies(
    schema: dict[str, Any], path: str
) -> None:
    declared = headers_of(schema, path)
    assert {name: p["required"] for name, p in declared.items()} == SIGNATURE_HEADERS[path]
    for parameter in declared.values():
        assert parameter["schema"] == {"type": "string"}
        assert "HMAC" in parameter["description"] or "signed" in parameter["description"]


def test_the_hubspot_timestamp_is_declared_in_milliseconds_and_the_signature_over_it(
    schema: dict[str, Any],
) -> None:
    declared = headers_of(schema, "/webhooks/hubspot")
    timestamp = declared["X-HubSpot-Request-Timestamp"]
    assert "milliseconds" in timestamp["description"] and len(timestamp["example"]) == 13
    signature = declared["X-HubSpot-Signature-v3"]["description"]
    assert "METHOD + URI + raw body + X-HubSpot-Request-Timestamp" in signature
    assert "GONGQ_HUBSPOT_CLIENT_SECRET" in signature


def test_the_gongq_headers_say_what_each_scheme_signs(schema: dict[str, Any]) -> None:
    declared = headers_of(schema, "/webhooks/tasks")
    assert '"<t>.<METHOD>.<path?query>.<raw body>"' in declared["X-Gongq-Signature"]["description"]
    standard = declared["webhook-signature"]["description"]
    assert '"<webhook-id>.<webhook-timestamp>.<raw body>"' in standard
    assert "query string" in standard
    assert "unix seconds" in declared["webhook-timestamp"]["description"]


def test_the_erasure_route_keeps_its_dry_run_query_parameter(schema: dict[str, Any]) -> None:
    parameters = schema["paths"]["/erasures"]["post"]["parameters"]
    assert [p["name"] for p in parameters if p["in"] == "query"] == ["dry_run"]


def test_metrics_declare_the_bearer_token_as_an_http_bearer_scheme(schema: dict[str, Any]) -> None:
    [(name, scheme)] = schema["components"]["securitySchemes"].items()
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "GONGQ_METRICS_TOKEN" in scheme["description"]
    assert schema["paths"]["/metrics"]["get"]["security"] == [{name: []}]
    assert all(
        "security" not in op for p, ops in schema["paths"].items() if p != "/metrics" for op in ops.values()
    )


def test_the_documented_bearer_scheme_refuses_nothing_itself(api: TestClient) -> None:
    """The scheme is documentation: a missing or non-Bearer Authorization still gets the route's
    own 401 with its challenge, not a 403 from FastAPI's HTTPBearer."""
    for headers in ({}, {"Authorization": "Basic c2FuZGJveA=="}, {"Authorization": "Bearer wrong"}):
        answer = api.get("/metrics", headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == 'Bearer realm="gongq metrics"'


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = document
    for token in pointer[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_in_the_openapi_document_resolves(schema: dict[str, Any]) -> None:
    refs = set(_refs(schema))
    assert refs, "expected the answers' models to be referenced"
    for ref in refs:
        try:
            _resolve(schema, ref)
        except (KeyError, TypeError):
            pytest.fail(f"{ref} points at nothing in the OpenAPI document")


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        (
            "/docs",
            {
                "/docs-static/swagger-ui-bundle.js": "text/javascript",
                "/docs-static/swagger-ui.css": "text/css",
                "/docs-static/favicon.png": "image/png",
                "/openapi.json": "application/json",
            },
        ),
        (
            "/redoc",
            {
                "/docs-static/redoc.standalone.js": "text/javascript",
                "/docs-static/favicon.png": "image/png",
                "/openapi.json": "application/json",
            },
        ),
    ],
)
def test_a_docs_page_loads_only_files_the_service_itself_serves(
    api: TestClient, page: str, assets: dict[str, str]
) -> None:
    answer = api.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "://" not in html, html
    named = {a or b for a, b in PAGE_URLS.findall(html)}
    assert named == set(assets)
    assert not any(url.startswith("//") for url in named), named
    for url, content_type in assets.items():
        asset = api.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] == content_type, url
        assert len(asset.content) > 1000, url


def test_the_swagger_ui_bundle_is_version_5_which_renders_openapi_3_1(
    api: TestClient, schema: dict[str, Any]
) -> None:
    """Swagger UI 4 answers FastAPI's `openapi: 3.1.0` with "Unable to render this definition"."""
    assert schema["openapi"].startswith("3.1")
    bundle = api.get("/docs-static/swagger-ui-bundle.js").text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.(\d+)\.(\d+)"', bundle)
    assert version is not None and int(version.group(1)) >= 5, version


def test_under_a_root_path_the_docs_pages_name_their_files_under_it() -> None:
    app = create_app(Settings(sandbox=True, _env_file=None))
    with TestClient(app, root_path="/gongq") as api:
        for page in ("/docs", "/redoc"):
            named = {a or b for a, b in PAGE_URLS.findall(api.get(page).text)}
            assert named and all(url.startswith("/gongq/") for url in named), named
