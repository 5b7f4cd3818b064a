"""Where a camera source may point: files only in the configured media directories, network
hosts by the deployment's allow and deny lists. One rule, through the form, the API and the
services, and again when a source is opened (the probe, the engine's ``open_capture``)."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Camera, CameraStatus
from cameras.services.health import camera_probe
from cameras.services.registry import camera_register
from cameras.sources import open_capture
from cameras.validators import validate_camera_source
from tests.cameras.listener import CredentialListener
from tests.factories import (
    BALANCING_NOTE,
    SPECIFIC_PURPOSE,
    CameraFactory,
    SiteFactory,
    UserFactory,
)

FILE_REFUSAL = (
    "File sources must be inside a media directory this deployment allows (VMS_CAMERA_FILE_ROOTS)."
)


@pytest.fixture
def production_rules(settings):
    """The production defaults: no special network allowed, public addresses pass."""
    settings.CAMERA_ALLOWED_NETWORKS = []
    settings.CAMERA_DENIED_NETWORKS = []
    settings.CAMERA_ALLOW_PUBLIC_NETWORKS = True


def refusal(url: str) -> str | None:
    try:
        validate_camera_source(url)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


# (URL, words the refusal must contain): every kind of address a camera source may not use
# unless the deployment allows its network.
FORBIDDEN = [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://[fd00:ec2::254]/latest/", "cloud metadata"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
    ("rtsp://169.254.10.20/live", "link-local"),
    ("rtsp://[fe80::1]/live", "link-local"),
    ("rtsp://127.0.0.1:8554/lobby", "loopback"),
    ("rtsp://127.1.2.3/live", "loopback"),
    ("rtsp://[::1]/live", "loopback"),
    ("http://localhost:8090/x.mjpg", "host name resolves to a loopback"),
    ("http://2130706433/x.mjpg", "host name resolves to a loopback"),  # 127.0.0.1 as a number
    ("rtsp://0.0.0.0/live", "unspecified"),
    ("rtsp://[::]/live", "unspecified"),
    ("rtsp://224.0.0.251/live", "multicast"),
    ("rtsp://[ff02::1]/live", "multicast"),
    ("rtsp://10.1.2.3/live", "private-network"),
    ("rtsp://172.16.0.5/live", "private-network"),
    ("rtsp://192.168.1.10/live", "private-network"),
    ("rtsp://100.64.0.1/live", "private-network"),
    ("rtsp://[fd12:3456::1]/live", "private-network"),
    ("rtsp://192.0.2.1/live", "reserved or special-purpose"),
]


@pytest.mark.parametrize(("url", "words"), FORBIDDEN, ids=[u for u, _ in FORBIDDEN])
def test_forbidden_addresses_are_refused_with_the_rule(production_rules, url, words):
    message = refusal(url)
    assert message and words in message, message
    if "metadata" not in words:
        assert "VMS_CAMERA_ALLOWED_NETWORKS" in message  # says how a deployment allows it


def test_public_addresses_pass_and_can_be_refused_too(production_rules, settings):
    assert refusal("rtsps://8.8.8.8/live") is None
    assert refusal("http://[2001:4860:4860::8888]/x") is None
    assert refusal("rtsp://cam.example/live") is None  # a name that does not resolve yet
    settings.CAMERA_ALLOW_PUBLIC_NETWORKS = False
    assert "public address" in refusal("rtsps://8.8.8.8/live")


def test_allowed_networks_deny_wins_and_metadata_never(production_rules, settings):
    settings.CAMERA_ALLOWED_NETWORKS = ["10.20.0.0/16", "169.254.0.0/16", "::1/128"]
    settings.CAMERA_DENIED_NETWORKS = ["10.20.5.0/24"]
    assert refusal("rtsp://10.20.1.1/live") is None
    assert refusal("rtsp://[::1]/live") is None
    assert refusal("rtsp://169.254.10.20/live") is None  # a link-local camera, allowed
    assert "private-network" in refusal("rtsp://10.21.1.1/live")
    assert "VMS_CAMERA_DENIED_NETWORKS" in refusal("rtsp://10.20.5.5/live")
    assert "cloud metadata" in refusal("http://169.254.169.254/")
    settings.CAMERA_DENIED_NETWORKS = ["8.8.8.0/24"]
    assert "VMS_CAMERA_DENIED_NETWORKS" in refusal("rtsps://8.8.8.8/live")


def test_embedded_defaults_allow_loopback_for_the_demo_streams(settings):
    from vms import settings as defaults

    assert not defaults.PRODUCTION
    assert defaults.CAMERA_ALLOWED_NETWORKS == ["127.0.0.0/8", "::1/128"]
    settings.CAMERA_ALLOWED_NETWORKS = defaults.CAMERA_ALLOWED_NETWORKS
    assert refusal("rtsp://127.0.0.1:8554/lobby") is None
    assert "private-network" in refusal("rtsp://192.168.1.10/live")
    assert "cloud metadata" in refusal("http://169.254.169.254/")


# --- files -----------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media-root"
    root.mkdir()
    (root / "clip.mp4").write_bytes(b"not really a video")
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"secret")
    (root / "escape.mp4").symlink_to(outside)
    settings.CAMERA_FILE_ROOTS = [str(root)]
    return root


def test_file_sources_only_inside_the_media_directories(media_root, settings):
    assert refusal((media_root / "clip.mp4").as_uri()) is None
    assert refusal((media_root / "not-there-yet.mp4").as_uri()) is None
    refused = [
        "file:///etc/passwd",
        "file:///etc/shadow",
        (settings.DATA_DIR / "secret_key").as_uri(),
        f"file://{media_root}/../outside.mp4",
        f"file://{media_root}/%2e%2e/outside.mp4",
        (media_root / "escape.mp4").as_uri(),  # a link out of the directory
        media_root.as_uri(),  # the directory itself
        f"file://fileserver{media_root}/clip.mp4",  # another machine's file system
        "file:///etc/passwd%00.mp4",
    ]
    for url in refused:
        message = refusal(url)
        # One message whatever the path: exists or not, readable or not; no path echoed.
        assert message == FILE_REFUSAL, (url, message)


# --- every path: form, API, service ----------------------------------------------------------


def _via_service(admin, url):
    try:
        camera_register(
            actor=admin,
            site=SiteFactory(),
            name="Probe target",
            source_url=url,
            purpose=SPECIFIC_PURPOSE,
            lawful_basis="legitimate_interests",
            lawful_basis_note=BALANCING_NOTE,
        )
    except ValidationError as error:
        return " ".join(error.message_dict["source_url"])
    return None


def _via_api(admin, url):
    client = APIClient()
    client.force_login(admin)
    response = client.post(
        reverse("cameras-api:camera-list"),
        {
            "name": "Probe target",
            "site": SiteFactory().pk,
            "source_url": url,
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "legitimate_interests",
            "lawful_basis_note": BALANCING_NOTE,
        },
        format="json",
    )
    if response.status_code == 201:
        return None
    assert response.status_code == 400, response.content
    return " ".join(response.json()["source_url"])


def _via_form(admin, url):
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("cameras:camera-create"),
        {
            "name": "Probe target",
            "site": SiteFactory().pk,
            "source_url": url,
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "legitimate_interests",
            "lawful_basis_note": BALANCING_NOTE,
            "retention_hours": "72",
            "enabled": "on",
            "analytics_enabled": "on",
            "analytics_fps": "5",
            "anonymize_mode": "blur",
        },
    )
    if response.status_code == 302:
        return None
    form = response.context["form"]
    return " ".join(form.errors.get("source_url", []))


PATH_CASES = [
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("rtsp://[::1]/live", "loopback"),
    ("rtsp://0.0.0.0/live", "unspecified"),
    ("rtsp://192.168.1.10/live", "private-network"),
    ("file:///etc/passwd", FILE_REFUSAL),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", [_via_form, _via_api, _via_service], ids=["form", "api", "service"]
)
@pytest.mark.parametrize(("url", "words"), PATH_CASES, ids=[u for u, _ in PATH_CASES])
def test_every_path_refuses_with_the_same_message(production_rules, path, url, words):
    admin = UserFactory(role=Role.ADMIN)
    message = path(admin, url)
    assert message and words in message, message
    assert "/etc" not in message
    assert not Camera.objects.filter(name="Probe target").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", [_via_form, _via_api, _via_service], ids=["form", "api", "service"]
)
def test_every_path_accepts_an_allowed_source(production_rules, settings, path):
    settings.CAMERA_ALLOWED_NETWORKS = ["192.168.1.0/24"]
    assert path(UserFactory(role=Role.ADMIN), "rtsp://192.168.1.10/live") is None
    assert Camera.objects.filter(name="Probe target").exists()


# --- checked again when opened ---------------------------------------------------------------


@pytest.mark.django_db
def test_probe_and_engine_check_the_rules_again_when_opening(settings):
    """A source saved while allowed, then refused (the rules changed, or a name now resolves
    elsewhere): the probe reports the refusal and neither it nor the engine connects."""
    with CredentialListener("127.0.0.2") as listener:
        url = f"http://127.0.0.2:{listener.port}/video.mjpg"
        camera = CameraFactory(source_url=url, source_username="u", source_password="p")
        settings.CAMERA_ALLOWED_NETWORKS = []

        result = camera_probe(camera=camera)
        capture = open_capture(camera.stream_url(), open_timeout=2, read_timeout=2)
        assert not capture.isOpened()
        capture.release()

        assert listener.requests == []
    camera.refresh_from_db()
    assert camera.status == CameraStatus.ERROR and not result.ok
    assert camera.status_message.startswith("Refused by this deployment's camera source rules.")
    assert "loopback" in camera.status_message
    assert "127.0.0.2" not in camera.status_message


@pytest.mark.django_db
def test_probe_of_a_file_outside_the_media_directories_reads_no_file(settings, tmp_path):
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(os.urandom(64))
    camera = CameraFactory(source_url=secret.as_uri())
    camera_probe(camera=camera)
    camera.refresh_from_db()
    assert camera.status == CameraStatus.ERROR
    assert FILE_REFUSAL in camera.status_message and str(tmp_path) not in camera.status_message


def test_an_unresolvable_name_is_offline_when_opened():
    from cameras.health import probe_source

    result = probe_source("rtsp://no-such-camera.example/live", open_timeout=2, read_timeout=2)
    assert (result.status, result.message) == (
        "offline",
        "The stream's host name does not resolve.",
    )


def test_a_malformed_network_setting_stops_start_up():
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "VMS_CAMERA_ALLOWED_NETWORKS"}
    env["VMS_CAMERA_ALLOWED_NETWORKS"] = "10.20.0.0/16,camera-vlan"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "VMS_CAMERA_ALLOWED_NETWORKS: 'camera-vlan' is not a network" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", [_via_form, _via_api, _via_service], ids=["form", "api", "service"]
)
def test_a_malformed_url_with_credentials_is_a_clear_error(path):
    message = path(UserFactory(role=Role.ADMIN), "rtsp://admin:pw@cam.example:port/live")
    assert message.startswith("Malformed stream URL")
    assert "pw" not in message
