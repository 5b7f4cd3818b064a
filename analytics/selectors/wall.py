"""Reads for the guard's live wall: which cameras, which sites, which alerts are still open.

Everything goes through the permission gate; sites are derived from the cameras the user may
see, so a guard granted a single camera can filter by its site without seeing the site page.
"""

from __future__ import annotations

from django.db.models import QuerySet

from analytics.models import Alert
from cameras.models import Camera, Site

# The wall keeps the ids of open alerts in the page to count them exactly as they are
# decided; past this many a camera's backlog is a problem for people, not for the page.
OPEN_ALERT_ID_LIMIT = 10_000


def wall_cameras(*, user, site_id: int | None = None) -> QuerySet[Camera]:
    """Enabled cameras the user may view, in wall order (site, then name)."""
    cameras = Camera.objects.restrict(user, "view").filter(enabled=True).select_related("site")
    if site_id is not None:
        cameras = cameras.filter(site_id=site_id)
    return cameras.order_by("site__name", "name", "pk")


def wall_sites(*, user) -> QuerySet[Site]:
    """Sites that hold at least one camera of the user's wall."""
    return Site.objects.filter(pk__in=wall_cameras(user=user).values("site_id")).order_by("name")


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


def open_alert_count(*, user) -> int:
    """How many alerts the user may see are still open (for the header indicator)."""
    return Alert.objects.restrict(user, "view").filter(status=Alert.Status.OPEN).count()


def last_alert_id(*, user, camera_ids) -> int:
    """The newest alert id the user may see: the wall resumes its socket after it."""
    newest = (
        Alert.objects.restrict(user, "view")
        .filter(camera_id__in=list(camera_ids))
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest or 0
