"""Retention beyond 72 hours takes effect only once a DPO approves it; the purge keeps to what is
in effect, and every decision is audited with the DPO's note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from accounts.roles import Role
from analytics.models import Alert
from cameras.services.registry import camera_update
from cameras.services.retention import camera_retention_approve, camera_retention_refuse
from compliance.models import AccessEvent, AccessKind
from privacy.services.retention import retention_purge
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def alert_with_snapshot(camera, hours_ago: float) -> Alert:
    alert = Alert.objects.create(
        camera=camera,
        kind="person_in_zone",
        occurred_at=NOW - timedelta(hours=hours_ago),
        dedupe_key=f"{camera.pk}-{hours_ago}",
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(b"\xff\xd8jpeg"), save=True)
    return alert


@pytest.fixture
def asked():
    """A camera whose admin asked for a week of retention, with a justification."""
    camera = CameraFactory()
    admin = UserFactory(role=Role.ADMIN)
    camera_update(
        actor=admin,
        camera=camera,
        retention_hours=168,
        retention_justification="Weekend incidents are reported on Monday mornings",
    )
    camera.refresh_from_db()
    return camera


def test_a_longer_retention_waits_for_the_dpo_and_the_purge_keeps_to_what_applies(asked):
    assert asked.retention_hours == 168
    assert asked.effective_retention_hours == 72 and asked.retention_awaiting_approval
    alert = alert_with_snapshot(asked, hours_ago=100)
    retention_purge(now=NOW)
    alert.refresh_from_db()
    assert not alert.snapshot  # 100 h > the 72 h in effect


def test_once_approved_the_longer_retention_applies(asked):
    dpo = UserFactory(role=Role.DPO)
    camera = camera_retention_approve(
        actor=dpo, camera_id=asked.pk, note="Justified: weekend reporting lag, reviewed with HR"
    )
    assert camera.effective_retention_hours == 168 and not camera.retention_awaiting_approval
    alert = alert_with_snapshot(camera, hours_ago=100)
    retention_purge(now=NOW)
    alert.refresh_from_db()
    assert alert.snapshot
    event = AccessEvent.objects.get(kind=AccessKind.RETENTION_APPROVE)
    assert event.actor == dpo and event.data == {"from_hours": 72, "to_hours": 168}
    with pytest.raises(ValidationError, match="No longer retention"):
        camera_retention_approve(actor=dpo, camera_id=asked.pk, note="again")


def test_a_refusal_sets_the_ask_back_to_what_applies(asked):
    dpo = UserFactory(role=Role.DPO)
    with pytest.raises(ValidationError):
        camera_retention_refuse(actor=dpo, camera_id=asked.pk, note="  ")
    camera = camera_retention_refuse(actor=dpo, camera_id=asked.pk, note="Not necessary: 72 h")
    assert camera.retention_hours == 72 and not camera.retention_awaiting_approval
    assert AccessEvent.objects.get(kind=AccessKind.RETENTION_REFUSE).data["asked_hours"] == 168


def test_only_the_dpo_decides_and_a_shorter_retention_needs_no_one(asked):
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.GUARD):
        user = UserFactory(role=role, sites=[asked.site])
        with pytest.raises(PermissionDenied):
            camera_retention_approve(actor=user, camera_id=asked.pk, note="fine by me")
    camera_update(actor=UserFactory(role=Role.ADMIN), camera=asked, retention_hours=24)
    asked.refresh_from_db()
    assert asked.effective_retention_hours == 24 and not asked.retention_awaiting_approval


def test_the_camera_page_shows_the_wait_and_lets_the_dpo_decide(client, asked):
    client.force_login(UserFactory(role=Role.ADMIN))
    body = client.get(asked.get_absolute_url()).content.decode()
    assert "168 hours asked, awaiting a DPO" in body and "Approve 168 hours" not in body
    client.force_login(UserFactory(role=Role.DPO))
    body = client.get(asked.get_absolute_url()).content.decode()
    assert "Approve 168 hours" in body
    response = client.post(
        f"/cameras/{asked.pk}/retention/", {"decision": "approve", "note": "Reviewed, justified"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.effective_retention_hours == 168
    assert "awaiting" not in client.get(asked.get_absolute_url()).content.decode()
    client.force_login(UserFactory(role=Role.ADMIN))
    assert (
        client.post(f"/cameras/{asked.pk}/retention/", {"decision": "approve"}).status_code == 404
    )
