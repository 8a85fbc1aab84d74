"""Composio's file storage, as the SDK and the Tool Router use it.

``POST /api/v3/files/upload/request`` hands out a presigned upload URL and a storage key (what
``FileUploadable`` in Composio's SDK asks for); the client PUTs the bytes there; a tool call
then names the file as ``{name, mimetype, s3key}`` and the Tool Router fetches it when it calls
Gong. Here the "bucket" is memory and the presigned URL points back at the sandbox origin.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from sandbox.keys import RevokedKeys
from sandbox.toolrouter.auth import require_key


class UploadRequest(BaseModel):
    md5: str = Field(min_length=1)
    filename: str = Field(min_length=1)
    mimetype: str = Field(min_length=1)
    tool_slug: str
    toolkit_slug: str


@dataclass(frozen=True)
class StoredFile:
    name: str
    mimetype: str
    content: bytes


class FileStorage:
    """Uploaded files by storage key; a key is valid only after its bytes were PUT."""

    def __init__(self, keys: RevokedKeys | None = None) -> None:
        self._keys = keys or RevokedKeys()
        self._lock = threading.Lock()
        self._pending: dict[str, UploadRequest] = {}
        self._files: dict[str, StoredFile] = {}

    def get(self, key: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(key)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._files.clear()

    def router(self) -> APIRouter:
        router = APIRouter(tags=["composio"])

        @router.post("/api/v3/files/upload/request")
        async def request_upload(
            body: UploadRequest, request: Request, x_api_key: str | None = Header(default=None)
        ) -> dict[str, str]:
            require_key(self._keys, x_api_key)
            key = f"{body.toolkit_slug}/{body.tool_slug}/{secrets.token_hex(8)}/{body.filename}"
            with self._lock:
                self._pending[key] = body
            origin = str(request.base_url).rstrip("/")
            return {
                "id": secrets.token_hex(8),
                "key": key,
                "type": "new",
                "new_presigned_url": f"{origin}/_sandbox/storage/{key}",
            }

        @router.put("/_sandbox/storage/{key:path}", tags=["sandbox control"])
        async def upload(key: str, request: Request) -> dict[str, int]:
            with self._lock:
                pending = self._pending.pop(key, None)
            if pending is None:
                raise HTTPException(403, "no upload was requested for this key (or it was used)")
            mimetype = request.headers.get("content-type", "")
            if mimetype != pending.mimetype:
                raise HTTPException(403, "SignatureDoesNotMatch: Content-Type differs from the signed one")
            content = await request.body()
            with self._lock:
                self._files[key] = StoredFile(pending.filename, mimetype, content)
            return {"size": len(content)}

        return router
