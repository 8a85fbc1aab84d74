"""Gong connections per Composio user id, revoked keys and the MCP origin, driven by the real
composio and openai SDKs against the sandbox served on a free port.

Bodies are also validated strictly against composio_client's response types (the SDK itself
builds them without validation, so a missing field would otherwise go unnoticed).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from composio import Composio
from composio.exceptions import ComposioSDKTimeoutError, MCPDestinationError
from composio_client import AuthenticationError, NotFoundError
from composio_client.types.connected_account_retrieve_response import ConnectedAccountRetrieveResponse
from composio_client.types.tool_router.session_link_response import SessionLinkResponse
from composio_client.types.tool_router.session_toolkits_response import SessionToolkitsResponse
from fastapi.testclient import TestClient

from sandbox.app import create_app
from sandbox.config import SandboxConfig

KEY = "sandbox-composio-key"






@pytest.fixture(autouse=True)
def _reset(fresh_sandbox: str) -> None:
    """Every test starts from the sandbox's defaults."""


@pytest.fixture()
def composio(base: str) -> Composio[Any, Any]:
    return Composio(api_key=KEY, base_url=base, allow_tracking=False)


def _disconnect(base: str, user_id: str) -> None:
    response = httpx.post(f"{base}/_sandbox/composio/connections/{user_id}", json={"connected": False})
    assert response.json() == {"user_id": user_id, "connected": False}


def _gong_state(session: Any) -> tuple[bool, str | None, str | None]:
    """(is_active, account status, account id) of Gong in ``session.toolkits()``."""
    (item,) = session.toolkits(toolkits=["gong"]).items
    assert item.slug == "gong" and item.name == "Gong" and item.is_no_auth is False
    account = item.connection.connected_account
    if account is None:
        return item.connection.is_active, None, None
    return item.connection.is_active, account.status, account.id


def test_sdk_toolkits_shows_the_default_active_gong_connection(composio: Composio[Any, Any]) -> None:
    session = composio.create(user_id="alice", toolkits=["gong"])
    active, status, account_id = _gong_state(session)
    assert (active, status) == (True, "ACTIVE") and account_id is not None
    assert account_id.startswith("ca_")
    assert composio.connected_accounts.get(account_id).status == "ACTIVE"


def test_sdk_authorize_then_finishing_the_page_makes_wait_for_connection_return_active(
    base: str, composio: Composio[Any, Any]
) -> None:
    _disconnect(base, "bob")
    session = composio.create(user_id="bob", toolkits=["gong"])
    assert _gong_state(session) == (False, None, None)
    request = session.authorize("gong")
    assert request.status == "INITIATED" and request.id.startswith("ca_")
    assert request.redirect_url == f"{base}/_sandbox/composio/authorize/{request.id}"
    assert _gong_state(session) == (False, "INITIATED", request.id)
    assert composio.connected_accounts.get(request.id).status == "INITIATED"

    page = httpx.get(str(request.redirect_url))
    assert page.status_code == 200 and "Gong connected" in page.text

    account = request.wait_for_connection(timeout=5)
    assert (account.status, account.id, account.toolkit.slug) == ("ACTIVE", request.id, "gong")
    assert _gong_state(session) == (True, "ACTIVE", request.id)
    assert httpx.get(f"{base}/_sandbox/composio/connections/bob").json() == {
        "user_id": "bob",
        "connected": True,
    }


def test_wait_for_connection_times_out_while_nobody_finishes_the_page(
    base: str, composio: Composio[Any, Any]
) -> None:
    _disconnect(base, "carol")
    request = composio.create(user_id="carol", toolkits=["gong"]).authorize("gong")
    with pytest.raises(ComposioSDKTimeoutError):
        request.wait_for_connection(timeout=1.5)


def test_disconnecting_a_user_turns_its_active_account_inactive(
    base: str, composio: Composio[Any, Any]
) -> None:
    session = composio.create(user_id="dave", toolkits=["gong"])
    _, _, account_id = _gong_state(session)
    assert account_id is not None
    _disconnect(base, "dave")
    assert _gong_state(session) == (False, "INACTIVE", account_id)
    assert composio.connected_accounts.get(account_id).status == "INACTIVE"
    # Another user id is not affected.
    assert _gong_state(composio.create(user_id="erin", toolkits=["gong"]))[0] is True


def test_reset_restores_the_default_connection(base: str, composio: Composio[Any, Any]) -> None:
    _disconnect(base, "frank")
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    assert httpx.get(f"{base}/_sandbox/composio/connections/frank").json()["connected"] is True


def test_composio_bodies_validate_strictly_against_composio_client_types(base: str) -> None:
    headers = {"x-api-key": KEY}
    _disconnect(base, "gina")
    created = httpx.post(f"{base}/api/v3.1/tool_router/session", json={"user_id": "gina"}, headers=headers)
    session_id = created.json()["session_id"]
    link = httpx.post(
        f"{base}/api/v3.1/tool_router/session/{session_id}/link", json={"toolkit": "gong"}, headers=headers
    )
    assert link.status_code == 201
    parsed = SessionLinkResponse.model_validate(link.json())
    assert parsed.link_token.startswith("lt_")

    def account() -> ConnectedAccountRetrieveResponse:
        body = httpx.get(f"{base}/api/v3.1/connected_accounts/{parsed.connected_account_id}", headers=headers)
        return ConnectedAccountRetrieveResponse.model_validate(body.json())

    def toolkits() -> SessionToolkitsResponse:
        body = httpx.get(f"{base}/api/v3.1/tool_router/session/{session_id}/toolkits", headers=headers)
        return SessionToolkitsResponse.model_validate(body.json())

    assert account().status == "INITIATED" and account().user_id == "gina"
    assert account().auth_config.auth_scheme == "BASIC" and account().toolkit.slug == "gong"
    httpx.get(parsed.redirect_url).raise_for_status()
    assert account().status == "ACTIVE"
    listing = toolkits()
    assert listing.total_pages == 1 and listing.next_cursor is None
    connected = listing.items[0].connected_account
    assert connected is not None and (connected.id, connected.status) == (
        parsed.connected_account_id,
        "ACTIVE",
    )
    _disconnect(base, "gina")
    assert account().status == "INACTIVE"


