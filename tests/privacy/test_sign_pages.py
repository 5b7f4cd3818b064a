"""The signage register's pages: an admin registers a sign with a photo, sees its state,
records a re-print and an inspection; a guard does not see the register."""

from __future__ import annotations

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from privacy.models import Sign
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.privacy.scenes import face_scene

pytestmark = pytest.mark.django_db


def test_an_admin_registers_a_sign_with_a_photo_and_keeps_it_current(client):
    camera = CameraFactory(site=SiteFactory(signage_enforcement=""))
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    assert camera.name in client.get(reverse("privacy:sign-list")).content.decode()
    _, encoded = cv2.imencode(".jpg", face_scene()[0])
    response = client.post(
        reverse("privacy:sign-create"),
        {
            "site": camera.site_id,
            "location": "Dock gate, left post",
            "cameras": [camera.pk],
            "installed_on": timezone.localdate().isoformat(),
            "inspection_interval_days": 90,
            "photo": SimpleUploadedFile("sign.jpg", encoded.tobytes(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sign = Sign.objects.get(location="Dock gate, left post")
    page = client.get(response["Location"]).content.decode()
    assert "Current: printed from notice version" in page
    assert reverse("privacy-api:sign-pdf", args=[sign.pk]) in page
    assert reverse("privacy-api:sign-photo", args=[sign.pk]) in page
    Sign.objects.filter(pk=sign.pk).update(stale=True, stale_reason="test")
    assert "Stale" in client.get(response["Location"]).content.decode()
    client.post(reverse("privacy:sign-print", args=[sign.pk]))
    sign.refresh_from_db()
    assert not sign.stale
    inspected = client.post(
        reverse("privacy:sign-detail", args=[sign.pk]),
        {"condition": "damaged", "inspected_on": timezone.localdate().isoformat()},
    )
    assert inspected.status_code == 302
    assert "Damaged" in client.get(response["Location"]).content.decode()


def test_the_register_is_not_for_guards(client):
    client.force_login(UserFactory(role=Role.GUARD))
    assert client.get(reverse("privacy:sign-list")).status_code == 404
    assert client.get(reverse("privacy:sign-create")).status_code == 404
