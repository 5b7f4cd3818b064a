"""The guard's live wall: a grid of anonymised live feeds and the live alert panel.

Only for holders of ``Perm.VIEW_LIVE_VIDEO`` (guards, supervisors, admins). The page is
rendered whole on the server (cameras, their status, open-alert counts and the newest open
alerts), so it is useful without JavaScript; ``static/js/console/`` then opens one
websocket per visible tile (``/ws/live/<id>/``) and one for alerts (``/ws/alerts/``).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from analytics import selectors, services
from analytics.models import Alert
from vms.permissions import Perm, permission_required

LAYOUTS = (1, 4, 9, 16)
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


@require_GET
@permission_required(Perm.VIEW_LIVE_VIDEO)
def wall(request):
    """The wall, for holders of ``Perm.VIEW_LIVE_VIDEO`` (a DPO gets the 404 of a missing
    page: DPOs oversee, they do not watch)."""
    user = request.user
    sites = list(selectors.wall_sites(user=user))
    site_id = _site_filter(request, sites)
    cameras = list(selectors.wall_cameras(user=user, site_id=site_id))
    camera_ids = [camera.pk for camera in cameras]
    open_ids = selectors.open_alert_ids_by_camera(user=user, camera_ids=camera_ids)
    for camera in cameras:
        camera.open_alert_count = len(open_ids.get(camera.pk, []))
    detail_pattern = _alert_detail_pattern()
    alerts = list(
        selectors.alert_list(
            user=user, camera_ids=camera_ids, status=Alert.Status.OPEN, limit=PANEL_ALERTS
        )
    )
    for alert in alerts:
        alert.detail_url = detail_pattern.replace("{id}", str(alert.pk)) if detail_pattern else ""
    # The panel's thumbnails: one access event for the list, not one per image.
    services.alert_thumbnails_shown_record(user=user, alerts=alerts, view="wall", request=request)
    open_count = sum(len(ids) for ids in open_ids.values())
    config = {
        "username": user.get_username(),
        "layouts": list(LAYOUTS),
        "defaultLayout": DEFAULT_LAYOUT,
        "cameraIds": camera_ids,
        "siteFiltered": site_id is not None,
        "openAlertIds": {str(camera_id): ids for camera_id, ids in open_ids.items()},
        "lastAlertId": selectors.last_alert_id(user=user, camera_ids=camera_ids),
        "alertDetailUrl": detail_pattern,
        "panelLimit": 100,
    }
    return render(
        request,
        "console/wall.html",
        {
            "cameras": cameras,
            "sites": sites,
            "site_id": site_id,
            "alerts": alerts,
            "open_count": open_count,
            "layouts": LAYOUTS,
            "wall_config": config,
        },
    )
