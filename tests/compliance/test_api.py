"""The audit trail over the REST API: read-only, DPO and Admin only."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from compliance.services import access_event_record
from tests.api_base import ListTests, ReadOnlyTests, RetrieveTests, ids, results
from tests.factories import CameraFactory, SiteFactory, UserFactory


def logged_in(role, **fields) -> tuple[APIClient, object]:
    user = UserFactory(role=role, **fields)
    client = APIClient()
    client.force_login(user)
    return client, user


class TestAccessEventAPI(ListTests, RetrieveTests, ReadOnlyTests):
    model = AccessEvent
    namespace, basename = "compliance-api", "access-event"

    def make_object(self):
        return access_event_record(
            kind=AccessKind.CAMERA_VIEW, actor=UserFactory(), target=CameraFactory()
        )


class TestChangeLogAPI(ListTests, RetrieveTests, ReadOnlyTests):
    model = LogEntry
    namespace, basename = "compliance-api", "changelog"

    def make_object(self):
        return LogEntry.objects.get_for_object(SiteFactory()).get()


@pytest.mark.django_db
def test_access_events_filter_by_kind_actor_and_dates():
    alice, bob = UserFactory(), UserFactory()
    camera = CameraFactory()
    viewed = access_event_record(kind=AccessKind.CAMERA_VIEW, actor=alice, target=camera)
    exported = access_event_record(kind=AccessKind.EXPORT, actor=bob, target=camera)
    client, _ = logged_in(Role.DPO)
    url = reverse("compliance-api:access-event-list")
    assert ids(client.get(url, {"kind": "camera_view", "actor": alice.pk})) == {viewed.pk}
    assert ids(
        client.get(url, {"kind": ["camera_view", "export"], "target_type": "cameras.camera"})
    ) == {
        viewed.pk,
        exported.pk,
    }
    assert ids(client.get(url, {"actor": bob.pk})) == {exported.pk}
    later = (timezone.now() + timezone.timedelta(hours=1)).isoformat()
    assert ids(client.get(url, {"occurred_after": later})) == set()
    assert {viewed.pk, exported.pk} <= ids(client.get(url, {"occurred_before": later}))
    assert client.get(url, {"kind": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_camera_retrieve_through_api_appears_in_access_events():
    camera = CameraFactory()
    guard_client, guard = logged_in(Role.GUARD, sites=[camera.site])
    assert (
        guard_client.get(reverse("cameras-api:camera-detail", args=[camera.pk])).status_code == 200
    )
    dpo_client, _ = logged_in(Role.DPO)
    rows = results(
        dpo_client.get(reverse("compliance-api:access-event-list"), {"kind": "camera_view"})
    )
    assert [(row["actor"], row["target_type"], row["target_id"]) for row in rows] == [
        (guard.pk, "cameras.camera", str(camera.pk))
    ]
    # The guard cannot read the trail, not even their own entries.
    assert results(guard_client.get(reverse("compliance-api:access-event-list"))) == []


@pytest.mark.django_db
def test_change_log_filters_and_actor():
    admin_client, admin = logged_in(Role.ADMIN)
    response = admin_client.post(
        reverse("cameras-api:site-list"),
        {"name": "Quay", "time_zone": "UTC", "country": "GB"},
        format="json",
    )
    site_id = response.json()["id"]
    SiteFactory()
    client, _ = logged_in(Role.DPO)
    rows = results(
        client.get(
            reverse("compliance-api:changelog-list"),
            {"object_type": "cameras.site", "object_pk": site_id, "action": 0},
        )
    )
    assert len(rows) == 1
    assert (rows[0]["actor"], rows[0]["actor_username"], rows[0]["object_repr"]) == (
        admin.pk,
        admin.username,
        "Quay",
    )
    assert rows[0]["changes"]["name"] == ["None", "Quay"]
    assert results(client.get(reverse("compliance-api:changelog-list"), {"actor": admin.pk}))
