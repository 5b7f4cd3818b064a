"""Navigation that fits the user's role: each role sees only the pages it may open."""

from __future__ import annotations

from accounts.roles import Role


def navigation(request) -> dict:
    """``nav_items``: dicts of ``url_name``, ``label`` and ``active`` (the current section)."""
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
    match = getattr(request, "resolver_match", None)
    current = _section(match.view_name if match else "")
    return {
        "nav_items": [
            {"url_name": name, "label": label, "active": _section(name) == current}
            for name, label in items
        ],
        "user_role": role,
    }


def _section(view_name: str) -> str:
    """Pages of one section share a prefix: ``cameras:site-…`` is Sites, not Cameras."""
    namespace, _, name = view_name.partition(":")
    if namespace == "cameras":
        return "sites" if name.startswith("site") else "cameras"
    return namespace or view_name
