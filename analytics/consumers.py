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

Sockets speak a small, strict protocol. A message that breaks it (a binary frame where text is
expected, more than ``MAX_MESSAGE_CHARS``, not JSON, not an object, an unknown type, a field of
the wrong type) is answered ``{"type": "error", "error": why}`` and the socket closes with
``CLOSE_BAD_MESSAGE`` (4400) and the same reason; nothing the client sends can crash a
consumer (which would close 1011). However a socket ends (a close, a crash, the server
cancelling it), it leaves its groups and the live hub: see ``_CleanExit``.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from analytics import selectors, services
from analytics.live import hub
from analytics.payloads import alert_payload
from analytics.selectors import access
from vms.realtime import camera_group, user_group

logger = logging.getLogger(__name__)

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
RESUME_LIMIT = 500
MAX_MESSAGE_CHARS = 64 * 1024
MAX_SUBSCRIBE_CAMERAS = 5000
MAX_ID = 2**63 - 1  # PostgreSQL bigint: a larger id would fail in the query, not here

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


class BadMessage(ValueError):
    """A client message outside the protocol; its text is what the client is told."""


def _no_constant(name: str):
    raise BadMessage(f"{name} is not a number")


def parse_message(text_data: str | None) -> dict:
    """The client's message as a dict with a string ``type``, or :class:`BadMessage`."""
    if text_data is None:
        raise BadMessage("binary messages are not accepted")
    if len(text_data) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"messages are limited to {MAX_MESSAGE_CHARS} characters")
    try:
        content = json.loads(text_data, parse_constant=_no_constant)
    except BadMessage:
        raise
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise BadMessage("messages must be JSON") from None
    if not isinstance(content, dict):
        raise BadMessage("a message must be a JSON object")
    if not isinstance(content.get("type"), str):
        raise BadMessage('a message needs a "type"')
    return content


def _is_id(value, *, minimum: int = 1) -> bool:
    # bool is an int in Python, not an id in JSON.
    return type(value) is int and minimum <= value <= MAX_ID


def _camera_ids(content: dict) -> set[int]:
    cameras = content.get("cameras", [])
    if (
        not isinstance(cameras, list)
        or len(cameras) > MAX_SUBSCRIBE_CAMERAS
        or not all(_is_id(c) for c in cameras)
    ):
        raise BadMessage(f"cameras must be a list of at most {MAX_SUBSCRIBE_CAMERAS} camera ids")
    return set(cameras)


def _after_id(content: dict) -> int:
    after_id = content.get("after_id", 0)
    if not _is_id(after_id, minimum=0):
        raise BadMessage("after_id must be an alert id (a non-negative integer)")
    return after_id


class _CleanExit:
    """However the consumer ends — a close, an abnormal disconnect, an exception in a handler,
    the server cancelling it — :meth:`_release` runs: the socket leaves its groups and the live
    hub, so nothing keeps feeding a socket that is gone. (Channels calls ``disconnect`` only
    when a ``websocket.disconnect`` arrives at a consumer that is still running.)"""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            try:
                await self._release()
            except Exception:  # Redis gone: its group entries expire by themselves
                logger.exception("websocket clean-up failed")

    async def _release(self) -> None:
        raise NotImplementedError

    async def _refuse_message(self, error: str) -> None:
        """Tell the client what was wrong with its message, then close the socket (4400)."""
        if self.closing:
            return
        self.closing = True
        await self._release()
        await self.send(text_data=json.dumps({"type": "error", "error": error}))
        await self.close(code=CLOSE_BAD_MESSAGE, reason=error[:120])


class AlertConsumer(_CleanExit, AsyncJsonWebsocketConsumer):
    """``/ws/alerts/``: new alerts and camera status changes, as JSON, as they commit.

    Client messages (anything else closes the socket with 4400, see the module doc):
    * ``{"type": "subscribe", "cameras": [ids]}`` — narrow to these cameras (default: all the
      user may see); ids outside the user's scope are refused and reported.
    * ``{"type": "resume", "after_id": N}`` — send every alert after id N the user missed.

    Server messages besides alerts: ``{"type": "access.changed", "cameras": [ids]}`` when the
    user's scope changed (the cameras they may see now; the wall drops the others).
    """

    user = None
    permitted: frozenset[int] | set[int] = frozenset()
    subscribed: frozenset[int] | set[int] = frozenset()
    wanted: set[int] | None = None  # None: follow every camera in scope
    closing = False

    async def connect(self) -> None:
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
        await self._release()

    async def _release(self) -> None:
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

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self.closing:
            return
        try:
            await self.receive_json(parse_message(text_data))
        except BadMessage as error:
            await self._refuse_message(str(error))

    async def receive_json(self, content, **kwargs) -> None:
        kind = content["type"]
        if kind == "subscribe":
            wanted = _camera_ids(content)
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
            after_id = _after_id(content)
            missed = await _missed_alerts(self.user, sorted(self.subscribed), after_id)
            for alert in missed:
                await self.send_json({"type": "alert", "alert": alert, "replayed": True})
            await self.send_json({"type": "resumed", "count": len(missed)})
        else:
            raise BadMessage("unknown message type")

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


class LiveFeedConsumer(_CleanExit, AsyncWebsocketConsumer):
    """``/ws/live/<camera_id>/``: the camera's anonymised JPEG frames as binary messages.

    Open only to users with the live-video capability (not the DPO) on an enabled camera in
    their scope; anything else is refused like a missing camera (4404). The socket closes
    (4404) as soon as that stops being true, or (4401) when the user is deactivated. The
    client sends nothing: a message closes the socket (4400).

    The frame pump owns the socket's place in the live hub (``hub.viewer``): stopping the
    pump, however it happens, takes the viewer out.
    """

    user = None
    pump: asyncio.Task | None = None
    closing = False

    async def connect(self) -> None:
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
        self.pump = asyncio.create_task(self._pump())

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        await self._refuse_message("the live socket takes no messages")

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
        async with hub.viewer(self.camera_id) as queue:
            while True:
                frame = await queue.get()
                await self.send(bytes_data=frame)

    async def _stop_frames(self) -> None:
        pump, self.pump = self.pump, None
        if pump is None:
            return
        pump.cancel()
        await asyncio.wait({pump})  # its viewer is out of the hub once it has finished
        if not pump.cancelled() and pump.exception() is not None:
            logger.error("live frame pump failed", exc_info=pump.exception())

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
        await self._release()

    async def _release(self) -> None:
        await self._stop_frames()
        await self._leave_groups()
