"""Gong REST API v2 simulator: Gong's paths, shapes, errors, pagination, auth and limits."""

from __future__ import annotations

from fastapi import APIRouter

from sandbox.gong import (
    routes_call_access,
    routes_call_content,
    routes_calls,
    routes_crm,
    routes_engagement,
    routes_flows,
    routes_meetings,
    routes_permissions,
    routes_privacy,
    routes_settings,
    routes_stats,
    routes_users,
)
from sandbox.gong.control import build_control_router
from sandbox.gong.http import route_class
from sandbox.gong.state import GongState

__all__ = ["GongState", "build_control_router", "build_router"]


def build_router(state: GongState) -> APIRouter:
    """Every simulated Gong endpoint, behind one gate (auth, faults, limits, log)."""
    router = APIRouter(route_class=route_class(state), tags=["gong"])
    # Fixed paths such as /v2/calls/manual-crm-associations register before /v2/calls/{id}.
    modules = (
        routes_users,
        routes_call_access,
        routes_call_content,
        routes_calls,
        routes_privacy,
        routes_flows,
        routes_meetings,
        routes_stats,
        routes_settings,
        routes_permissions,
        routes_crm,
        routes_engagement,
    )
    for module in modules:
        module.register(router, state)
    return router
