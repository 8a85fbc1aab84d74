"""Gong REST API v2 simulator: Gong's paths, shapes, errors, pagination, auth and limits."""

from __future__ import annotations

from fastapi import APIRouter

from sandbox.gong import routes_calls, routes_flows, routes_meetings, routes_privacy, routes_users
from sandbox.gong.control import build_control_router
from sandbox.gong.http import route_class
from sandbox.gong.state import GongState

__all__ = ["GongState", "build_control_router", "build_router"]


def build_router(state: GongState) -> APIRouter:
    """Every simulated Gong endpoint, behind one gate (auth, faults, limits, log)."""
    router = APIRouter(route_class=route_class(state), tags=["gong"])
    for module in (routes_users, routes_calls, routes_privacy, routes_flows, routes_meetings):
        module.register(router, state)
    return router
