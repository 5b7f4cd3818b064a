"""What a look at alert media costs in the audit trail: a list is one event, an opened
snapshot or clip is one event, a thumbnail is none by itself.

Lists (the alert list, the wall's panel) show downscaled thumbnails and record one access event
naming the alerts they showed; before, every thumbnail was a full snapshot and its own event,
which buried the snapshots people actually opened.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from django.urls import reverse

from accounts.roles import Role
from analytics.selectors.alerts import THUMBNAIL_WIDTH
from compliance.models import AccessEvent, AccessKind
from tests.analytics.test_triage import client_for, missing_alert_pk, page_text, raise_alert, scene  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THUMBNAIL_SRC = re.compile(r'src="(/analytics/alerts/\d+/thumbnail\.jpg)"')


def media_events():
    return AccessEvent.objects.filter(kind=AccessKind.CLIP_VIEW).order_by("id")


@pytest.fixture
def many(scene):  # noqa: F811
    """Six alerts with snapshots on the guard's camera (the scene's own and five more)."""
    scene.alerts = [scene.alert] + [raise_alert(scene.camera, scene.rule) for _ in range(5)]
    return scene


def test_the_list_with_n_thumbnails_is_one_event_and_the_snapshot_another(many):
    client = client_for(many.guard)
    page = client.get(reverse("analytics:alert-list"))
    assert page.status_code == 200
    sources = THUMBNAIL_SRC.findall(page.content.decode())
    assert len(sources) == len(many.alerts) >= 6
    for source in sources:  # what the browser then loads
        thumbnail = client.get(source)
        assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
        assert "no-store" in thumbnail["Cache-Control"]
    [listed] = media_events()
    assert listed.actor == many.guard
    assert listed.data["media"] == "thumbnails" and listed.data["view"] == "alert-list"
    assert sorted(listed.data["alert_ids"]) == sorted(a.pk for a in many.alerts)
    assert listed.data["alert_ids"] and many.other_alert.pk not in listed.data["alert_ids"]

    snapshot = client.get(reverse("analytics:alert-snapshot", args=[many.alert.pk]))
    assert snapshot.status_code == 200
    opened = media_events().exclude(pk=listed.pk)
    assert [(e.data["media"], e.target_id) for e in opened] == [("snapshot", str(many.alert.pk))]


def test_the_thumbnail_is_the_snapshot_downscaled(many):
    body = (
        client_for(many.guard)
        .get(reverse("analytics:alert-thumbnail", args=[many.alert.pk]))
        .content
    )
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    snapshot = cv2.imdecode(
        np.frombuffer(many.alert.snapshot.open("rb").read(), np.uint8), cv2.IMREAD_COLOR
    )
    # The test snapshots are 160 px wide: not enlarged. The shape is kept either way.
    assert image.shape[1] == min(THUMBNAIL_WIDTH, snapshot.shape[1])
    assert image.shape[0] / image.shape[1] == pytest.approx(
        snapshot.shape[0] / snapshot.shape[1], rel=0.02
    )
    assert not media_events().exists()


def test_a_thumbnail_of_a_hidden_alert_is_the_same_404_as_a_missing_one(many):
    client = client_for(many.guard)
    hidden = client.get(reverse("analytics:alert-thumbnail", args=[many.other_alert.pk]))
    missing = client.get(reverse("analytics:alert-thumbnail", args=[missing_alert_pk()]))
    assert hidden.status_code == missing.status_code == 404
    assert page_text(hidden) == page_text(missing)
    anonymous = client.__class__().get(reverse("analytics:alert-thumbnail", args=[many.alert.pk]))
    assert anonymous.status_code == 302


def test_the_wall_panel_is_one_event_for_its_thumbnails(many):
    page = client_for(many.guard).get(reverse("analytics:wall")).content.decode()
    assert len(THUMBNAIL_SRC.findall(page)) == len(many.alerts)
    assert "snapshot.jpg" not in page  # the panel never loads full snapshots
    [listed] = media_events()
    assert listed.data["view"] == "wall"
    assert sorted(listed.data["alert_ids"]) == sorted(a.pk for a in many.alerts)


def test_a_list_without_snapshots_writes_nothing(scene):  # noqa: F811
    for alert in (scene.alert, scene.other_alert):
        alert.snapshot.delete(save=True)
    client_for(UserFactory(role=Role.DPO)).get(reverse("analytics:alert-list"))
    assert not media_events().exists()


def test_the_detail_page_loads_the_snapshot_which_is_one_event(many):
    client = client_for(many.guard)
    page = client.get(reverse("analytics:alert-detail", args=[many.alert.pk])).content.decode()
    assert reverse("analytics:alert-snapshot", args=[many.alert.pk]) in page
    assert "thumbnail.jpg" not in page
    assert not media_events().exists()  # the page references media; loading it is the event
    client.get(reverse("analytics:alert-snapshot", args=[many.alert.pk]))
    assert media_events().count() == 1
