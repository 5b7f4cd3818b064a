"""A camera's recording settings: set through the API and the camera form, validated, and
handed to the analytics worker with the rest of its configuration."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from analytics.selectors import camera_analytics_config
from cameras.forms import CameraForm
from cameras.models import Camera, Site
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db


def editor_client() -> APIClient:
    editor = UserFactory(role="")
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_camera", "change_camera"])
    )
    client = APIClient()
    client.force_login(editor)
    return client


def test_the_api_sets_recording_and_the_worker_config_carries_it():
    camera = CameraFactory()
    url = reverse("cameras-api:camera-detail", args=[camera.pk])
    client = editor_client()
    response = client.patch(
        url,
        {"recording_mode": "alerts", "recording_pre_roll_seconds": 15,
         "recording_post_roll_seconds": 45},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["recording_mode"] == "alerts"
    config = camera_analytics_config(camera.pk)
    assert (
        config.recording_mode,
        config.recording_pre_roll_seconds,
        config.recording_post_roll_seconds,
    ) == ("alerts", 15, 45)
    refused = client.patch(url, {"recording_post_roll_seconds": 100_000}, format="json")
    assert refused.status_code == 400
    assert client.patch(url, {"recording_mode": "sometimes"}, format="json").status_code == 400


def test_the_form_keeps_recording_settings_it_leaves_out():
    camera = CameraFactory(
        recording_mode="continuous", recording_pre_roll_seconds=7, recording_post_roll_seconds=9
    )
    data = {
        "name": camera.name,
        "site": camera.site.pk,
        "purpose": camera.purpose,
        "lawful_basis": camera.lawful_basis,
        "lawful_basis_note": camera.lawful_basis_note,
        "retention_hours": camera.retention_hours,
        "enabled": "on",
        "analytics_enabled": "on",
    }
    form = CameraForm(data, instance=camera, sites=Site.objects.all(), with_source=False)
    assert form.is_valid(), form.errors
    saved = form.save()
    saved = Camera.objects.get(pk=saved.pk)
    assert (saved.recording_mode, saved.recording_pre_roll_seconds) == ("continuous", 7)
    data.update(recording_mode="off", recording_post_roll_seconds="30")
    form = CameraForm(data, instance=saved, sites=Site.objects.all(), with_source=False)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recording_mode"] == "off"
    assert form.cleaned_data["recording_post_roll_seconds"] == 30
