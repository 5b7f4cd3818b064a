"""The un-mask socket through the real ASGI application (session cookie, auth middleware,
routing), the Redis channel layer and Redis pub/sub: a live grant's requester gets the
camera's original frames watermarked; revocation closes the open socket at once; nobody else
ever opens one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import cv2
import numpy as np
import pytest
import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections
from django.utils import timezone

from compliance.models import AccessEvent, AccessKind
from privacy.models import UnmaskGrant
from privacy.services.unmask import unmask_approve, unmask_revoke
from tests.analytics.helpers import asgi_socket, session_cookie, socket_close_code
from tests.privacy.unmask_helpers import World, scene_frame
from vms.realtime import live_original_channel

pytestmark = pytest.mark.django_db(transaction=True)  # on-commit pushes, consumers' threads

WITHIN = 1.0  # seconds: how soon an open un-masked view must close after a revocation


@pytest.fixture
def world():
    yield World()
    # The consumers' database calls ran on asgiref's one sync thread: close its connection,
    # or it would outlive the test database.
    asyncio.run(sync_to_async(connections.close_all)())


def _live_grant(world):
    grant = world.request(mode="live", live_minutes=5, starts_at=None, ends_at=None)
    return unmask_approve(actor=world.supervisor, grant_id=grant.pk, note="Ongoing incident.")


async def _first_frame(socket, camera_id: int) -> bytes:
    """Publish original frames (as the engine does for a camera with a live grant) until the
    socket delivers one. A communicator cancels its consumer on a receive timeout: one wait."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    ok, jpeg = cv2.imencode(".jpg", scene_frame(3))
    assert ok

    async def publish():
        while True:
            await sync_to_async(client.publish)(live_original_channel(camera_id), jpeg.tobytes())
            await asyncio.sleep(0.1)

    publisher = asyncio.create_task(publish())
    try:
        return await socket.receive_from(timeout=10)
    finally:
        publisher.cancel()
        await asyncio.gather(publisher, return_exceptions=True)
        client.close()


def test_live_frames_are_watermarked_and_revocation_closes_the_socket(world):
    grant = _live_grant(world)
    cookie = session_cookie(world.guard)

    async def scenario():
        socket = asgi_socket(f"/ws/unmask/{grant.pk}/{world.camera.pk}/", cookie)
        connected, code = await socket.connect()
        assert connected, code
        frame = cv2.imdecode(
            np.frombuffer(await _first_frame(socket, world.camera.pk), np.uint8), cv2.IMREAD_COLOR
        )
        band = frame[:20].astype(np.int16)
        assert (band.max(axis=2) < 40).mean() > 0.6  # the watermark band
        assert (band.min(axis=2) > 200).mean() > 0.02  # and its text

        await database_sync_to_async(unmask_revoke)(
            actor=world.dpo, grant_id=grant.pk, note="Incident over."
        )
        assert await socket_close_code(socket, timeout=WITHIN) == 4404

    asyncio.run(scenario())
    # Opened and closed: the live view is in the audit trail with its duration.
    views = AccessEvent.objects.filter(kind=AccessKind.UNMASK, data__grant=grant.pk)
    assert views.count() == 2 and all(event.data["live"] for event in views)


def test_nobody_but_the_requester_opens_the_socket(world):
    grant = _live_grant(world)
    recorded = world.approved()
    users = (world.guard, world.other_guard, world.supervisor, world.dpo)
    cookies = {user.pk: session_cookie(user) for user in users}

    async def refused(user, grant_id, camera_id):
        cookie = cookies[user.pk] if user else None
        socket = asgi_socket(f"/ws/unmask/{grant_id}/{camera_id}/", cookie)
        connected, code = await socket.connect()
        if connected:
            code = await socket_close_code(socket, timeout=5)
        return code

    async def scenario():
        assert await refused(None, grant.pk, world.camera.pk) == 4401
        for user in (world.other_guard, world.supervisor, world.dpo):
            assert await refused(user, grant.pk, world.camera.pk) == 4404
        assert await refused(world.guard, grant.pk, world.office.pk) == 4404
        assert await refused(world.guard, recorded.pk + 1000, world.camera.pk) == 4404

    asyncio.run(scenario())


def test_an_open_live_view_closes_when_its_grant_expires(world):
    grant = _live_grant(world)
    # A grant about to lapse: the socket closes at its expiry, with no sweep or event.
    UnmaskGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() + timedelta(seconds=2))
    cookie = session_cookie(world.guard)

    async def scenario():
        socket = asgi_socket(f"/ws/unmask/{grant.pk}/{world.camera.pk}/", cookie)
        connected, code = await socket.connect()
        assert connected, code
        assert await socket_close_code(socket, timeout=10) == 4404

    asyncio.run(scenario())
