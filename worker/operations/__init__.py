"""The operation catalog: what producers may enqueue and what a task stores as its result.

One typed operation per Composio Gong tool (53), grouped by Gong area in the modules of this
package, plus the free-form ``ask``. Each has a payload model (what producers validate before
enqueueing, field aliases = Composio argument names), a result model (what the worker keeps),
its kind (read, write, destructive), its Composio slug and its priority lane.
"""

from __future__ import annotations

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
        known = ", ".join(sorted(CATALOG))
        raise UnknownOperation(f"unknown operation {name!r}; known operations: {known}") from None


def by_slug(slug: str) -> Operation | None:
    """The typed operation that runs Composio tool ``slug`` (``None`` for unknown slugs)."""
    return next((op for op in CATALOG.values() if op.slugs == (slug,)), None)
