"""The signage register: a camera's analytics run only while a printed, up-to-date sign
announces it; a notice change that alters what signs print makes them stale; the printable
sign's QR code leads to the public notice; photos are stored anonymised."""

from __future__ import annotations

import datetime

import cv2
import numpy as np
import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics.selectors.engine import camera_config_version, cameras_for_analytics
from cameras.services.registry import camera_update
from cameras.services.retention import camera_retention_approve
from compliance.models import AccessEvent, AccessKind
from compliance.services import acting_as
from privacy.models import Sign
from privacy.selectors import (
    cameras_without_covering_sign,
    sign_inspections_overdue,
    signs_stale,
)
from privacy.services.signs import NO_SIGN, STALE_SIGN
from tests.api_base import CreateTests, ListTests, NoDeleteTests, RetrieveTests, UpdateTests
from tests.factories import CameraFactory, SiteFactory, UserFactory
from tests.privacy.scenes import face_scene, sharpness

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _camera_network(settings):
    settings.CAMERA_ALLOWED_NETWORKS = [*settings.CAMERA_ALLOWED_NETWORKS, "10.0.0.0/8"]


def admin_client():
    admin = UserFactory(role=Role.ADMIN)
    client = APIClient()
    client.force_login(admin)
    return client, admin


def blocking_camera():
    """A camera at a German site: notice is mandatory, so no sign blocks its analytics."""
    return CameraFactory(site=SiteFactory(signage_enforcement=""))


def register_sign(client, camera, **extra):
    data = {
        "site": camera.site_id,
        "location": "Dock gate, left post",
        "cameras": [camera.pk],
        "installed_on": timezone.localdate().isoformat(),
        **extra,
    }
    fmt = "multipart" if "photo" in extra else "json"
    return client.post(reverse("privacy-api:sign-list"), data, format=fmt)


def test_no_sign_blocks_analytics_where_notice_is_mandatory_and_a_sign_releases_them():
    camera = blocking_camera()
    camera.refresh_from_db()
    assert camera.analytics_hold == NO_SIGN
    assert camera.pk not in cameras_for_analytics()
    client, admin = admin_client()
    assert camera in cameras_without_covering_sign(user=admin)
    response = register_sign(client, camera)
    assert response.status_code == 201, response.content
    camera.refresh_from_db()
    assert camera.analytics_hold == ""
    assert camera.pk in cameras_for_analytics()
    assert camera not in cameras_without_covering_sign(user=admin)


def test_a_warn_site_runs_analytics_and_flags_the_gap():
    camera = CameraFactory(site=SiteFactory(signage_enforcement="warn"))
    camera.refresh_from_db()
    assert camera.analytics_hold == ""
    assert camera.pk in cameras_for_analytics()
    assert camera in cameras_without_covering_sign(user=UserFactory(role=Role.DPO))


def test_a_notice_change_to_what_signs_print_makes_them_stale_until_reprinted():
    camera = blocking_camera()
    client, admin = admin_client()
    sign_id = register_sign(client, camera).json()["id"]
    version_before = camera_config_version(camera.pk)
    dpo = UserFactory(role=Role.DPO)
    with acting_as(admin):
        camera_update(
            actor=admin,
            camera=camera,
            retention_hours=720,
            retention_justification="Insurance claims for dock damage arrive weeks later.",
        )
    assert not Sign.objects.get(pk=sign_id).stale  # asked, not approved: nothing changed
    with acting_as(dpo):
        camera_retention_approve(actor=dpo, camera_id=camera.pk, note="Claims evidence.")
    sign = Sign.objects.get(pk=sign_id)
    assert sign.stale and "changed what it prints" in sign.stale_reason
    camera.refresh_from_db()
    assert camera.analytics_hold == STALE_SIGN
    assert camera.pk not in cameras_for_analytics()
    assert camera_config_version(camera.pk) != version_before  # the worker learns of it
    assert sign in signs_stale(user=dpo)

    response = client.post(reverse("privacy-api:sign-print", args=[sign_id]))
    assert response.status_code == 200, response.content
    assert response.json()["stale"] is False
    camera.refresh_from_db()
    assert camera.analytics_hold == "" and camera.pk in cameras_for_analytics()
    event = AccessEvent.objects.get(kind=AccessKind.RECORD_PUBLISH, actor=admin)
    assert event.data["record"] == "sign_print"


