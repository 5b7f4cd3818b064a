"""Navigation that fits the user's role: each role sees only the pages it may open."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from accounts.roles import Role

WALL, ALERTS, REVIEW = "analytics:wall", "analytics:alert-list", "analytics:review"
CAMERAS, SITES = "cameras:camera-list", "cameras:site-list"
USERS, AUDIT, API = "accounts:user-list", "compliance:access-event-list", "api-docs"

LABELS = {
    WALL: "Live wall",
    ALERTS: "Alerts",
    REVIEW: "Review",
    CAMERAS: "Cameras",
    SITES: "Sites",
    USERS: "Users",
    AUDIT: "Audit trail",
    API: "API",
}

# What each role works with, in the order it works with it. Admins reach the zone editor
# from a camera's page; DPOs watch no live video but see alerts and their outcomes.
ROLE_NAVIGATION: dict[Role, list[str]] = {
    Role.GUARD: [WALL, ALERTS, CAMERAS],
    Role.SUPERVISOR: [WALL, ALERTS, REVIEW, CAMERAS, SITES],
    Role.DPO: [CAMERAS, SITES, ALERTS, AUDIT, API],
    Role.ADMIN: [WALL, CAMERAS, SITES, USERS, AUDIT, API],
}

# Roles whose day is the wall: they land on it after log-in and see the open-alert count.
WATCH_ROLES = (Role.GUARD, Role.SUPERVISOR)


def _url_exists(url_name: str) -> bool:
    # Pages other engineers have not merged yet must not break every page's rendering.
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def navigation_items(user) -> list[str]:
    """URL names of the user's navigation, for pages that exist in this build."""
    if user is None or not user.is_authenticated:
        return []
    role = user.role
    if role is None and user.is_superuser:
        role = Role.ADMIN
    return [name for name in ROLE_NAVIGATION.get(role, [CAMERAS]) if _url_exists(name)]


def landing_url_name(user) -> str:
    """Where log-in leads: the live wall for guards and supervisors, cameras otherwise."""
    if user.is_authenticated and user.role in WATCH_ROLES and _url_exists(WALL):
        return WALL
    return CAMERAS


def navigation(request) -> dict:
    """``nav_items``: dicts of ``url_name``, ``label`` and ``active`` (the current section);
    ``header_alerts``: the open-alert count and link, for guards and supervisors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None, "header_alerts": None}
    match = getattr(request, "resolver_match", None)
    current = _section(match.view_name if match else "")
    return {
        "nav_items": [
            {"url_name": name, "label": LABELS[name], "active": _section(name) == current}
            for name in navigation_items(user)
        ],
        "user_role": user.role,
        "header_alerts": _header_alerts(user),
    }


def _header_alerts(user) -> dict | None:
    if user.role not in WATCH_ROLES or not _url_exists(WALL):
        return None
    from analytics import selectors  # analytics imports accounts; keep this import lazy

    return {"count": selectors.open_alert_count(user=user), "url": reverse(WALL)}


def _section(view_name: str) -> str:
    """Pages of one section share a prefix: ``cameras:site-…`` is Sites, not Cameras; the
    analytics pages are the wall, the alerts (list and detail) and the review."""
    namespace, _, name = view_name.partition(":")
    if namespace == "cameras":
        return "sites" if name.startswith("site") else "cameras"
    if namespace == "analytics":
        if name.startswith("alert"):
            return "alerts"
        if name == "camera-zones":
            return "cameras"
        return name
    return namespace or view_name
