"""What an open socket may still deliver: re-read on connect and on every access change.

A socket lives for hours; the user object it was opened with caches its permissions
(``_perm_cache`` and friends on the instance, guardian's checkers). Every check here therefore
starts from :func:`socket_user`, a fresh copy of the user read from the database.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cameras.models import Camera
from vms.permissions import Perm, has_permission


def socket_user(*, user_id: int):
    """The user as the database has it now (no cached permissions), or ``None`` when the
    account is gone or deactivated: its sockets must close."""
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def alert_socket_camera_ids(*, user) -> set[int]:
    """Cameras whose alerts and status the user's alert socket may receive: every camera the
    user may view, enabled or not (a disabled camera's past alerts are still theirs to see)."""
    return set(Camera.objects.restrict(user, "view").values_list("pk", flat=True))


def live_camera_permitted(*, user, camera_id: int) -> bool:
    """Whether the user may watch this camera's live feed now: the live-video capability
    (a DPO oversees and does not watch), the camera in scope, and the camera in use."""
    if not has_permission(user, Perm.VIEW_LIVE_VIDEO):
        return False
    cameras = Camera.objects.restrict(user, "view").filter(enabled=True)
    return cameras.filter(pk=camera_id).exists()
