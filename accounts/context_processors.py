"""Navigation that fits the user's role: each role sees only the pages it may open."""

from __future__ import annotations

from accounts.roles import Role


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None}
    role = user.role
    items = [("cameras:camera-list", "Cameras")]
    if user.has_perm("cameras.view_site") or role in (Role.GUARD, Role.SUPERVISOR):
        items.append(("cameras:site-list", "Sites"))
    if user.has_perm("accounts.change_user"):
        items.append(("accounts:user-list", "Users"))
    if user.has_perm("compliance.view_accessevent"):
        items.append(("compliance:access-event-list", "Audit trail"))
    if user.has_perm("cameras.view_camera"):
        items.append(("api-docs", "API"))
    return {"nav_items": items, "user_role": role}
