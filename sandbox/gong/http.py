"""The request plumbing every Gong route shares: the gate, the log, validation and pagination.

``GongRoute`` wraps each endpoint so auth, faults, rate limits, Gong-style 400s (instead of
FastAPI's 422) and the request log happen in one place rather than in every handler.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Collection, Coroutine, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from sandbox.gong.errors import GongError
from sandbox.gong.state import GongState

PAGE_SIZE = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def route_class(state: GongState) -> type[APIRoute]:
    """An APIRoute subclass bound to ``state`` that runs the gate and logs every request."""

    class GongRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def gated(request: Request) -> Response:
                raw = await request.body()
                entry: dict[str, Any] = {
                    "time": time.time(),
                    "method": request.method,
                    "path": request.url.path,
                    "query": dict(request.query_params),
                    "status": 0,
                    "json": _json_or_none(raw, request),
                }
                try:
                    state.check_auth(request.headers.get("authorization"))
                    state.gate(request.url.path)
                    request.state.log_entry = entry
                    response = await handler(request)
                except GongError as error:
                    response = error.response()
                except RequestValidationError as error:
                    response = GongError(400, *_validation_messages(error)).response()
                if response.status_code != 401:
                    entry["status"] = response.status_code
                    state.record(entry)
                return response

            return gated

    return GongRoute


def _json_or_none(raw: bytes, request: Request) -> Any:
    if not raw or "json" not in request.headers.get("content-type", ""):
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return None


def _validation_messages(error: RequestValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in error.errors()]


async def json_body(request: Request) -> Any:
    """The JSON body, or Gong's 400 when it is missing or malformed."""
    raw = await request.body()
    if not raw:
        raise GongError(400, "Request body is required")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GongError(400, f"Malformed JSON body: {exc.msg}") from None


def json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise GongError(400, "Request body must be a JSON object")
    return value


def require(body: dict[str, Any], *fields: str) -> None:
    """400 naming every required field that is missing or empty."""
    missing = [f for f in fields if body.get(f) in (None, "", [])]
    if missing:
        raise GongError(400, *(f"{f} is required" for f in missing))


def parse_datetime(value: Any, field: str) -> datetime:
    """An ISO-8601 date-time with an offset or Z, as Gong demands; else 400."""
    if not isinstance(value, str):
        raise GongError(400, f"{field} is required and must be an ISO-8601 date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GongError(400, f"{field} is not a valid ISO-8601 date-time: {value}") from None
    if parsed.tzinfo is None:
        raise GongError(400, f"{field} must include a time-zone offset: {value}")
    return parsed


def parse_date(value: Any, field: str) -> date:
    """A plain ``YYYY-MM-DD`` date (stats filters), else 400 naming the field."""
    if not isinstance(value, str) or not DATE.match(value):
        raise GongError(400, f"{field} must be a date in the format YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GongError(400, f"{field} is not a valid date: {value}") from None


def date_range(
    filt: dict[str, Any], start: str, end: str, *, required: bool
) -> tuple[date | None, date | None]:
    """Gong's stats range rules: from inclusive, to exclusive, from < to, to not after today (UTC)."""
    if required:
        require(filt, start, end)
    first = parse_date(filt[start], f"filter.{start}") if filt.get(start) is not None else None
    last = parse_date(filt[end], f"filter.{end}") if filt.get(end) is not None else None
    if first and last and first >= last:
        raise GongError(400, f"filter.{start} must be before filter.{end}")
    if last and last > datetime.now(UTC).date():
        raise GongError(400, f"filter.{end} must not be later than today")
    return first, last


def one_of(value: Any, field: str, allowed: Collection[str]) -> str:
    """An enum value, else 400 listing what Gong accepts."""
    if value not in allowed:
        raise GongError(400, f"{field} must be one of {', '.join(sorted(allowed))}")
    return str(value)


def string_list(value: Any, field: str, *, required: bool = False) -> list[str] | None:
    """A JSON array of strings (ids may also come as numbers); None when absent and optional."""
    if value is None and not required:
        return None
    if not isinstance(value, list) or (required and not value):
        raise GongError(400, f"{field} is required and must be a non-empty list" if required
                        else f"{field} must be a list")
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise GongError(400, f"{field} must contain only ids")
    return [str(v) for v in value]


def filter_object(body: dict[str, Any]) -> dict[str, Any]:
    """Gong insists on a ``filter`` object even when every field in it is optional."""
    filt = body.get("filter")
    if not isinstance(filt, dict):
        raise GongError(400, "filter is required and must be an object")
    return filt


def body_cursor(body: dict[str, Any]) -> str | None:
    cursor = body.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise GongError(400, "cursor must be a string")
    return cursor or None


def check_email(value: Any, field: str) -> str:
    if not isinstance(value, str) or not EMAIL.match(value.strip()):
        raise GongError(400, f"{field} is not a valid email address")
    return value.strip()


def paginate(
    items: Sequence[dict[str, Any]], cursor: str | None, page_size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page and Gong's ``records`` object; the cursor appears only when more remain."""
    offset = 0
    if cursor:
        try:
            offset = int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":")[1])
        except (ValueError, IndexError):
            raise GongError(400, "cursor is invalid") from None
    page = list(items[offset : offset + page_size])
    records: dict[str, Any] = {
        "totalRecords": len(items),
        "currentPageSize": len(page),
        "currentPageNumber": offset // page_size,
    }
    if offset + page_size < len(items):
        records["cursor"] = base64.urlsafe_b64encode(f"page:{offset + page_size}".encode()).decode()
    return page, records
