"""The MJPEG live feed is an HTTP response that lasts for hours: it must end, like the live
socket, once its viewer loses access (site taken away, camera revoked, account deactivated).
Driven through Django's async client against the real view, the real live hub on Redis and the
real services, with committed transactions.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import AsyncClient
from django.urls import reverse

from accounts import services as accounts
from accounts.roles import Role
from analytics.views.media import MJPEG_ACCESS_RECHECK_SECONDS
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.realtime import live_channel, live_last_key

pytestmark = pytest.mark.django_db(transaction=True)

# A recheck interval, plus the wait for a frame that may be in flight, plus slack for a loaded
# two-core machine: the stream has ended well before a guard could notice.
ENDS_WITHIN = MJPEG_ACCESS_RECHECK_SECONDS * 2 + 1.0


@pytest.fixture
def feed():
    site = SiteFactory(name="Depot")
    camera = CameraFactory(site=site, name="Depot gate")
    guard = UserFactory(role=Role.GUARD, sites=[site])
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set(live_last_key(camera.pk), b"\xff\xd8 a frame \xff\xd9", px=60_000)
    yield site, camera, guard, UserFactory(role=Role.ADMIN)
    client.delete(live_last_key(camera.pk))
    client.close()


async def _open_stream(user, camera):
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(reverse("analytics:live-mjpeg", args=[camera.pk]))
    assert response.status_code == 200
    chunks = aiter(response.streaming_content)
    first = await asyncio.wait_for(anext(chunks), timeout=10)
    assert b"a frame" in first  # the stream is live before access changes
    return chunks


async def _ends(chunks) -> float:
    """Seconds until the stream ends, reading any frames still on their way."""
    started = time.monotonic()
    while True:
        remaining = ENDS_WITHIN - (time.monotonic() - started)
        try:
            await asyncio.wait_for(anext(chunks), timeout=max(remaining, 0.01))
        except StopAsyncIteration:
            return time.monotonic() - started
        except TimeoutError:
            pytest.fail(f"the MJPEG stream still runs {ENDS_WITHIN:.1f} s after access ended")


def test_a_guard_taken_off_the_site_loses_the_mjpeg_stream(feed):
    site, camera, guard, admin = feed

    async def scenario():
        chunks = await _open_stream(guard, camera)
        await sync_to_async(accounts.site_unassign_user)(actor=admin, site=site, user=guard)
        return await _ends(chunks)

    assert asyncio.run(scenario()) <= ENDS_WITHIN


def test_a_deactivated_guard_loses_the_mjpeg_stream(feed):
    _, camera, guard, admin = feed

    async def scenario():
        chunks = await _open_stream(guard, camera)
        await sync_to_async(accounts.user_deactivate)(actor=admin, user=guard)
        return await _ends(chunks)

    assert asyncio.run(scenario()) <= ENDS_WITHIN


def test_the_stream_goes_on_while_access_holds(feed):
    _, camera, guard, _ = feed
    publisher = redis.Redis.from_url(settings.REDIS_URL)

    async def scenario() -> int:
        chunks = await _open_stream(guard, camera)
        # Several recheck intervals pass; frames published meanwhile still arrive.
        deadline = time.monotonic() + MJPEG_ACCESS_RECHECK_SECONDS * 2.5
        received = 0
        while time.monotonic() < deadline:
            await sync_to_async(publisher.publish)(
                live_channel(camera.pk), b"\xff\xd8 next \xff\xd9"
            )
            try:
                chunk = await asyncio.wait_for(anext(chunks), timeout=0.5)
            except TimeoutError:
                continue
            received += b"next" in chunk
        return received

    try:
        assert asyncio.run(scenario()) >= 1
    finally:
        publisher.close()