def test_a_change_signs_do_not_print_leaves_them_current():
    camera = blocking_camera()
    client, admin = admin_client()
    sign_id = register_sign(client, camera).json()["id"]
    with acting_as(admin):
        camera_update(actor=admin, camera=camera, subject_categories=["staff"])
    assert not Sign.objects.get(pk=sign_id).stale


def test_the_printed_sign_says_what_is_true_and_its_qr_code_leads_to_the_notice():
    camera = blocking_camera()
    client, _ = admin_client()
    sign_id = register_sign(client, camera).json()["id"]
    for paper, width_points in (("A4", 595), ("A3", 842)):
        response = client.get(reverse("privacy-api:sign-pdf", args=[sign_id]), {"paper": paper})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        pdf = pypdfium2.PdfDocument(response.content)
        page = pdf[0]
        assert round(page.get_width()) == width_points
        text = page.get_textpage().get_text_range()
        assert "Video surveillance in operation" in text
        assert "72 hours" in text and camera.purpose[:30] in " ".join(text.split())
        image = np.array(page.render(scale=2).to_pil().convert("RGB"))[:, :, ::-1].copy()
        decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
        assert decoded == f"http://testserver/privacy/notice/{camera.site_id}/"
    assert (
        client.get(reverse("privacy-api:sign-pdf", args=[sign_id]), {"paper": "A9"}).status_code
        == 400
    )


def test_a_sign_photo_is_stored_with_faces_blurred():
    camera = blocking_camera()
    client, _ = admin_client()
    frame, face = face_scene()
    ok, encoded = cv2.imencode(".jpg", frame)
    upload = SimpleUploadedFile("sign.jpg", encoded.tobytes(), content_type="image/jpeg")
    response = register_sign(client, camera, photo=upload)
    assert response.status_code == 201, response.content
    photo = client.get(response.json()["photo_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    stored = cv2.imdecode(np.frombuffer(photo.content, np.uint8), cv2.IMREAD_COLOR)
    assert sharpness(stored, face) < sharpness(frame, face) / 4


def test_a_sign_announces_only_cameras_of_its_own_site():
    camera, elsewhere = blocking_camera(), CameraFactory()
    client, _ = admin_client()
    response = register_sign(client, camera, cameras=[camera.pk, elsewhere.pk])
    assert response.status_code == 400
    assert "own site" in response.content.decode()


def test_inspections_flag_missing_signs_and_overdue_checks():
    camera = blocking_camera()
    client, admin = admin_client()
    sign_id = register_sign(
        client,
        camera,
        installed_on=(timezone.localdate() - datetime.timedelta(days=200)).isoformat(),
    ).json()["id"]
    assert [s.pk for s in sign_inspections_overdue(user=admin)] == [sign_id]
    response = client.post(
        reverse("privacy-api:sign-inspection-list"),
        {"sign": sign_id, "condition": "missing", "notes": "Post knocked down."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["inspector"] == admin.username
    assert sign_inspections_overdue(user=admin) == []
    camera.refresh_from_db()
    assert Sign.objects.get(pk=sign_id).stale and camera.analytics_hold == STALE_SIGN
    future = client.post(
        reverse("privacy-api:sign-inspection-list"),
        {
            "sign": sign_id,
            "condition": "present",
            "inspected_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert future.status_code == 400 and "future" in future.content.decode()


class TestSignAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = Sign
    namespace, basename = "privacy-api", "sign"

    def make_object(self):
        camera = CameraFactory()
        sign = Sign.objects.create(
            site=camera.site, location="Gate", installed_on=timezone.localdate()
        )
        sign.cameras.set([camera])
        return sign

    def grant(self, user, obj):
        assign_perm("cameras.view_site", user, obj.site)

    def create_data(self):
        camera = CameraFactory()
        return {
            "site": camera.site_id,
            "location": "Lobby door",
            "cameras": [camera.pk],
            "installed_on": timezone.localdate().isoformat(),
        }

    def update_data(self, obj):
        return {"location": f"{obj.location}, right side"}
