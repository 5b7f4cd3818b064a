"""Websockets for guards: live alerts and camera status, and the anonymised live feed.

Both refuse anonymous sockets (close code 4401) and reach cameras only through the
permission gate; a camera outside the user's scope is refused like a missing one (4404).
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from analytics import selectors, services
from analytics.live import hub
from analytics.payloads import alert_payload
from cameras.models import Camera
from vms.realtime import camera_group, user_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
RESUME_LIMIT = 500


@database_sync_to_async
def _permitted_camera_ids(user) -> set[int]:
    return set(Camera.objects.restrict(user, "view").values_list("pk", flat=True))


@database_sync_to_async
def _missed_alerts(user, camera_ids, after_id: int) -> list[dict]:
    alerts = selectors.alert_list(
        user=user, camera_ids=camera_ids, after_id=after_id, limit=RESUME_LIMIT
    )
    return [alert_payload(alert) for alert in alerts]


class AlertConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/alerts/``: new alerts and camera status changes, as JSON, as they commit.

    Client messages:
    * ``{"type": "subscribe", "cameras": [ids]}`` — narrow to these cameras (default: all the
      user may see); ids outside the user's scope are refused and reported.
    * ``{"type": "resume", "after_id": N}`` — send every alert after id N the user missed.
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.permitted = await _permitted_camera_ids(user)
        self.subscribed: set[int] = set()
        await self.accept()
        # Personal events (an escalation sent to this user, access changes) reach every tab.
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        await self._set_subscriptions(self.permitted)
        await self.send_json({"type": "hello", "cameras": sorted(self.subscribed)})

    async def disconnect(self, code) -> None:
        if getattr(self, "user", None) is not None:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        for camera_id in getattr(self, "subscribed", set()):
            await self.channel_layer.group_discard(camera_group(camera_id), self.channel_name)

    async def _set_subscriptions(self, camera_ids: set[int]) -> None:
        for camera_id in self.subscribed - camera_ids:
            await self.channel_layer.group_discard(camera_group(camera_id), self.channel_name)
        for camera_id in camera_ids - self.subscribed:
            await self.channel_layer.group_add(camera_group(camera_id), self.channel_name)
        self.subscribed = set(camera_ids)

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "subscribe":
            try:
                wanted = {int(c) for c in content.get("cameras", [])}
            except (TypeError, ValueError):
                await self.send_json({"type": "error", "error": "cameras must be a list of ids"})
                return
            # Re-check: access may have changed since the socket opened.
            self.permitted = await _permitted_camera_ids(self.user)
            refused = wanted - self.permitted
            await self._set_subscriptions(wanted & self.permitted)
            await self.send_json(
                {
                    "type": "subscribed",
                    "cameras": sorted(self.subscribed),
                    "refused": sorted(refused),
                }
            )
        elif kind == "resume":
            try:
                after_id = int(content.get("after_id", 0))
            except (TypeError, ValueError):
                await self.send_json({"type": "error", "error": "after_id must be an integer"})
                return
            missed = await _missed_alerts(self.user, sorted(self.subscribed), after_id)
            for alert in missed:
                await self.send_json({"type": "alert", "alert": alert, "replayed": True})
            await self.send_json({"type": "resumed", "count": len(missed)})
        else:
            await self.send_json({"type": "error", "error": "unknown message type"})

    async def alert_created(self, event) -> None:
        if event["alert"]["camera"]["id"] in self.subscribed:
            await self.send_json({"type": "alert", "alert": event["alert"]})

    async def alert_updated(self, event) -> None:
        # A person decided on an alert (acknowledged, confirmed, dismissed, escalated).
        if event["alert"]["camera"]["id"] in self.subscribed:
            await self.send_json({"type": "alert.updated", "alert": event["alert"]})

    async def alert_escalated(self, event) -> None:
        # Sent to the supervisor's own group; still only for a camera they may see.
        if event["alert"]["camera"]["id"] in self.permitted:
            await self.send_json({"type": "alert.escalated", "alert": event["alert"]})

    async def camera_status(self, event) -> None:
        if event["camera"]["id"] in self.subscribed:
            await self.send_json({"type": "camera.status", "camera": event["camera"]})


class LiveFeedConsumer(AsyncWebsocketConsumer):
    """``/ws/live/<camera_id>/``: the camera's anonymised JPEG frames as binary messages."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.camera_id = int(self.scope["url_route"]["kwargs"]["camera_id"])
        self.queue = None
        if self.camera_id not in await _permitted_camera_ids(user):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await database_sync_to_async(services.live_view_record)(
            user=user, camera_id=self.camera_id, channel="websocket"
        )
        await self.accept()
        self.queue = await hub.subscribe(self.camera_id)
        self.pump = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        while True:
            frame = await self.queue.get()
            await self.send(bytes_data=frame)

    async def disconnect(self, code) -> None:
        if getattr(self, "queue", None) is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump
            await hub.unsubscribe(self.camera_id, self.queue)
