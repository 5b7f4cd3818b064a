"""HTTP views for alert media and the live feed. Every byte is already anonymised; every
view goes through the gate. Opening a snapshot, a clip or a live feed writes an access event;
a thumbnail does not by itself: the list that shows thumbnails records one event naming the
alerts it showed (``alert_thumbnails_shown_record``)."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from analytics import selectors, services
from analytics.live import hub
from analytics.selectors import access
from vms.permissions import Perm, permission_required
from vms.realtime import live_last_key


def _media_response(field, content_type: str) -> FileResponse:
    if not field:
        raise Http404("No media for this alert.")
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def alert_snapshot(request, pk: int):
    alert = services.alert_media_open(
        user=request.user, alert_id=pk, media="snapshot", request=request
    )
    return _media_response(alert.snapshot, "image/jpeg")


@require_GET
@login_required
def alert_thumbnail(request, pk: int):
    """The snapshot downscaled for lists (not stored anywhere, like the snapshot itself)."""
    response = HttpResponse(
        selectors.alert_thumbnail_jpeg(user=request.user, pk=pk), content_type="image/jpeg"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def alert_clip(request, pk: int):
    alert = services.alert_media_open(user=request.user, alert_id=pk, media="clip", request=request)
    return _media_response(alert.clip, "video/mp4")


async def _live_user(request, camera_id: int, channel: str):
    # Logged in and holding Perm.VIEW_LIVE_VIDEO already (the views' decorator).
    user = await request.auser()
    await database_sync_to_async(services.live_view_record)(
        user=user, camera_id=camera_id, channel=channel, request=request
    )
    return user


@transaction.non_atomic_requests
@never_cache
@permission_required(Perm.VIEW_LIVE_VIDEO)
async def live_frame(request, camera_id: int):
    """The camera's latest anonymised frame, as one JPEG (for previews and the zone editor)."""
    await _live_user(request, camera_id, "frame")
    client = aioredis.Redis.from_url(settings.REDIS_URL)
    try:
        frame = await client.get(live_last_key(camera_id))
    finally:
        await client.aclose()
    if not frame:
        return HttpResponse("No live frame: the camera is not being analysed.", status=503)
    return HttpResponse(frame, content_type="image/jpeg")


# An MJPEG response is an HTTP request that lasts for hours: it cannot hear the access-changed
# events sockets get, so it re-reads the viewer's access this often (one indexed query) and
# ends the stream once the camera left their scope or they lost live video or their account.
MJPEG_ACCESS_RECHECK_SECONDS = 1.0


@database_sync_to_async
def _mjpeg_still_permitted(user_id: int, camera_id: int) -> bool:
    user = access.socket_user(user_id=user_id)
    return user is not None and access.live_camera_permitted(user=user, camera_id=camera_id)


@transaction.non_atomic_requests
@never_cache
@permission_required(Perm.VIEW_LIVE_VIDEO)
async def live_mjpeg(request, camera_id: int):
    """The camera's anonymised live feed as MJPEG over HTTP, for an ``<img>`` tag; it ends
    within about a second of the viewer losing access."""
    user = await _live_user(request, camera_id, "mjpeg")

    async def frames():
        # The viewer joins the hub when streaming starts, inside the generator: a client
        # gone before that leaves nothing behind, and one gone later ends the block.
        async with hub.viewer(camera_id) as queue:
            checked_at = time.monotonic()
            while True:
                try:
                    frame = await asyncio.wait_for(
                        queue.get(), timeout=MJPEG_ACCESS_RECHECK_SECONDS
                    )
                except TimeoutError:
                    frame = None
                if time.monotonic() - checked_at >= MJPEG_ACCESS_RECHECK_SECONDS:
                    if not await _mjpeg_still_permitted(user.pk, camera_id):
                        return
                    checked_at = time.monotonic()
                if frame is None:
                    continue
                yield (
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(frame)).encode()
                    + b"\r\n\r\n"
                    + frame
                    + b"\r\n"
                )

    return StreamingHttpResponse(frames(), content_type="multipart/x-mixed-replace; boundary=frame")
