"""Reads for the guard's live wall: which cameras, which sites, which alerts are still open.

Everything goes through the permission gate; sites are derived from the cameras the user may
see, so a guard granted a single camera can filter by its site without seeing the site page.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from analytics.models import Alert
from cameras.models import Camera, Site

# The wall keeps the ids of open alerts in the page to count them exactly as they are
# decided; past this many a camera's backlog is a problem for people, not for the page.
OPEN_ALERT_ID_LIMIT = 10_000


def wall_cameras(
    *,
    user,
    site_id: int | None = None,
    status: str = "",
    with_open_alerts: bool = False,
    search: str = "",
) -> QuerySet[Camera]:
    """Enabled cameras the user may view, in wall order (site, then name), narrowed by site,
    camera status, "with open alerts" and a search on camera or site name."""
    cameras = Camera.objects.restrict(user, "view").filter(enabled=True).select_related("site")
    if site_id is not None:
        cameras = cameras.filter(site_id=site_id)
    if status:
        cameras = cameras.filter(status=status)
    if with_open_alerts:
        open_alerts = Alert.objects.restrict(user, "view").filter(
            camera=OuterRef("pk"), status=Alert.Status.OPEN
        )
        cameras = cameras.filter(Exists(open_alerts))
    if search:
        cameras = cameras.filter(Q(name__icontains=search) | Q(site__name__icontains=search))
    return cameras.order_by("site__name", "name", "pk")


def wall_sites(*, user) -> QuerySet[Site]:
    """Sites that hold at least one camera of the user's wall."""
    cameras = wall_cameras(user=user).order_by().values("site_id")
    return Site.objects.filter(pk__in=cameras).order_by("name")


def open_alert_ids_by_camera(*, user, camera_ids) -> dict[int, list[int]]:
    """Ids of the open (unacknowledged) alerts per camera, newest first, within scope."""
    rows = (
        Alert.objects.restrict(user, "view")
        .filter(status=Alert.Status.OPEN, camera_id__in=list(camera_ids))
        .order_by("-pk")
        .values_list("pk", "camera_id")[:OPEN_ALERT_ID_LIMIT]
    )
    by_camera: dict[int, list[int]] = {}
    for alert_id, camera_id in rows:
        by_camera.setdefault(camera_id, []).append(alert_id)
    return by_camera


def open_alert_count(*, user, wall_site_id: int | None = None, wall: bool = False) -> int:
    """How many alerts the user may see are still open (for the header indicator); ``wall``:
    only those of enabled cameras (the wall's), ``wall_site_id``: of one site's.

    Served by the partial index of open alerts by camera: a backlog, not the whole history."""
    alerts = Alert.objects.restrict(user, "view").filter(status=Alert.Status.OPEN)
    if wall or wall_site_id is not None:
        alerts = alerts.filter(camera__enabled=True)
    if wall_site_id is not None:
        alerts = alerts.filter(camera__site_id=wall_site_id)
    return alerts.count()


def last_alert_id(*, user, camera_ids=None) -> int:
    """The newest alert id the user may see (of ``camera_ids``, when given): the wall
    resumes its socket after it."""
    alerts = Alert.objects.restrict(user, "view")
    if camera_ids is not None:
        alerts = alerts.filter(camera_id__in=list(camera_ids))
    return alerts.order_by("-pk").values_list("pk", flat=True).first() or 0
