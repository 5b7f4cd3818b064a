"""DPIAs gate recognition: only an approved DPIA in force covering the camera and the
analytic lets it run; lapsing or withdrawal turns it off; public space never gets real-time
face identification."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Camera
from compliance.models import AccessEvent, AccessKind
from privacy.models import Dpia, DpiaStatus
from privacy.services.dpia import dpias_lapse_expired
from tests.api_base import CreateTests, ListTests, NoDeleteTests, RetrieveTests, UpdateTests
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

ART_35_7 = {
    "description": "Face recognition at the staff entrance matches enrolled staff only.",
    "necessity": "Badge sharing caused two thefts; badges alone cannot stop it.",
    "risks": "Misidentification of staff; function creep to visitors.",
    "measures": "Enrolled staff only, opt-out by badge, templates deleted on leaving.",
}


def client_as(role):
    user = UserFactory(role=role)
    client = APIClient()
    client.force_login(user)
    return client, user


def approved_dpia(camera, analytic="face_recognition", review_in_days=365) -> Dpia:
    dpia = Dpia.objects.create(
        title="Staff entrance",
        owner=UserFactory(role=Role.ADMIN),
        analytics=[analytic],
        status=DpiaStatus.APPROVED,
        review_date=timezone.localdate() + datetime.timedelta(days=review_in_days),
        **ART_35_7,
    )
    dpia.cameras.set([camera])
    return dpia


def enable(client, camera, field="face_recognition_enabled"):
    return client.patch(
        reverse("cameras-api:camera-detail", args=[camera.pk]), {field: True}, format="json"
    )


def test_the_dpia_journey_from_draft_to_recognition_on():
    camera = CameraFactory()
    admin_client, _ = client_as(Role.ADMIN)
    refused = enable(admin_client, camera)
    assert refused.status_code == 400
    assert "approved DPIA" in refused.content.decode()

    created = admin_client.post(
        reverse("privacy-api:dpia-list"),
        {"title": "Staff entrance", "cameras": [camera.pk], "analytics": ["face_recognition"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    dpia_id = created.json()["id"]
    incomplete = admin_client.post(reverse("privacy-api:dpia-submit", args=[dpia_id]))
    assert incomplete.status_code == 400
    assert {"description", "necessity", "risks", "measures"} <= set(incomplete.json())
    admin_client.patch(reverse("privacy-api:dpia-detail", args=[dpia_id]), ART_35_7, format="json")
    submitted = admin_client.post(reverse("privacy-api:dpia-submit", args=[dpia_id]))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    still = enable(admin_client, camera)
    assert still.status_code == 400 and "submitted" in still.content.decode()

    decide = reverse("privacy-api:dpia-decide", args=[dpia_id])
    assert admin_client.post(decide, {"approve": True, "opinion": "ok"}).status_code == 404
    dpo_client, dpo = client_as(Role.DPO)
    no_date = dpo_client.post(decide, {"approve": True, "opinion": "Proportionate."}, format="json")
    assert no_date.status_code == 400 and "review date" in no_date.content.decode()
    review = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()
    approved = dpo_client.post(
        decide, {"approve": True, "opinion": "Proportionate.", "review_date": review}, format="json"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["in_force"] is True
    event = AccessEvent.objects.get(kind=AccessKind.RECORD_PUBLISH, actor=dpo)
    assert event.reason == "Proportionate."

    assert enable(admin_client, camera).status_code == 200
    # The DPIA covers face recognition only.
    plates = enable(admin_client, camera, "plate_recognition_enabled")
    assert plates.status_code == 400 and "Plate recognition" in plates.content.decode()


def test_a_dpia_past_its_review_date_turns_recognition_off():
    camera = CameraFactory()
    dpia = approved_dpia(camera)
    admin_client, _ = client_as(Role.ADMIN)
    assert enable(admin_client, camera).status_code == 200
    Dpia.objects.filter(pk=dpia.pk).update(
        review_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    turned_off = dpias_lapse_expired()
    assert turned_off == [(camera.pk, "face_recognition")]
    camera.refresh_from_db()
    assert camera.face_recognition_enabled is False
    dpia.refresh_from_db()
    assert dpia.lapsed_at is not None
    entry = LogEntry.objects.get_for_object(camera).order_by("-id").first()
    assert "face_recognition_enabled" in entry.changes_dict
    assert entry.actor.username == "veil-system" or entry.actor.is_service_account
    assert enable(admin_client, camera).status_code == 400


def test_withdrawing_a_dpia_turns_recognition_off_at_once():
    camera = CameraFactory()
    dpia = approved_dpia(camera, analytic="plate_recognition")
    admin_client, _ = client_as(Role.ADMIN)
    assert enable(admin_client, camera, "plate_recognition_enabled").status_code == 200
    dpo_client, _ = client_as(Role.DPO)
    response = dpo_client.post(
        reverse("privacy-api:dpia-withdraw", args=[dpia.pk]),
        {"reason": "Project cancelled."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Camera.objects.get(pk=camera.pk).plate_recognition_enabled is False


def test_no_real_time_face_identification_on_public_space_even_with_a_dpia():
    camera = CameraFactory(films_public_space=True)
    approved_dpia(camera)
    admin_client, _ = client_as(Role.ADMIN)
    response = enable(admin_client, camera)
    assert response.status_code == 400
    assert "publicly accessible space" in response.content.decode()
    draft = admin_client.post(
        reverse("privacy-api:dpia-list"),
        {"title": "Street", "cameras": [camera.pk], "analytics": ["face_recognition"], **ART_35_7},
        format="json",
    ).json()
    submitted = admin_client.post(reverse("privacy-api:dpia-submit", args=[draft["id"]]))
    assert submitted.status_code == 400
    assert "publicly accessible space" in submitted.content.decode()


class TestDpiaAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = Dpia
    namespace, basename = "privacy-api", "dpia"

    def make_object(self):
        return Dpia.objects.create(title="Entrance", owner=UserFactory(), **ART_35_7)

    def create_data(self):
        return {"title": "Car park plates", **ART_35_7}

    def update_data(self, obj):
        return {"title": f"{obj.title} (revised)"}
