"""Camera and site pages, through HTTP: who sees what, hidden == missing, secrets never shown."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from cameras.models import Camera, Site
from cameras.services.health import camera_probe
from compliance.models import AccessEvent, AccessKind
from tests.factories import (
    BALANCING_NOTE,
    SPECIFIC_PURPOSE,
    CameraFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MISSING_PK = 987654
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def world():
    site_a = SiteFactory(name="Alpha Yard")
    site_b = SiteFactory(name="Bravo Yard")
    return {
        "site_a": site_a,
        "site_b": site_b,
        "cam_a": CameraFactory(name="Alpha Gate", site=site_a),
        "cam_b": CameraFactory(name="Bravo Gate", site=site_b),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def page_without_csrf(response) -> str:
    """The page as text, minus the CSRF token (masked afresh on every response)."""
    return CSRF_INPUT.sub("", response.content.decode())


def camera_form_data(site, **overrides):
    data = {
        "name": "Dock East",
        "site": site.pk,
        "source_url": "rtsp://10.1.2.3:554/stream",
        "source_username": "",
        "source_password": "",
        "purpose": SPECIFIC_PURPOSE,
        "lawful_basis": "legitimate_interests",
        "lawful_basis_note": BALANCING_NOTE,
        "retention_hours": "72",
        "retention_justification": "",
        "enabled": "on",
        "analytics_enabled": "on",
        "analytics_fps": "5",
        "anonymize_mode": "blur",
    }
    data.update(overrides)
    return data


# --- Scope: guard, supervisor, DPO -----------------------------------------------------------


def test_guard_lists_only_their_sites_cameras(world):
    guard = client_for(UserFactory(role=Role.GUARD, sites=[world["site_a"]]))
    body = guard.get(reverse("cameras:camera-list")).content.decode()
    assert "Alpha Gate" in body
    assert "Bravo Gate" not in body and "Bravo Yard" not in body
    # Not even the site filter names the other site.
    assert f'value="{world["site_b"].pk}"' not in body


@pytest.mark.parametrize("name", ["camera-detail", "camera-edit", "camera-disable"])
def test_hidden_camera_answers_exactly_like_a_missing_one(world, name):
    guard = client_for(UserFactory(role=Role.GUARD, sites=[world["site_a"]]))
    hidden = guard.get(reverse(f"cameras:{name}", args=[world["cam_b"].pk]))
    missing = guard.get(reverse(f"cameras:{name}", args=[MISSING_PK]))
    assert hidden.status_code == missing.status_code == 404
    assert page_without_csrf(hidden) == page_without_csrf(missing)
    assert b"Bravo" not in hidden.content


@pytest.mark.parametrize("name", ["camera-edit", "camera-disable", "camera-enable"])
def test_guard_cannot_change_hidden_or_visible_camera_by_post(world, name):
    guard = client_for(UserFactory(role=Role.GUARD, sites=[world["site_a"]]))
    for camera in (world["cam_a"], world["cam_b"]):
        response = guard.post(
            reverse(f"cameras:{name}", args=[camera.pk]),
            camera_form_data(world["site_a"], name="Renamed"),
        )
        assert response.status_code == 404
        camera.refresh_from_db()
        assert camera.enabled and camera.name != "Renamed"


def test_guard_sees_a_camera_granted_one_by_one(world):
    guard = client_for(UserFactory(role=Role.GUARD, cameras=[world["cam_b"]]))
    body = guard.get(reverse("cameras:camera-list")).content.decode()
    assert "Bravo Gate" in body and "Alpha Gate" not in body
    assert guard.get(reverse("cameras:camera-detail", args=[world["cam_b"].pk])).status_code == 200
    # The single camera does not open its site.
    assert guard.get(reverse("cameras:site-detail", args=[world["site_b"].pk])).status_code == 404


def test_supervisor_sees_only_their_sites(world):
    supervisor = client_for(UserFactory(role=Role.SUPERVISOR, sites=[world["site_b"]]))
    body = supervisor.get(reverse("cameras:camera-list")).content.decode()
    assert "Bravo Gate" in body and "Alpha Gate" not in body
    body = supervisor.get(reverse("cameras:site-list")).content.decode()
    assert "Bravo Yard" in body and "Alpha Yard" not in body
    site_b = supervisor.get(reverse("cameras:site-detail", args=[world["site_b"].pk]))
    assert site_b.status_code == 200 and "Bravo Gate" in site_b.content.decode()
    hidden = supervisor.get(reverse("cameras:site-detail", args=[world["site_a"].pk]))
    missing = supervisor.get(reverse("cameras:site-detail", args=[MISSING_PK]))
    assert hidden.status_code == missing.status_code == 404
    assert page_without_csrf(hidden) == page_without_csrf(missing)


def test_dpo_sees_everything_but_cannot_edit(world):
    dpo = client_for(UserFactory(role=Role.DPO))
    body = dpo.get(reverse("cameras:camera-list")).content.decode()
    assert "Alpha Gate" in body and "Bravo Gate" in body
    assert "Register camera" not in body
    detail = dpo.get(reverse("cameras:camera-detail", args=[world["cam_a"].pk])).content.decode()
    assert "Alpha Gate" in detail and "/edit/" not in detail
    for url in [
        reverse("cameras:camera-create"),
        reverse("cameras:camera-edit", args=[world["cam_a"].pk]),
        reverse("cameras:camera-disable", args=[world["cam_a"].pk]),
        reverse("cameras:site-create"),
        reverse("cameras:site-edit", args=[world["site_a"].pk]),
    ]:
        assert dpo.get(url).status_code == 404, url
    response = dpo.post(reverse("cameras:camera-create"), camera_form_data(world["site_a"]))
    assert response.status_code == 404
    assert not Camera.objects.filter(name="Dock East").exists()


def test_camera_list_filters_and_search(world):
    CameraFactory(name="Alpha Roof", site=world["site_a"], status="offline", enabled=False)
    admin = client_for(UserFactory(role=Role.ADMIN))
    url = reverse("cameras:camera-list")
    body = admin.get(url, {"q": "roof"}).content.decode()
    assert "Alpha Roof" in body and "Alpha Gate" not in body
    body = admin.get(url, {"q": "bravo"}).content.decode()  # searches site names too
    assert "Bravo Gate" in body and "Alpha Gate" not in body
    body = admin.get(url, {"site": world["site_a"].pk}).content.decode()
    assert "Alpha Gate" in body and "Bravo Gate" not in body
    body = admin.get(url, {"status": "offline"}).content.decode()
    assert "Alpha Roof" in body and "Alpha Gate" not in body
    body = admin.get(url, {"enabled": "false"}).content.decode()
    assert "Alpha Roof" in body and "Bravo Gate" not in body


def test_list_shows_status_message_and_measured_facts(world):
    Camera.objects.filter(pk=world["cam_a"].pk).update(
        status="error",
        status_message="RTSP 401 Unauthorized",
        width=1920,
        height=1080,
        frame_rate=25,
        codec="h264",
    )
    admin = client_for(UserFactory(role=Role.ADMIN))
    body = admin.get(reverse("cameras:camera-list")).content.decode()
    for text in ("status-error", "RTSP 401 Unauthorized", "1920×1080", "h264", ">25<"):
        assert text in body, text


# --- Source URLs: admins only ----------------------------------------------------------------

SOURCE_HOST = "10.77.66.55"


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.DPO])
def test_no_page_shows_the_source_to_anyone_but_admins(world, role, closed_port):
    """Not on the list, the detail, the site, the wall; not in a probe's status message."""
    camera = CameraFactory(
        name="Source Gate",
        site=world["site_a"],
        source_url=f"rtsp://{SOURCE_HOST}:554/yard?token=s3cr3t",
        source_username="op",
        source_password="hunter22",
    )
    dead = CameraFactory(
        name="Dead Gate", site=world["site_a"], source_url=f"rtsp://127.0.0.1:{closed_port}/dead"
    )
    camera_probe(camera=dead)
    user = client_for(UserFactory(role=role, sites=[world["site_a"]]))
    pages = [
        reverse("cameras:camera-list"),
        reverse("cameras:camera-detail", args=[camera.pk]),
        reverse("cameras:camera-detail", args=[dead.pk]),
        reverse("cameras:site-detail", args=[world["site_a"].pk]),
    ]
    if role != Role.DPO:
        pages.append(reverse("analytics:wall"))
    for url in pages:
        response = user.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for leak in (SOURCE_HOST, "rtsp://", "s3cr3t", "hunter22", f"127.0.0.1:{closed_port}"):
            assert leak not in body, (url, leak)
    assert "Could not connect" in user.get(reverse("cameras:camera-list")).content.decode()


