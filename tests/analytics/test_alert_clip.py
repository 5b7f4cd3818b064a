"""The clip encoded after an alert is pushed as ``alert.updated`` when it is attached, so open
pages (the triage page, the wall) show it without a reload."""

from __future__ import annotations

import time
import uuid

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import Alert, Rule
from analytics.rules import RuleHit
from tests.factories import CameraFactory
from tests.fixtures.pushes import pushed_events
from vms.realtime import camera_group

pytestmark = pytest.mark.django_db


def _alert(camera) -> Alert:
    hit = RuleHit(
        rule_id=0,
        kind=Rule.Kind.CAMERA_HEALTH,
        confidence=0.9,
        captured_at=time.time(),
        message="camera down",
        dedupe_key=f"test:{uuid.uuid4().hex}",
    )
    return services.alert_raise(camera_id=camera.pk, hit=hit)


def test_attaching_the_clip_pushes_alert_updated_with_it(django_capture_on_commit_callbacks):
    camera = CameraFactory()
    alert = _alert(camera)
    # Someone decided while the clip was being encoded: the push carries that, not "open".
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.ACKNOWLEDGED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attached = services.alert_clip_attach(alert=alert, clip_mp4=b"\x00\x00\x00\x18ftypmp42")
    (event,) = pushed_events(callbacks, camera_group(camera.pk))

    assert event["type"] == "alert.updated"
    assert event["alert"]["id"] == alert.pk
    assert event["alert"]["clip_url"] == reverse("analytics:alert-clip", args=[alert.pk])
    assert event["alert"]["status"] == Alert.Status.ACKNOWLEDGED
    stored = Alert.objects.get(pk=alert.pk)
    assert stored.clip and stored.clip.name == attached.clip.name
    assert stored.status == Alert.Status.ACKNOWLEDGED  # the attachment wrote only the clip
