"""Reads of the cameras app. Every one goes through the permission gate."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cameras.models import Camera, Site
from vms.permissions import get_restricted_or_404


def site_list(*, user, action: str = "view") -> QuerySet[Site]:
    """Sites the user may act on."""
    return Site.objects.restrict(user, action)


def site_get(*, user, pk, action: str = "view") -> Site:
    """One site, or 404 if it is missing or hidden from the user."""
    return get_restricted_or_404(Site.objects.all(), user, action, pk=pk)


def camera_list(
    *,
    user,
    action: str = "view",
    search: str = "",
    site_id=None,
    status: str = "",
    enabled: bool | None = None,
) -> QuerySet[Camera]:
    """Cameras the user may act on, optionally filtered and searched by name or site."""
    cameras = Camera.objects.restrict(user, action).select_related("site")
    if search:
        cameras = cameras.filter(Q(name__icontains=search) | Q(site__name__icontains=search))
    if site_id:
        cameras = cameras.filter(site_id=site_id)
    if status:
        cameras = cameras.filter(status=status)
    if enabled is not None:
        cameras = cameras.filter(enabled=enabled)
    return cameras


def camera_get(*, user, pk, action: str = "view") -> Camera:
    """One camera, or 404 if it is missing or hidden from the user."""
    return get_restricted_or_404(Camera.objects.select_related("site"), user, action, pk=pk)


def camera_for_change(*, user, camera: Camera | int) -> Camera:
    """The camera, locked until the transaction ends, if ``user`` may change it; the 404 of a
    missing camera otherwise. For services that write what hangs on a camera (zones, rules,
    privacy masks): concurrent edits of one camera's configuration run one after the other."""
    camera_id = camera.pk if isinstance(camera, Camera) else camera
    return get_restricted_or_404(Camera.objects.select_for_update(no_key=True), user, "change", pk=camera_id)