def test_admin_sees_the_source_on_the_detail_and_the_edit_form(world):
    camera = CameraFactory(
        site=world["site_a"],
        source_url=f"rtsp://{SOURCE_HOST}:554/yard?token=s3cr3t",
        source_password="hunter22",
    )
    admin = client_for(UserFactory(role=Role.ADMIN))
    detail = admin.get(reverse("cameras:camera-detail", args=[camera.pk])).content.decode()
    assert f"rtsp://{SOURCE_HOST}:554/yard?token=***" in detail and "s3cr3t" not in detail
    form = admin.get(reverse("cameras:camera-edit", args=[camera.pk])).content.decode()
    assert 'name="source_url"' in form and SOURCE_HOST in form
    assert "hunter22" not in form


def test_an_editor_without_the_source_permission_edits_all_but_the_source(world):
    camera = CameraFactory(site=world["site_a"], source_url=f"rtsp://{SOURCE_HOST}/keep")
    editor = UserFactory(role="")
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_camera", "change_camera", "view_site"])
    )
    client = client_for(editor)
    url = reverse("cameras:camera-edit", args=[camera.pk])
    form = client.get(url).content.decode()
    assert 'name="source_url"' not in form and SOURCE_HOST not in form
    data = camera_form_data(world["site_a"], name="Renamed", source_url="rtsp://10.9.9.9/other")
    assert client.post(url, data).status_code == 302
    camera.refresh_from_db()
    assert (camera.name, camera.source_url) == ("Renamed", f"rtsp://{SOURCE_HOST}/keep")


