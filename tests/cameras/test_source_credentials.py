"""Stored camera credentials are bound to the scheme, host and port they were entered for.

An admin who changes where a source points (through the form, the API or the service) and
does not enter the credentials again leaves none stored: the next probe sends none to the new
place — a real listener standing in for it receives no ``Authorization`` — while credentials
entered again in the same change do reach it.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Camera
from cameras.services.health import camera_probe
from cameras.services.registry import camera_register, camera_update
from tests.cameras.listener import CredentialListener
from tests.factories import BALANCING_NOTE, SPECIFIC_PURPOSE, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

USERNAME, PASSWORD = "cam-admin", "s3cret-Pa55"
NEW_USERNAME, NEW_PASSWORD = "yard-viewer", "n3w-Pa55word"


@pytest.fixture
def listener():
    with CredentialListener("127.0.0.2") as server:
        yield server


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture(autouse=True)
def _quick_probes(settings):
    settings.CAMERA_PROBE_OPEN_TIMEOUT_SECONDS = 4.0
    settings.CAMERA_PROBE_READ_TIMEOUT_SECONDS = 4.0


def _register(admin, url: str) -> Camera:
    return camera_register(
        actor=admin,
        site=SiteFactory(),
        name="Yard gate",
        source_url=url,
        source_username=USERNAME,
        source_password=PASSWORD,
        purpose=SPECIFIC_PURPOSE,
        lawful_basis="legitimate_interests",
        lawful_basis_note=BALANCING_NOTE,
    )


# Each way of pointing a camera elsewhere: (stored URL, new URL), given the listener's port.
MOVES = {
    "host": ("http://127.0.0.1:{port}/video.mjpg", "http://127.0.0.2:{port}/video.mjpg"),
    "port": ("rtsp://127.0.0.2:{other}/live", "rtsp://127.0.0.2:{port}/live"),
    "scheme": ("rtsp://127.0.0.2:{port}/live", "http://127.0.0.2:{port}/live"),
}


def _edit(path: str, admin, camera: Camera, url: str, username: str = "", password: str = ""):
    """Point ``camera`` at ``url`` the way an admin would through ``path``."""
    if path == "service":
        camera_update(
            actor=admin,
            camera=camera,
            source_url=url,
            source_username=username,
            source_password=password,
        )
    elif path == "api":
        client = APIClient()
        client.force_login(admin)
        response = client.patch(
            reverse("cameras-api:camera-detail", args=[camera.pk]),
            {"source_url": url, "source_username": username, "source_password": password},
            format="json",
        )
        assert response.status_code == 200, response.content
    else:
        client = Client()
        client.force_login(admin)
        response = client.post(
            reverse("cameras:camera-edit", args=[camera.pk]),
            {
                "name": camera.name,
                "site": camera.site_id,
                "source_url": url,
                "source_username": username,
                "source_password": password,
                "purpose": camera.purpose,
                "lawful_basis": camera.lawful_basis,
                "lawful_basis_note": camera.lawful_basis_note,
                "retention_hours": camera.retention_hours,
                "enabled": "on",
                "analytics_enabled": "on",
                "analytics_fps": "5",
                "anonymize_mode": "blur",
            },
            follow=True,
        )
        assert response.redirect_chain, response.content.decode()
        page = response.content.decode()
        if not username:
            # The admin is told, not left to find a silent camera.
            assert "stored stream username and password were cleared" in page


@pytest.mark.parametrize("path", ["form", "api", "service"])
@pytest.mark.parametrize("move", sorted(MOVES))
def test_moved_source_sends_no_stored_credentials(path, move, admin, listener, closed_port):
    stored, new = (u.format(port=listener.port, other=closed_port) for u in MOVES[move])
    camera = _register(admin, stored)
    assert camera.has_credentials

    _edit(path, admin, camera, new)
    camera.refresh_from_db()
    assert camera.source_url == new
    assert (camera.source_username, camera.source_password) == ("", "")

    camera_probe(camera=camera)
    assert listener.requests, "the probe did not reach the new host"
    assert listener.authorization_headers() == []
    assert not listener.got_credentials(USERNAME, PASSWORD)


@pytest.mark.parametrize("path", ["form", "api", "service"])
def test_credentials_entered_again_reach_the_new_host(path, admin, listener):
    camera = _register(admin, f"http://127.0.0.1:{listener.port}/video.mjpg")
    new = f"http://127.0.0.2:{listener.port}/video.mjpg"

    _edit(path, admin, camera, new, NEW_USERNAME, NEW_PASSWORD)
    camera.refresh_from_db()
    assert (camera.source_username, camera.source_password) == (NEW_USERNAME, NEW_PASSWORD)

    camera_probe(camera=camera)
    token = base64.b64encode(f"{NEW_USERNAME}:{NEW_PASSWORD}".encode()).decode()
    assert listener.authorization_headers() == [f"Basic {token}"]
    assert not listener.got_credentials(USERNAME, PASSWORD)


def test_credentials_typed_into_the_new_url_count_as_entered_again(admin, listener):
    camera = _register(admin, f"rtsp://127.0.0.1:{listener.port}/live")
    camera_update(
        actor=admin,
        camera=camera,
        source_url=f"rtsp://{NEW_USERNAME}:{NEW_PASSWORD}@127.0.0.2:{listener.port}/live",
    )
    camera.refresh_from_db()
    assert camera.source_url == f"rtsp://127.0.0.2:{listener.port}/live"
    camera_probe(camera=camera)
    token = base64.b64encode(f"{NEW_USERNAME}:{NEW_PASSWORD}".encode()).decode()
    assert f"Basic {token}" in listener.authorization_headers()


@pytest.mark.parametrize(
    "new",
    [
        "rtsp://127.0.0.1:554/other-stream",  # another path, same origin
        "RTSP://127.0.0.1/live",  # the default port spelled out or not, any case
        "rtsp://127.0.0.1:554/live?channel=2",
    ],
)
def test_same_origin_keeps_the_stored_credentials(admin, new):
    camera = _register(admin, "rtsp://127.0.0.1:554/live")
    camera_update(actor=admin, camera=camera, source_url=new)
    camera.refresh_from_db()
    assert (camera.source_username, camera.source_password) == (USERNAME, PASSWORD)


def test_secret_query_values_stay_with_their_host(admin):
    camera = _register(admin, "http://127.0.0.1:8090/video.mjpg?channel=1&token=T0KEN-1")
    # Sent back as shown (redacted), towards the same host: the stored token is kept.
    camera_update(
        actor=admin,
        camera=camera,
        source_url="http://127.0.0.1:8090/other.mjpg?channel=1&token=***",
    )
    camera.refresh_from_db()
    assert camera.source_url == "http://127.0.0.1:8090/other.mjpg?channel=1&token=T0KEN-1"
    # Towards another host, the placeholder cannot carry the stored token there.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        camera_update(
            actor=admin, camera=camera, source_url="http://127.0.0.2:8090/video.mjpg?token=***"
        )
    assert "Enter the value of 'token'" in str(refused.value)
    camera.refresh_from_db()
    assert camera.source_url.endswith("token=T0KEN-1")


def test_edit_form_says_what_is_stored_and_what_a_move_does(admin):
    camera = _register(admin, "http://127.0.0.1:8090/video.mjpg?channel=1&apikey=AK-SECRET")
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("cameras:camera-edit", args=[camera.pk])).content.decode()
    assert "AK-SECRET" not in page and PASSWORD not in page and USERNAME not in page
    assert 'value="http://127.0.0.1:8090/video.mjpg?channel=1&amp;apikey=***"' in page
    assert "Stored — re-enter to change" in page
    assert "scheme, host or port clears the stored username and password" in page
