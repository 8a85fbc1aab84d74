"""The operation catalog: what producers may enqueue and what a task stores as its result.

One typed operation per Composio Gong tool (53), grouped by Gong area in the modules of this
package, plus the free-form ``ask``. Each has a payload model (what producers validate before
enqueueing, field aliases = Composio argument names), a result model (what the worker keeps),
its kind (read, write, destructive), its Composio slug and its priority lane.
"""

from __future__ import annotations

import difflib

from worker.errors import UnknownOperation
from worker.operations import (
    ask,
    calls,
    crm,
    engagement,
    flows,
    library,
    meetings,
    permissions,
    privacy,
    stats,
    users,
)
from worker.operations.ask import AskPayload, AskResult
from worker.operations.base import (
    Email,
    Lane,
    NoArguments,
    Operation,
    OperationKind,
    Payload,
    Phone,
    Result,
)
from worker.operations.calls import AddCallPayload, AddCallResult
from worker.operations.flows import AssignProspectsPayload, AssignProspectsResult
from worker.operations.privacy import (
    EmailAddressPayload,
    EraseEmailPayload,
    ErasePhonePayload,
    ErasureResult,
    PhoneNumberPayload,
    PrivacyDataResult,
)
from worker.operations.users import ListUsersPayload, ListUsersResult

__all__ = [
    "CATALOG",
    "AddCallPayload",
    "AddCallResult",
    "AskPayload",
    "AskResult",
    "AssignProspectsPayload",
    "AssignProspectsResult",
    "Email",
    "EmailAddressPayload",
    "EraseEmailPayload",
    "ErasePhonePayload",
    "ErasureResult",
    "Lane",
    "ListUsersPayload",
    "ListUsersResult",
    "NoArguments",
    "Operation",
    "OperationKind",
    "Payload",
    "Phone",
    "PhoneNumberPayload",
    "PrivacyDataResult",
    "Result",
    "by_slug",
    "get_operation",
    "unknown_operation_message",
]

CATALOG: dict[str, Operation] = {
    op.name: op
    for module in (calls, privacy, flows, meetings, users, stats, crm, permissions, engagement, library, ask)
    for op in module.OPERATIONS
}


def get_operation(name: str) -> Operation:
    """The catalog entry for ``name``; unknown names are a permanent, clearly worded error."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownOperation(unknown_operation_message(name)) from None


def unknown_operation_message(name: str) -> str:
    """Why ``name`` is refused, suggesting the closest names (a typo is the usual cause, and a
    list of every operation hides the one that was meant)."""
    close = difflib.get_close_matches(name, CATALOG, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown operation {name!r}{hint} (`gongq ops` lists the {len(CATALOG)} operations)"


def by_slug(slug: str) -> Operation | None:
    """The typed operation that runs Composio tool ``slug`` (``None`` for unknown slugs)."""
    return next((op for op in CATALOG.values() if op.slugs == (slug,)), None)
