"""Real-time push: a service commits, then the channel layer tells the permitted sockets.

Consumers join one group per camera they may see (checked through the permission gate when
they subscribe), so fan-out reaches only permitted users.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def camera_group(camera_id: int) -> str:
    return f"veil.camera.{camera_id}"


def send_to_camera_on_commit(camera_id: int, event: dict) -> None:
    """Send ``event`` to everyone watching ``camera_id`` once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(camera_group(camera_id), event)

    transaction.on_commit(send)
