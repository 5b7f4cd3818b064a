"""A camera's lawful basis, the people it films, public space and recognition: what the
notices and records are built from, refused with a clear message when incomplete."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import (
    BALANCING_NOTE,
    SPECIFIC_PURPOSE,
    CameraFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def admin_client() -> APIClient:
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def register(client, **fields):
    data = {
        "name": "Dock gate",
        "site": SiteFactory().pk,
        "source_url": "rtsp://10.1.1.1:554/stream1",
        "purpose": SPECIFIC_PURPOSE,
        "lawful_basis": "legitimate_interests",
        "lawful_basis_note": BALANCING_NOTE,
        **fields,
    }
    return client.post(reverse("cameras-api:camera-list"), data, format="json")


def test_vague_purpose_is_refused_with_a_clear_message():
    response = register(admin_client(), purpose="For safety and security purposes")
    assert response.status_code == 400
    assert "purpose" in response.json()


def test_legitimate_interests_without_a_balancing_note_is_refused():
    response = register(admin_client(), lawful_basis_note="")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["lawful_basis_note"])
    assert "balancing test" in message


def test_other_bases_need_no_balancing_note():
    response = register(admin_client(), lawful_basis="legal_obligation", lawful_basis_note="")
    assert response.status_code == 201, response.content


def test_people_filmed_and_public_space_are_recorded_and_shown():
    response = register(
        admin_client(), subject_categories=["staff", "public"], films_public_space=True
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subject_categories"] == ["staff", "public"]
    assert body["films_public_space"] is True
    assert any("detection" in use for use in body["analytics_in_use"])


def test_an_unknown_category_of_people_is_refused():
    response = register(admin_client(), subject_categories=["aliens"])
    assert response.status_code == 400
    assert "subject_categories" in response.json()


def test_recognition_without_an_approved_dpia_is_refused():
    camera = CameraFactory()
    response = admin_client().patch(
        reverse("cameras-api:camera-detail", args=[camera.pk]),
        {"plate_recognition_enabled": True},
        format="json",
    )
    assert response.status_code == 400
    assert "approved DPIA" in " ".join(response.json()["plate_recognition_enabled"])
    camera.refresh_from_db()
    assert camera.plate_recognition_enabled is False


def test_real_time_face_identification_on_a_public_space_camera_is_refused():
    camera = CameraFactory(films_public_space=True)
    response = admin_client().patch(
        reverse("cameras-api:camera-detail", args=[camera.pk]),
        {"face_recognition_enabled": True},
        format="json",
    )
    assert response.status_code == 400
    message = " ".join(response.json()["face_recognition_enabled"])
    assert "publicly accessible space" in message


def test_the_camera_form_refuses_legitimate_interests_without_a_note(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    site = SiteFactory()
    response = client.post(
        reverse("cameras:camera-create"),
        {
            "name": "Yard",
            "site": site.pk,
            "source_url": "rtsp://10.1.1.2:554/stream1",
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "legitimate_interests",
            "retention_hours": 72,
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "balancing test" in response.content.decode()
