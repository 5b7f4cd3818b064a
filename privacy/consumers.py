"""``/ws/unmask/<grant>/<camera>/``: the un-masked view's socket.

Open only to the grant's requester, while the grant is active and covers the camera (anything
else closes 4404, like a missing one). For a live grant it carries the camera's original live
frames, each watermarked here with the viewer's name and the time; for a recorded grant it
carries nothing and only tells the player when to stop. The socket closes (4404) the moment
the grant ends: revoked (the service pushes ``unmask.ended`` to the user's sockets on commit),
expired (a timer at its expiry), or the user's access changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import cv2
import numpy as np
import redis.asyncio as aioredis
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.models import UnmaskGrant
from privacy.selectors import unmask_active_grant
from privacy.services.unmask_viewing import viewer_label
from privacy.watermark import watermark_frame
from vms.realtime import live_original_channel, user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _open_grant(*, user_id: int, grant_id: int, camera_id: int):
    """(user, grant) while the grant is open to the user for the camera, else ``None``."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    mode = (
        UnmaskGrant.objects.filter(pk=grant_id, requester=user)
        .values_list("mode", flat=True)
        .first()
    )
    try:
        grant, _ = unmask_active_grant(
            user=user, grant_id=grant_id, camera_id=camera_id, mode=mode or ""
        )
    except Http404:
        return None
    return user, grant


@database_sync_to_async
def _record_live_view(*, user, grant, camera_id: int, started, ended) -> None:
    access_event_record(
        kind=AccessKind.UNMASK,
        actor=user,
        reason=grant.reason,
        data={
            "grant": grant.pk,
            "camera": camera_id,
            "from": started.isoformat(),
            "to": ended.isoformat() if ended else None,
            "seconds": round((ended - started).total_seconds(), 3) if ended else 0,
            "track": "original",
            "live": True,
        },
    )


def _watermarked_jpeg(jpeg: bytes, viewer: str) -> bytes | None:
    frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        return None
    now = timezone.now()
    watermark_frame(frame, viewer=viewer, viewed_at=now, captured_at=now)
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return encoded.tobytes() if ok else None


class UnmaskConsumer(AsyncWebsocketConsumer):
    user = None
    grant = None
    pump: asyncio.Task | None = None
    deadline: asyncio.Task | None = None
    closing = False
    started = None

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.grant_id, self.camera_id = int(kwargs["grant_id"]), int(kwargs["camera_id"])
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        # Join before checking, so that a revocation committed meanwhile still reaches us.
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        opened = await _open_grant(
            user_id=user.pk, grant_id=self.grant_id, camera_id=self.camera_id
        )
        if opened is None:
            await self._leave()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.user, self.grant = opened
        await self.accept()
        self.deadline = asyncio.create_task(self._close_at_expiry())
        if self.grant.mode == UnmaskGrant.Mode.LIVE:
            self.started = timezone.now()
            await _record_live_view(
                user=self.user, grant=self.grant, camera_id=self.camera_id,
                started=self.started, ended=None,
            )  # fmt: skip
            self.pump = asyncio.create_task(self._pump())

    async def dispatch(self, message) -> None:
        # The user's group carries other sockets' events too: ignore what we do not handle.
        if getattr(self, get_handler_name(message), None) is None:
            return
        await super().dispatch(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        await self._end(4400)

    async def unmask_ended(self, event) -> None:
        await self._recheck()

    async def access_changed(self, event) -> None:
        await self._recheck()

    async def _recheck(self) -> None:
        if self.closing:
            return
        opened = await _open_grant(
            user_id=self.user.pk, grant_id=self.grant_id, camera_id=self.camera_id
        )
        if opened is None:
            await self._end(CLOSE_NOT_FOUND)

    async def _close_at_expiry(self) -> None:
        delay = (self.grant.expires_at - timezone.now()).total_seconds()
        await asyncio.sleep(max(0.0, delay))
        await self._recheck()
        if not self.closing:  # the clock said expired, the database not yet: trust the clock
            await self._end(CLOSE_NOT_FOUND)

    async def _pump(self) -> None:
        client = aioredis.Redis.from_url(settings.REDIS_URL)
        pubsub = client.pubsub()
        viewer = viewer_label(self.user)
        try:
            await pubsub.subscribe(live_original_channel(self.camera_id))
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None:
                    continue
                jpeg = await asyncio.to_thread(_watermarked_jpeg, message["data"], viewer)
                if jpeg is not None and not self.closing:
                    await self.send(bytes_data=jpeg)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
                await client.aclose()

    async def _stop_tasks(self) -> None:
        current = asyncio.current_task()
        for name in ("pump", "deadline"):
            task = getattr(self, name)
            setattr(self, name, None)
            if task is not None and task is not current:
                task.cancel()
                await asyncio.wait({task})

    async def _end(self, code: int) -> None:
        # No frame may follow the decision: stop the pump before saying goodbye.
        self.closing = True
        await self._stop_tasks()
        await self._leave()
        await self._record_end()
        await self.close(code=code)

    async def _record_end(self) -> None:
        """The live view's end, with how long it lasted (once, however it ends)."""
        if self.started is not None and self.grant is not None:
            started, self.started = self.started, None
            await _record_live_view(
                user=self.user, grant=self.grant, camera_id=self.camera_id,
                started=started, ended=timezone.now(),
            )  # fmt: skip

    async def _leave(self) -> None:
        if self.user is not None:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)

    async def disconnect(self, code) -> None:
        self.closing = True
        await self._stop_tasks()
        await self._leave()
        await self._record_end()
