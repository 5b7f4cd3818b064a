"""Navigation derived from what the user may do: each menu item names the permission that opens
its page, so a role's menu follows its permissions (``accounts.roles``) and nothing here knows a
role's name."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from vms.permissions import Perm, has_permission

WALL, ALERTS, REVIEW = "analytics:wall", "analytics:alert-list", "analytics:review"
CAMERAS, SITES = "cameras:camera-list", "cameras:site-list"
USERS, AUDIT, API = "accounts:user-list", "compliance:access-event-list", "api-docs"
HOLDS = "privacy:hold-list"
UNMASK = "privacy:unmask-home"
DASHBOARD, REPORTS = "compliance:dashboard", "compliance:report-list"
REQUESTS, REGISTERS = "privacy:request-list", "privacy:register-index"
SIGNS, RECORDS = "privacy:sign-list", "privacy:records"


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    #: The permissions that open the page, any one of them; empty: every logged-in user (the
    #: page shows what the user's scope holds).
    opened_by: tuple[str, ...] = ()

    def opens_for(self, user) -> bool:
        return not self.opened_by or any(has_permission(user, p) for p in self.opened_by)


# In the order people work with them. Model-level permissions (no object) are the roles that
# oversee or configure the whole estate; guards and supervisors reach their sites' pages from
# their cameras. Admins reach the zone editor from a camera's page.
MENU: tuple[MenuItem, ...] = (
    MenuItem(DASHBOARD, "Dashboard", (Perm.RUN_REPORT,)),
    MenuItem(WALL, "Live wall", (Perm.VIEW_LIVE_VIDEO,)),
    MenuItem(ALERTS, "Alerts", (Perm.TRIAGE_ALERT, "analytics.view_alert")),
    MenuItem(REVIEW, "Review", (Perm.TUNE_RULE, "analytics.view_alert")),
    MenuItem(CAMERAS, "Cameras"),
    MenuItem(SITES, "Sites", ("cameras.view_site",)),
    MenuItem(USERS, "Users", ("accounts.change_user",)),
    MenuItem(AUDIT, "Audit trail", ("compliance.view_accessevent",)),
    MenuItem(REPORTS, "Reports", (Perm.RUN_REPORT,)),
    MenuItem(HOLDS, "Legal holds", (Perm.PLACE_LEGAL_HOLD, "privacy.view_legalhold")),
    MenuItem(
        UNMASK, "Un-masks", (Perm.REQUEST_UNMASK, Perm.APPROVE_UNMASK, "privacy.view_unmaskgrant")
    ),
    MenuItem(REQUESTS, "Access requests", ("privacy.view_subjectaccessrequest",)),
    MenuItem(REGISTERS, "Registers", ("privacy.view_breach",)),
    MenuItem(RECORDS, "Records", (Perm.RUN_REPORT,)),  # of processing; self-assessments
    MenuItem(SIGNS, "Signs", ("privacy.view_sign",)),
    # The API serves integrations over the whole estate.
    MenuItem(API, "API", ("cameras.view_camera",)),
)


def _url_exists(url_name: str) -> bool:
    # Pages other engineers have not merged yet must not break every page's rendering.
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def navigation_items(user) -> list[MenuItem]:
    """The menu items ``user``'s permissions open, for pages that exist in this build."""
    if user is None or not user.is_authenticated:
        return []
    return [item for item in MENU if item.opens_for(user) and _url_exists(item.url_name)]


def landing_url_name(user) -> str:
    """Where log-in leads: the live wall for those who watch and triage (guards, supervisors),
    the compliance dashboard for those who answer for the trail (DPO), the cameras for
    everyone else (Admin)."""
    if has_permission(user, Perm.RUN_REPORT) and _url_exists(DASHBOARD):
        return DASHBOARD
    watches = has_permission(user, Perm.VIEW_LIVE_VIDEO) and has_permission(user, Perm.TRIAGE_ALERT)
    return WALL if watches and _url_exists(WALL) else CAMERAS


def navigation(request) -> dict:
    """``nav_items``: dicts of ``url_name``, ``label`` and ``active`` (the current section);
    ``user_role``: the role's label for the header; ``mfa_pending``: the user has still to
    verify their second factor (``vms.middleware.mfa``), so the page shows no navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None, "mfa_pending": False}
    if getattr(request, "mfa_pending", False):
        return {"nav_items": [], "user_role": user.role, "mfa_pending": True}
    match = getattr(request, "resolver_match", None)
    current = _section(match.view_name if match else "")
    return {
        "nav_items": [
            {
                "url_name": item.url_name,
                "label": item.label,
                "active": _section(item.url_name) == current,
            }
            for item in navigation_items(user)
        ],
        "user_role": user.role,
        "mfa_pending": False,
    }


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
    if namespace == "compliance":
        return "dashboard" if name == "dashboard" else ("reports" if "report" in name else "audit")
    return namespace or view_name
