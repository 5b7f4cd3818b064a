"""Websockets for guards: live alerts and camera status, and the anonymised live feed.

Both refuse anonymous sockets (close code 4401) and reach cameras only through the
permission gate; a camera outside the user's scope is refused like a missing one (4404).

Scope follows access in real time. Every socket joins its user's group and the groups of the
cameras it delivers; a grant, revoke, role change or deactivation sends ``access.changed`` to
the user's group on commit, and a camera that moves site or is disabled sends it to the
camera's group. The socket then re-reads the user from the database (a long-lived user object
caches its permissions), recomputes its scope, and drops what left it: the alert socket leaves
camera groups and tells the page, the live socket closes (4404); a deactivated user's sockets
close with 4401.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from analytics import selectors, services
from analytics.live import hub
from analytics.payloads import alert_payload
from analytics.selectors import access
from vms.realtime import camera_group, user_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
RESUME_LIMIT = 500

_alert_camera_ids = database_sync_to_async(access.alert_socket_camera_ids)
_live_camera_permitted = database_sync_to_async(access.live_camera_permitted)
_socket_user = database_sync_to_async(access.socket_user)


async def _connecting_user(scope):
    """A fresh copy of the session's user, or ``None`` for anonymous or deactivated ones."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    return await _socket_user(user_id=user.pk)


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

    Server messages besides alerts: ``{"type": "access.changed", "cameras": [ids]}`` when the
    user's scope changed (the cameras they may see now; the wall drops the others).
    """

    async def connect(self) -> None:
        self.user = None
        self.permitted: set[int] = set()
        self.subscribed: set[int] = set()
        self.wanted: set[int] | None = None  # None: follow every camera in scope
        self.closing = False
        user = await _connecting_user(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        # Join the user's group before reading the scope: an access change that commits in
        # between is then queued for this socket, and handled right after connecting.
        # Personal events (an escalation sent to this user) reach every tab the same way.
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self.permitted = await _alert_camera_ids(user=user)
        await self.accept()
        await self._set_subscriptions(self.permitted)
        await self.send_json({"type": "hello", "cameras": sorted(self.subscribed)})

    async def disconnect(self, code) -> None:
        await self._leave_groups()

    async def _leave_groups(self) -> None:
        if self.user is not None:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        await self._set_subscriptions(set())

    async def _set_subscriptions(self, camera_ids: set[int]) -> None:
        for camera_id in self.subscribed - camera_ids:
            await self.channel_layer.group_discard(camera_group(camera_id), self.channel_name)
        for camera_id in camera_ids - self.subscribed:
            await self.channel_layer.group_add(camera_group(camera_id), self.channel_name)
        self.subscribed = set(camera_ids)

    async def _refresh_scope(self) -> bool:
        """Re-read the user and their scope; close (4401) and answer False when they are gone."""
        if self.closing:  # events queued before the close still arrive
            return False
        user = await _socket_user(user_id=self.user.pk)
        if user is None:
            self.closing = True
            await self._leave_groups()
            self.permitted = set()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.user = user
        self.permitted = await _alert_camera_ids(user=user)
        return True

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "subscribe":
            try:
                wanted = {int(c) for c in content.get("cameras", [])}
            except (TypeError, ValueError):
                await self.send_json({"type": "error", "error": "cameras must be a list of ids"})
                return
            if not await self._refresh_scope():
                return
            self.wanted = wanted
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

    async def access_changed(self, event) -> None:
        # From the user's group (a grant, revoke, role change, deactivation) or a camera's
        # (moved to another site, disabled): re-check everything, whichever it was.
        if not await self._refresh_scope():
            return
        wanted = self.permitted if self.wanted is None else self.wanted & self.permitted
        await self._set_subscriptions(wanted)
        await self.send_json({"type": "access.changed", "cameras": sorted(self.permitted)})

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
    """``/ws/live/<camera_id>/``: the camera's anonymised JPEG frames as binary messages.

    Open only to users with the live-video capability (not the DPO) on an enabled camera in
    their scope; anything else is refused like a missing camera (4404). The socket closes
    (4404) as soon as that stops being true, or (4401) when the user is deactivated.
    """

    async def connect(self) -> None:
        self.user = None
        self.queue = None
        self.pump = None
        self.closing = False
        self.camera_id = int(self.scope["url_route"]["kwargs"]["camera_id"])
        user = await _connecting_user(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        # Join before checking, so that a revocation committed meanwhile still reaches us.
        await self._join_groups()
        if not await _live_camera_permitted(user=user, camera_id=self.camera_id):
            await self._leave_groups()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await database_sync_to_async(services.live_view_record)(
            user=user, camera_id=self.camera_id, channel="websocket"
        )
        await self.accept()
        self.queue = await hub.subscribe(self.camera_id)
        self.pump = asyncio.create_task(self._pump())

    async def dispatch(self, message) -> None:
        # The user's and the camera's groups also carry alerts, camera status and
        # escalations, meant for the alert socket: a frame socket ignores what it has no
        # handler for instead of failing on it.
        if getattr(self, get_handler_name(message), None) is None:
            return
        await super().dispatch(message)

    async def _join_groups(self) -> None:
        await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        await self.channel_layer.group_add(camera_group(self.camera_id), self.channel_name)

    async def _leave_groups(self) -> None:
        if self.user is None:
            return
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        await self.channel_layer.group_discard(camera_group(self.camera_id), self.channel_name)

    async def _pump(self) -> None:
        while True:
            frame = await self.queue.get()
            await self.send(bytes_data=frame)

    async def _stop_frames(self) -> None:
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump
            self.pump = None
        if self.queue is not None:
            await hub.unsubscribe(self.camera_id, self.queue)
            self.queue = None

    async def access_changed(self, event) -> None:
        if self.closing:  # events queued before the close still arrive
            return
        user = await _socket_user(user_id=self.user.pk)
        if user is None:
            code = CLOSE_UNAUTHENTICATED
        elif not await _live_camera_permitted(user=user, camera_id=self.camera_id):
            code = CLOSE_NOT_FOUND
        else:
            self.user = user
            return
        # No frame may follow the decision: stop the pump before saying goodbye.
        self.closing = True
        await self._stop_frames()
        await self._leave_groups()
        await self.close(code=code)

    async def disconnect(self, code) -> None:
        await self._stop_frames()
        await self._leave_groups()
