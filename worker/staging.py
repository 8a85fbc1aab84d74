"""Staging files with Composio's file storage, so tool calls carry a key and never the bytes.

Call media and CRM uploads are large; they must not cross the broker (the payload holds a URL
or a path) nor a model prompt (the agent sees ``{name, mimetype, s3key}`` only). The worker
reads the source and uploads it the way Composio's SDK does: ask the backend for a presigned
URL (``POST /api/v3/files/upload/request``), PUT the bytes there with the signed content type,
then hand the returned key to the tool. The SDK's own helper is not used because it refuses
presigned URLs on private addresses, which is where the offline sandbox lives.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from urllib.parse import urlparse

import httpx

from worker.errors import Permanent, Retryable
from worker.settings import Settings

UPLOAD_REQUEST_PATH = "/api/v3/files/upload/request"
MAX_BYTES = 1_500_000_000


async def read_source(source: str) -> tuple[str, bytes]:
    """(file name, bytes) of an http(s) URL or a local path; a missing source is permanent."""
    if urlparse(source).scheme in ("http", "https"):
        try:
            async with httpx.AsyncClient(follow_redirects=True, timeout=60) as client:
                response = await client.get(source)
        except httpx.HTTPError as exc:
            raise Retryable(f"could not fetch the file: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Retryable(f"file server answered HTTP {response.status_code}")
        if not response.is_success:
            raise Permanent(f"file server answered HTTP {response.status_code}")
        return Path(urlparse(source).path).name or "upload.bin", response.content
    path = Path(source)
    if not path.is_file():
        raise Permanent(f"staged file not found: {path.name}")
    if path.stat().st_size > MAX_BYTES:
        raise Permanent(f"{path.name} is larger than Gong's 1.5 GB limit")
    return path.name, path.read_bytes()


async def stage_file(settings: Settings, slug: str, source: str) -> dict[str, str]:
    """Upload ``source`` to Composio's storage for tool ``slug``; the tool argument to use."""
    name, content = await read_source(source)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    base_url = settings.composio_url_in_use.rstrip("/")
    headers = {"x-api-key": settings.composio_api_key.get_secret_value()}
    request = {
        "md5": hashlib.md5(content, usedforsecurity=False).hexdigest(),
        "filename": name,
        "mimetype": mimetype,
        "tool_slug": slug,
        "toolkit_slug": "gong",
    }
    try:
        async with httpx.AsyncClient(timeout=settings.task_timeout_seconds) as client:
            presign = await client.post(f"{base_url}{UPLOAD_REQUEST_PATH}", json=request, headers=headers)
            _raise_for(presign, "Composio file upload request")
            target = presign.json()
            upload = await client.put(
                target["new_presigned_url"], content=content, headers={"Content-Type": mimetype}
            )
            _raise_for(upload, "file storage upload")
    except httpx.HTTPError as exc:
        raise Retryable(f"staging {name} failed: {type(exc).__name__}") from exc
    return {"name": name, "mimetype": mimetype, "s3key": str(target["key"])}


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    reason = f"{what} answered HTTP {response.status_code}"
    if response.status_code == 429 or response.status_code >= 500:
        raise Retryable(reason)
    raise Permanent(reason)
