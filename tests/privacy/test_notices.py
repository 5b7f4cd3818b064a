"""Each site's public privacy notice: generated from the live configuration, republished as
an immutable version (with its diff, cause and author) whenever what it says changes."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cameras.services.registry import camera_register, camera_update
from cameras.services.retention import camera_retention_approve
from cameras.services.status import camera_status_record
from compliance.models import AccessEvent, AccessKind, ReadOnlyRecordError
from compliance.services import acting_as
from privacy.models import NoticeVersion, PolicyVersion
from privacy.services.notices import policy_draft_save, policy_publish
from tests.factories import (
    BALANCING_NOTE,
    SPECIFIC_PURPOSE,
    CameraFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _camera_network(settings):
    settings.CAMERA_ALLOWED_NETWORKS = [*settings.CAMERA_ALLOWED_NETWORKS, "10.0.0.0/8"]


def notice_url(site, number=None) -> str:
    if number is None:
        return reverse("privacy:notice", args=[site.pk])
    return reverse("privacy:notice-version", args=[site.pk, number])


def latest(site) -> NoticeVersion:
    return NoticeVersion.objects.filter(site=site).order_by("-number").first()


def register(admin, site, **fields):
    data = {
        "name": "Dock gate",
        "source_url": "rtsp://10.1.1.1:554/stream1",
        "purpose": SPECIFIC_PURPOSE,
        "lawful_basis": "legitimate_interests",
        "lawful_basis_note": BALANCING_NOTE,
        "subject_categories": ["staff", "visitors"],
        **fields,
    }
    with acting_as(admin):
        return camera_register(actor=admin, site=site, **data)


def test_an_anonymous_visitor_reads_the_notice_generated_from_the_configuration(client):
    admin = UserFactory(role=Role.ADMIN)
    site = SiteFactory(name="Harbour depot")
    register(admin, site)
    response = client.get(notice_url(site))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Harbour depot" in page
    assert SPECIFIC_PURPOSE in page
    assert "Legitimate interests" in page and BALANCING_NOTE in page
    assert "72 hours" in page
    assert "Staff, Visitors and customers" in page
    assert "<script" not in page  # nothing to run: readable anywhere
    assert 'name="viewport"' in page
    version = latest(site)
    assert version.actor == admin and "registered" in version.cause


def test_a_site_without_a_notice_and_an_unknown_version_are_404(client):
    site = SiteFactory()
    NoticeVersion.objects.filter(site=site).exists()
    assert client.get(notice_url(site, 99)).status_code == 404
    assert client.get(reverse("privacy:notice", args=[987654])).status_code == 404


def test_longer_retention_changes_the_notice_when_the_dpo_approves_it(client):
    admin, dpo = UserFactory(role=Role.ADMIN), UserFactory(role=Role.DPO)
    site = SiteFactory()
    camera = register(admin, site)
    before = latest(site).number
    with acting_as(admin):
        camera_update(
            actor=admin,
            camera=camera,
            retention_hours=720,
            retention_justification="Insurance claims for dock damage arrive up to four weeks late.",
        )
    # Asked, not yet true: the notice still says what applies.
    assert latest(site).number == before
    with acting_as(dpo):
        camera_retention_approve(actor=dpo, camera_id=camera.pk, note="Claims evidence needed.")
    version = latest(site)
    assert version.number == before + 1
    assert version.actor == dpo and "retention approved" in version.cause
    assert ["-", "Camera Dock gate: kept for: 72 hours"] in version.diff
    assert ["+", "Camera Dock gate: kept for: 30 days"] in version.diff
    current = client.get(notice_url(site)).content.decode()
    assert "30 days" in current and "What changed in version" in current
    old = client.get(notice_url(site, before)).content.decode()
    assert "72 hours" in old and "This is an earlier version" in old


def test_bookkeeping_saves_publish_nothing():
    camera = CameraFactory()
    count = NoticeVersion.objects.filter(site=camera.site).count()
    camera_status_record(camera_id=camera.pk, status="online", message="")
    camera.refresh_from_db()
    camera.name = camera.name  # a save that changes nothing the notice says
    camera.save()
    assert NoticeVersion.objects.filter(site=camera.site).count() == count


def test_published_versions_are_immutable():
    camera = CameraFactory()
    version = latest(camera.site)
    version.cause = "rewritten"
    with pytest.raises(ReadOnlyRecordError):
        version.save()
    with pytest.raises(ReadOnlyRecordError):
        version.delete()
    with pytest.raises(ReadOnlyRecordError):
        NoticeVersion.objects.filter(pk=version.pk).update(cause="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE privacy_noticeversion SET cause = 'rewritten' WHERE id = %s", [version.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_noticeversion WHERE id = %s", [version.pk])
    version.refresh_from_db()
    assert version.cause != "rewritten"


def test_a_california_site_has_the_ccpa_notice_at_collection_and_an_eu_site_does_not(client):
    california = SiteFactory(country="US", region="CA", time_zone="America/Los_Angeles")
    germany = SiteFactory(country="DE")
    CameraFactory(site=california)
    CameraFactory(site=germany)
    page = client.get(notice_url(california)).content.decode()
    assert 'id="ccpa"' in page and "notice at collection" in page
    assert "We do not sell or share" in page
    eu_page = client.get(notice_url(germany)).content.decode()
    assert 'id="ccpa"' not in eu_page and 'id="bipa"' not in eu_page


def test_an_illinois_site_has_the_bipa_section_only_where_biometrics_are_processed(client):
    illinois = SiteFactory(country="US", region="IL", time_zone="America/Chicago")
    camera = CameraFactory(site=illinois)
    assert 'id="bipa"' not in client.get(notice_url(illinois)).content.decode()
    # Set directly: the DPIA gate is the registry's business, the notice follows the config.
    camera.face_recognition_enabled = True
    camera.save()
    page = client.get(notice_url(illinois)).content.decode()
    assert 'id="bipa"' in page and "Retention schedule" in page


def test_policy_versions_are_drafted_published_by_a_dpo_and_cited_by_notices(client):
    admin, dpo = UserFactory(role=Role.ADMIN), UserFactory(role=Role.DPO)
    camera = CameraFactory()
    today = timezone.localdate()
    draft = policy_draft_save(actor=admin, text="We film the docks.\nWe keep video 72 hours.")
    with pytest.raises(ValidationError):
        policy_publish(actor=dpo, policy_id=draft.pk)  # no effective date yet
    draft = policy_draft_save(actor=admin, draft=draft, text=draft.text, effective_date=today)
    with pytest.raises(PermissionDenied):
        policy_publish(actor=admin, policy_id=draft.pk)
    first = policy_publish(actor=dpo, policy_id=draft.pk)
    assert first.number == 1 and first.published_by == dpo
    assert AccessEvent.objects.filter(kind=AccessKind.RECORD_PUBLISH, actor=dpo).exists()
    notice = latest(camera.site)
    assert notice.content["policy"] == {"number": 1, "effective": today.isoformat()}
    assert "Privacy policy version 1 published" in notice.cause
    page = client.get(notice_url(camera.site)).content.decode()
    assert reverse("privacy:policy-version", args=[1]) in page

    with pytest.raises(ValidationError):
        policy_draft_save(actor=admin, draft=first, text="changed")
    second = policy_draft_save(
        actor=admin,
        text="We film the docks.\nWe keep video 30 days.",
        effective_date=today + datetime.timedelta(days=1),
    )
    second = policy_publish(actor=dpo, policy_id=second.pk)
    assert second.diff == [["-", "We keep video 72 hours."], ["+", "We keep video 30 days."]]
    # Not yet in effect: the current policy page still shows version 1.
    assert "Version 1" in client.get(reverse("privacy:policy")).content.decode()
    assert "30 days" in client.get(reverse("privacy:policy-version", args=[2])).content.decode()
    with pytest.raises(ReadOnlyRecordError):
        PolicyVersion.objects.get(pk=first.pk).save()
