"""Every model change has an actor: in requests (covered by view/API tests), in Celery tasks
and management commands (here), through ``compliance.services.acting_as``."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.roles import Role
from cameras.models import Camera
from cameras.services import camera_update
from cameras.sources import source_secret_mask
from compliance.models import AccessEvent, AccessKind, ReadOnlyRecordError
from compliance.services import SYSTEM_USERNAME, access_event_record, acting_as, system_actor
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_changes_inside_acting_as_are_attributed_to_the_actor():
    admin = UserFactory(role=Role.ADMIN)
    camera = CameraFactory()
    with acting_as(admin):
        camera_update(actor=admin, camera=camera, retention_hours=48)
    entry = (
        LogEntry.objects.get_for_object(camera).filter(action=LogEntry.Action.UPDATE).latest("pk")
    )
    assert entry.actor == admin
    assert "retention_hours" in entry.changes_dict


def test_system_actor_is_a_service_account_that_cannot_log_in():
    system = system_actor()
    assert system.username == SYSTEM_USERNAME
    assert system.is_service_account
    assert not system.has_usable_password()
    with acting_as() as actor:
        camera = CameraFactory()
    assert actor == system
    entry = LogEntry.objects.get_for_object(camera).get(action=LogEntry.Action.CREATE)
    assert entry.actor == system


def test_credentials_are_masked_in_the_change_log():
    admin = UserFactory(role=Role.ADMIN)
    camera = CameraFactory()
    with acting_as(admin):
        camera_update(
            actor=admin, camera=camera, source_url="rtsp://bob:hunter2-secret@cam.example/1"
        )
    camera.refresh_from_db()
    assert camera.source_password == "hunter2-secret"
    text = str(
        list(
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Camera)
            ).values_list("changes", flat=True)
        )
    )
    assert "hunter2-secret" not in text
    assert source_secret_mask("rtsp://a:b@h/x") == "rtsp://***@h/x"


def test_access_events_are_append_only():
    event = access_event_record(
        kind=AccessKind.EXPORT, actor=UserFactory(role=Role.DPO), reason="SAR 12"
    )
    event.reason = "changed"
    with pytest.raises(ReadOnlyRecordError):
        event.save()
    with pytest.raises(ReadOnlyRecordError):
        event.delete()
    with pytest.raises(ReadOnlyRecordError):
        AccessEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(ReadOnlyRecordError):
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.get(pk=event.pk).reason == "SAR 12"
