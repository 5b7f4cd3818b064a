"""The JSON shapes of cameras pushed to browsers. One place, so sockets and pages agree."""

from __future__ import annotations

from cameras.models import Camera


def camera_status_payload(camera: Camera) -> dict:
    return {
        "id": camera.pk,
        "name": camera.name,
        "status": camera.status,
        "status_message": camera.status_message,
        "last_seen_at": camera.last_seen_at.isoformat() if camera.last_seen_at else None,
    }
