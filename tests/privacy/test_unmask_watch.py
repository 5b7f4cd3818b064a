"""Watching un-masked video: the served segment is the original, clipped to the grant, with the
viewer's name and the time burned into the frames; and the pages of the workflow (request from
a camera, the approvers' queue, the DPO's revocation and limits)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from compliance.models import AccessEvent, AccessKind
from privacy.models import UnmaskGrant, UnmaskPolicy
from tests.privacy.unmask_helpers import (
    FPS,
    HEIGHT,
    REASON,
    WIDTH,
    World,
    decode_mp4,
    scene_frame,
)

pytestmark = pytest.mark.django_db

BAND = 20  # rows: the top watermark band at this frame width (32 * 0.4 + 8)


@pytest.fixture
def world():
    return World()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_served_frames_are_watermarked_and_clipped_to_the_grant(world, tmp_path):
    grant = world.approved()
    url = reverse("privacy:unmask-segment", args=[grant.pk, world.camera.pk, world.segment.pk])
    response = client_for(world.guard).get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    data = response.content
    assert data[4:8] == b"ftyp" and b"moof" in data  # fragmented MP4: plays as it arrives

    frames = decode_mp4(data, tmp_path)
    # The segment holds 2 s; the grant starts 1 s in: only the second half is served.
    assert len(frames) == int(FPS)
    assert frames[0].shape == (HEIGHT, WIDTH, 3)
    original = scene_frame(10).astype(np.int16)
    served = frames[0].astype(np.int16)
    # The band is black with white text where the original is mid-grey (70..170).
    band = served[:BAND]
    black = (band.max(axis=2) < 40).mean()
    white = (band.min(axis=2) > 200).mean()
    assert black > 0.6, black
    assert white > 0.02, white
    assert (original[:BAND].min(axis=2) > 60).all()  # the original has neither
    # Below the bands and away from the diagonal name, the picture is the original's.
    middle = slice(BAND + 10, HEIGHT // 2 - 30)
    assert np.abs(served[middle] - original[middle]).mean() < 12


def test_every_segment_watched_is_an_access_event(world):
    grant = world.approved()
    client = client_for(world.guard)
    url = reverse("privacy:unmask-segment", args=[grant.pk, world.camera.pk, world.segment.pk])
    client.get(url)
    client.get(url)
    watched = AccessEvent.objects.filter(kind=AccessKind.UNMASK, actor=world.guard)
    assert watched.count() == 2
    assert {event.data["grant"] for event in watched} == {grant.pk}
    assert all(event.data["track"] == "original" for event in watched)


def test_workflow_pages(world):
    guard, supervisor, dpo = (client_for(u) for u in (world.guard, world.supervisor, world.dpo))
    # From a camera: the form comes with the camera chosen.
    page = guard.get(reverse("privacy:unmask-request"), {"camera": world.camera.pk, "alert": 7})
    assert page.status_code == 200
    assert f'value="{world.camera.pk}" selected' in page.content.decode()
    response = guard.post(
        reverse("privacy:unmask-request"),
        {
            "cameras": [world.camera.pk],
            "mode": "recorded",
            "starts_at": (world.start + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "ends_at": (world.start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "reason": REASON,
            "alert_id": 7,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    grant = UnmaskGrant.objects.get(requester=world.guard)
    assert grant.alert_id == 7

    queue = supervisor.get(reverse("privacy:unmask-home")).content.decode()
    assert f'data-grant-id="{grant.pk}"' in queue
    assert guard.get(reverse("privacy:unmask-queue")).status_code == 404
    detail = reverse("privacy:unmask-detail", args=[grant.pk])
    # The requester sees no decision buttons, and posting one is refused.
    assert 'value="approve"' not in guard.get(detail).content.decode()
    assert guard.post(detail, {"action": "approve"}).status_code == 403
    assert supervisor.post(detail, {"action": "approve", "note": "ok"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "approved"

    watch = reverse("privacy:unmask-watch", args=[grant.pk, world.camera.pk])
    player = guard.get(watch).content.decode()
    assert "UN-MASKED — original video" in player
    assert f"/segments/{world.segment.pk}.mp4" in player

    assert f'data-grant-id="{grant.pk}"' in dpo.get(reverse("privacy:unmask-all")).content.decode()
    assert dpo.post(detail, {"action": "revoke", "note": "Case closed."}).status_code == 302
    assert guard.get(watch).status_code == 404

    assert (
        dpo.post(
            reverse("privacy:unmask-policy"), {"max_grant_minutes": 90, "max_live_minutes": 10}
        ).status_code
        == 302
    )
    assert (UnmaskPolicy.current().max_grant_minutes, UnmaskPolicy.current().max_live_minutes) == (
        90,
        10,
    )
    assert supervisor.get(reverse("privacy:unmask-policy")).status_code == 404
