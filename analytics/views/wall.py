"""The guard's live wall: a grid of anonymised live feeds and the live alert panel.

Only for holders of ``Perm.VIEW_LIVE_VIDEO`` (guards, supervisors, admins). The page is
rendered on the server (cameras, their status, open-alert counts and the newest open
alerts), so it is useful without JavaScript; ``static/js/console/`` then opens one
websocket per visible tile (``/ws/live/<id>/``) and one for alerts (``/ws/alerts/``).

At 10 000 cameras the server pages and filters the wall: a page holds at most
``WALL_PAGE_SIZE`` tiles (a multiple of every layout, so the browser's own pages of 1, 4, 9 or
16 tiles divide it exactly), filtered by site, camera status, "with open alerts" and a search
on camera or site name; only that page's cameras and their open alerts are in the page.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from analytics import selectors, services
from analytics.models import Alert
from cameras.models import CameraStatus
from vms.permissions import Perm, permission_required

LAYOUTS = (1, 4, 9, 16)
WALL_PAGE_SIZE = 144  # 9 × 16: whole browser pages in every layout
DEFAULT_LAYOUT = 9
PANEL_ALERTS = 30
# Stands in for an alert id in a reversed URL, so the page's script can fill in real ones.
ID_PLACEHOLDER = 2147483647


def _alert_detail_pattern() -> str:
    """The alert detail URL with ``{id}`` for the id, or "" until that page exists."""
    try:
        url = reverse("analytics:alert-detail", args=[ID_PLACEHOLDER])
    except NoReverseMatch:
        return ""
    return url.replace(str(ID_PLACEHOLDER), "{id}")


def _site_filter(request, sites) -> int | None:
    raw = request.GET.get("site") or ""
    if not raw:
        return None
    try:
        site_id = int(raw)
    except ValueError as exc:
        raise Http404("No site matches the given query.") from exc
    # A site outside the wall's scope answers like a missing one.
    if not any(site.pk == site_id for site in sites):
        raise Http404("No site matches the given query.")
    return site_id


class WallFilterForm(forms.Form):
    """The wall's narrowing, besides the site: what a guard looks for among many cameras."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *CameraStatus.choices], label="Status"
    )
    open = forms.BooleanField(required=False, label="With open alerts")
    q = forms.CharField(required=False, max_length=100, label="Search")

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or "",
            "with_open_alerts": bool(data.get("open")),
            "search": (data.get("q") or "").strip(),
        }


@require_GET
@permission_required(Perm.VIEW_LIVE_VIDEO)
def wall(request):
    """The wall, for holders of ``Perm.VIEW_LIVE_VIDEO`` (a DPO gets the 404 of a missing
    page: DPOs oversee, they do not watch)."""
    user = request.user
    sites = list(selectors.wall_sites(user=user))
    site_id = _site_filter(request, sites)
    filters = WallFilterForm(request.GET or None)
    matching = selectors.wall_cameras(user=user, site_id=site_id, **filters.values())
    page = Paginator(matching, WALL_PAGE_SIZE).get_page(request.GET.get("page"))
    cameras = list(page.object_list)
    camera_ids = [camera.pk for camera in cameras]
    open_ids = selectors.open_alert_ids_by_camera(user=user, camera_ids=camera_ids)
    for camera in cameras:
        camera.open_alert_count = len(open_ids.get(camera.pk, []))
    # The alert socket and panel follow the site filter (every camera of the site, not only
    # this page's tiles); without one, every camera the user may see.
    site_camera_ids = (
        list(selectors.wall_cameras(user=user, site_id=site_id).values_list("pk", flat=True))
        if site_id is not None
        else None
    )
    detail_pattern = _alert_detail_pattern()
    alerts = list(
        selectors.alert_list(
            user=user,
            camera_ids=site_camera_ids,
            status=Alert.Status.OPEN,
            limit=PANEL_ALERTS,
            enabled_cameras=True,
        )
    )
    for alert in alerts:
        alert.detail_url = detail_pattern.replace("{id}", str(alert.pk)) if detail_pattern else ""
    # The panel's thumbnails: one access event for the list, not one per image.
    services.alert_thumbnails_shown_record(user=user, alerts=alerts, view="wall", request=request)
    open_count = selectors.open_alert_count(user=user, wall=True, wall_site_id=site_id)
    config = {
        "username": user.get_username(),
        "layouts": list(LAYOUTS),
        "defaultLayout": DEFAULT_LAYOUT,
        "cameraIds": site_camera_ids if site_camera_ids is not None else camera_ids,
        "siteFiltered": site_id is not None,
        "openAlertIds": {str(camera_id): ids for camera_id, ids in open_ids.items()},
        "openCount": open_count,
        "lastAlertId": selectors.last_alert_id(user=user, camera_ids=site_camera_ids),
        "alertDetailUrl": detail_pattern,
        "panelLimit": 100,
    }
    return render(
        request,
        "console/wall.html",
        {
            "cameras": cameras,
            "page": page,
            "filters": filters,
            "sites": sites,
            "site_id": site_id,
            "alerts": alerts,
            "open_count": open_count,
            "layouts": LAYOUTS,
            "wall_config": config,
        },
    )
