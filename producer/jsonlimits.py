"""JSON from outside gongq, read with a nesting limit: deeper input is refused, never a crash.

Python's json module recurses once per nested array or object, so a body of 100,000 ``[``
raises RecursionError: a 500 from the webhook service, a traceback from ``gongq erase``.
Documents deep enough to parse but far deeper than any Gong payload fail further down instead
(pydantic's serializer, ``json.dumps``, Redis' cjson stops at 1,000 levels). So every JSON
document a producer takes from outside is read through :func:`loads`, which refuses anything
nested more than :data:`MAX_DEPTH` levels with :class:`TooDeep`, while the caller can still say
which body or which line it was.
"""

from __future__ import annotations

import json
from typing import Any

#: Arrays and objects nested inside each other, at most. Gong payloads nest a handful of levels
#: (a filter object holding lists of ids); 64 leaves room for any of them.
MAX_DEPTH = 64


class TooDeep(ValueError):
    """A JSON document nests arrays and objects more than the limit allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"nested too deeply (more than {limit} levels of arrays and objects)")
        self.limit = limit


def exceeds_depth(value: Any, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests more than ``limit`` containers deep.

    Iterative, so it cannot itself run out of stack, and it stops at the first container past
    the limit.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads(document: str | bytes, *, limit: int = MAX_DEPTH) -> Any:
    """``json.loads(document)``, or :class:`TooDeep` past ``limit`` levels.

    Invalid JSON raises what ``json.loads`` raises (JSONDecodeError, UnicodeDecodeError).
    """
    try:
        value = json.loads(document)
    except RecursionError:
        raise TooDeep(limit) from None
    if exceeds_depth(value, limit):
        raise TooDeep(limit)
    return value