def test_unknown_connected_account_is_a_composio_404(base: str, composio: Composio[Any, Any]) -> None:
    with pytest.raises(NotFoundError, match="ca_nope"):
        composio.connected_accounts.get("ca_nope")
    body = httpx.get(f"{base}/api/v3.1/connected_accounts/ca_nope", headers={"x-api-key": KEY}).json()
    assert body == {"error": {"message": "Connected account ca_nope not found", "code": 404}}


def test_a_sandbox_started_disconnected_has_no_user_connected() -> None:
    with TestClient(create_app(SandboxConfig(default_connected=False))) as client:
        headers = {"x-api-key": KEY}
        session_id = client.post(
            "/api/v3.1/tool_router/session", json={"user_id": "u1"}, headers=headers
        ).json()["session_id"]
        listing = client.get(f"/api/v3.1/tool_router/session/{session_id}/toolkits", headers=headers).json()
        assert listing["items"][0]["connected_account"] is None
        assert client.get("/_sandbox/composio/connections/u1").json() == {"user_id": "u1", "connected": False}


def test_mcp_origin_makes_create_with_mcp_fail_the_sdks_same_origin_check(
    base: str, composio: Composio[Any, Any]
) -> None:
    httpx.post(f"{base}/_sandbox/composio/shapes", json={"mcp_origin": "http://other-origin:8080"})
    with pytest.raises(MCPDestinationError):
        composio.create(user_id="hal", toolkits=["gong"], mcp=True)


def test_revoked_composio_key_gets_401_on_every_composio_route_and_the_mcp_endpoint(
    base: str, composio: Composio[Any, Any]
) -> None:
    session = composio.create(user_id="ivy", toolkits=["gong"], mcp=True)
    httpx.post(f"{base}/_sandbox/keys", json={"composio_revoked": [KEY]}).raise_for_status()
    with pytest.raises(AuthenticationError, match="Invalid API key"):
        composio.create(user_id="ivy", toolkits=["gong"])
    with pytest.raises(AuthenticationError):
        session.toolkits()
    with pytest.raises(AuthenticationError):
        session.authorize("gong")
    invalid = {"error": {"message": "Invalid API key", "code": 401}}
    headers = {"x-api-key": KEY, "accept": "application/json, text/event-stream"}
    rpc = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    mcp = httpx.post(str(session.mcp.url), json=rpc, headers=headers)
    assert (mcp.status_code, mcp.json()) == (401, invalid)
    upload = {
        "md5": "x",
        "filename": "a.mp3",
        "mimetype": "audio/mpeg",
        "tool_slug": "T",
        "toolkit_slug": "gong",
    }
    files = httpx.post(f"{base}/api/v3/files/upload/request", json=upload, headers={"x-api-key": KEY})
    assert (files.status_code, files.json()) == (401, invalid)
    # Another key still works, and reset un-revokes.
    assert Composio(api_key="another-key", base_url=base, allow_tracking=False).create(user_id="ivy")
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    assert httpx.post(str(session.mcp.url), json=rpc, headers=headers).status_code == 200


def test_revoked_openai_key_gets_invalid_api_key_on_responses_and_models(base: str) -> None:
    httpx.post(f"{base}/_sandbox/keys", json={"openai_revoked": ["sk-revoked"]}).raise_for_status()
    revoked = openai.OpenAI(api_key="sk-revoked", base_url=f"{base}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as models_error:
        revoked.models.list()
    assert models_error.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError) as responses_error:
        revoked.responses.create(model="gpt-5", input="hi")
    assert responses_error.value.body == {
        "message": "Incorrect API key provided",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
        "param": None,
    }
    assert httpx.get(f"{base}/_sandbox/keys").json() == {
        "composio_revoked": [],
        "openai_revoked": ["sk-revoked"],
    }


def test_models_lists_the_sandbox_model_for_a_valid_key(base: str) -> None:
    models = openai.OpenAI(api_key="sk-fine", base_url=f"{base}/v1").models.list()
    assert [(m.id, m.object, m.owned_by) for m in models.data] == [("gpt-5", "model", "openai")]
    raw = httpx.get(f"{base}/v1/models", headers={"authorization": "Bearer sk-fine"}).json()
    assert raw == {
        "object": "list",
        "data": [{"id": "gpt-5", "object": "model", "created": 0, "owned_by": "openai"}],
    }
    assert httpx.get(f"{base}/v1/models").status_code == 401


def test_link_for_a_toolkit_outside_the_session_is_a_composio_400(base: str) -> None:
    headers = {"x-api-key": KEY}
    created = httpx.post(f"{base}/api/v3.1/tool_router/session", json={"user_id": "jo"}, headers=headers)
    response = httpx.post(
        f"{base}/api/v3.1/tool_router/session/{created.json()['session_id']}/link",
        json={"toolkit": "slack"},
        headers=headers,
    )
    assert response.status_code == 400
    assert json.loads(response.text)["error"]["code"] == 400