# --- Detail and access events ----------------------------------------------------------------


def test_camera_detail_writes_a_camera_view_event(world):
    guard = client_for(UserFactory(role=Role.GUARD, sites=[world["site_a"]]))
    response = guard.get(
        reverse("cameras:camera-detail", args=[world["cam_a"].pk]), REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 200
    event = AccessEvent.objects.get(kind=AccessKind.CAMERA_VIEW)
    assert event.actor == guard.user
    assert event.target_id == str(world["cam_a"].pk)
    assert event.remote_addr == "198.51.100.4"
    # A refused look leaves no event that names the hidden camera.
    guard.get(reverse("cameras:camera-detail", args=[world["cam_b"].pk]))
    assert AccessEvent.objects.filter(kind=AccessKind.CAMERA_VIEW).count() == 1


# --- Admin: register, edit, disable; secrets -------------------------------------------------


def test_admin_registers_camera_and_the_password_appears_nowhere(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(
        reverse("cameras:camera-create"),
        camera_form_data(world["site_a"], source_url="rtsp://user:secret@cam.example/stream"),
    )
    assert response.status_code == 302
    camera = Camera.objects.get(name="Dock East")
    assert camera.source_url == "rtsp://cam.example/stream"
    assert (camera.source_username, camera.source_password) == ("user", "secret")

    pages = [
        reverse("cameras:camera-list"),
        reverse("cameras:camera-detail", args=[camera.pk]),
        reverse("cameras:camera-edit", args=[camera.pk]),
        reverse("cameras:site-detail", args=[world["site_a"].pk]),
        reverse("compliance:change-log-list"),
        reverse("compliance:access-event-list"),
    ]
    for url in pages:
        body = admin.get(url).content.decode()
        assert "secret" not in body, url
    detail = admin.get(reverse("cameras:camera-detail", args=[camera.pk])).content.decode()
    assert "rtsp://cam.example/stream" in detail
    assert "Credentials stored</dt><dd>yes" in detail
    edit = admin.get(reverse("cameras:camera-edit", args=[camera.pk])).content.decode()
    assert 'value="rtsp://cam.example/stream"' in edit
    assert 'value="user"' not in edit  # the username is not pre-filled either

    entries = LogEntry.objects.get_for_object(camera)
    assert entries.exists()
    for entry in entries:
        assert "secret" not in str(entry.changes)
        assert entry.actor == admin.user


def test_invalid_form_does_not_echo_credentials_typed_into_the_url(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(
        reverse("cameras:camera-create"),
        camera_form_data(
            world["site_a"], source_url="rtsp://user:secret@cam.example/s", purpose="for safety"
        ),
    )
    assert response.status_code == 200
    assert "secret" not in response.content.decode()


def test_edit_with_blank_credentials_keeps_them(world):
    camera = CameraFactory(site=world["site_a"], source_username="op", source_password="hunter22")
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(
        reverse("cameras:camera-edit", args=[camera.pk]),
        camera_form_data(world["site_a"], name="Renamed", source_url=camera.source_url),
    )
    assert response.status_code == 302
    camera.refresh_from_db()
    assert camera.name == "Renamed"
    assert (camera.source_username, camera.source_password) == ("op", "hunter22")
    entry = LogEntry.objects.get_for_object(camera).latest("timestamp")
    assert entry.action == LogEntry.Action.UPDATE and entry.actor == admin.user


def test_vague_purpose_is_rejected_with_the_message(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(
        reverse("cameras:camera-create"), camera_form_data(world["site_a"], purpose="for safety")
    )
    assert response.status_code == 200
    assert "The purpose is too vague." in response.content.decode()
    assert not Camera.objects.filter(name="Dock East").exists()


def test_long_retention_without_justification_is_rejected(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(
        reverse("cameras:camera-create"), camera_form_data(world["site_a"], retention_hours="96")
    )
    assert response.status_code == 200
    assert "needs a written justification" in response.content.decode()
    assert not Camera.objects.filter(name="Dock East").exists()
    response = admin.post(
        reverse("cameras:camera-create"),
        camera_form_data(
            world["site_a"],
            retention_hours="96",
            retention_justification="Weekend incidents are reported on Monday mornings.",
        ),
    )
    assert response.status_code == 302


def test_disable_asks_then_disables_on_post(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    url = reverse("cameras:camera-disable", args=[world["cam_a"].pk])
    page = admin.get(url)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    world["cam_a"].refresh_from_db()
    assert world["cam_a"].enabled
    assert admin.post(url).status_code == 302
    world["cam_a"].refresh_from_db()
    assert not world["cam_a"].enabled
    entry = LogEntry.objects.get_for_object(world["cam_a"]).latest("timestamp")
    assert entry.actor == admin.user and "enabled" in entry.changes_dict
    admin.post(reverse("cameras:camera-enable", args=[world["cam_a"].pk]))
    world["cam_a"].refresh_from_db()
    assert world["cam_a"].enabled


# --- Sites -----------------------------------------------------------------------------------


def test_admin_creates_and_edits_a_site_with_change_log(world):
    admin = client_for(UserFactory(role=Role.ADMIN))
    data = {
        "name": "Chicago Depot",
        "country": "US",
        "region": "",
        "time_zone": "America/Chicago",
        "address": "1 Main St",
    }
    response = admin.post(reverse("cameras:site-create"), data)
    assert response.status_code == 200
    assert "need a state or province" in response.content.decode()
    response = admin.post(reverse("cameras:site-create"), {**data, "region": "il"})
    assert response.status_code == 302
    site = Site.objects.get(name="Chicago Depot")
    assert (site.region, site.time_zone) == ("IL", "America/Chicago")
    response = admin.post(
        reverse("cameras:site-edit", args=[site.pk]), {**data, "region": "IL", "name": "Chicago 2"}
    )
    assert response.status_code == 302
    actions = set(
        LogEntry.objects.get_for_object(site)
        .filter(actor=admin.user)
        .values_list("action", flat=True)
    )
    assert actions == {LogEntry.Action.CREATE, LogEntry.Action.UPDATE}


def test_guard_cannot_open_site_forms(world):
    guard = client_for(UserFactory(role=Role.GUARD, sites=[world["site_a"]]))
    assert guard.get(reverse("cameras:site-create")).status_code == 404
    assert guard.get(reverse("cameras:site-edit", args=[world["site_a"].pk])).status_code == 404
    hidden = guard.get(reverse("cameras:site-edit", args=[world["site_b"].pk]))
    missing = guard.get(reverse("cameras:site-edit", args=[MISSING_PK]))
    assert page_without_csrf(hidden) == page_without_csrf(missing)
