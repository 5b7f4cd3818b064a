"""Sites and cameras over the REST API: the generic permission cases, then camera rules."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Permission
from django.middleware.csrf import _get_new_csrf_string
from django.urls import reverse
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Camera, CameraStatus, Site
from compliance.models import AccessEvent, AccessKind
from tests.api_base import (
    CapabilityTests,
    CreateTests,
    ListTests,
    NoDeleteTests,
    RetrieveTests,
    UpdateTests,
    ids,
    response_text,
    results,
)
from tests.factories import (
    BALANCING_NOTE,
    DEFAULT_PASSWORD,
    SPECIFIC_PURPOSE,
    CameraFactory,
    SiteFactory,
    UserFactory,
)

CAMERAS = "cameras-api:camera-list"


def camera_url(pk) -> str:
    return reverse("cameras-api:camera-detail", args=[pk])


def disable_url(pk) -> str:
    return reverse("cameras-api:camera-disable", args=[pk])


def source_url(pk) -> str:
    return reverse("cameras-api:camera-source", args=[pk])


def logged_in(role, **fields) -> tuple[APIClient, object]:
    user = UserFactory(role=role, **fields)
    client = APIClient()
    client.force_login(user)
    return client, user


class TestSiteAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = Site
    namespace, basename = "cameras-api", "site"

    def make_object(self):
        return SiteFactory()

    def create_data(self):
        return {"name": "Harbour depot", "time_zone": "Europe/Paris", "country": "FR"}

    def update_data(self, obj):
        return {"address": "1 New Quay"}


class TestCameraAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = Camera
    namespace, basename = "cameras-api", "camera"
    retrieve_access_kind = AccessKind.CAMERA_VIEW

    def make_object(self):
        return CameraFactory()

    def grant(self, user, obj):
        # A guard's scope: the site they are assigned to.
        assign_perm("cameras.view_site", user, obj.site)

    def create_data(self):
        return {
            "name": "Dock gate",
            "site": SiteFactory().pk,
            "source_url": "rtsp://10.1.1.1:554/stream1",
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "legitimate_interests",
            "lawful_basis_note": BALANCING_NOTE,
        }

    def update_data(self, obj):
        return {"name": f"{obj.name} east"}


class TestCameraSourceAPI(CapabilityTests):
    """``GET /cameras/{id}/source/``: the source URL, for admins only; a 404 for everyone
    else, the same as for a camera that does not exist."""

    model = Camera
    namespace, basename = "cameras-api", "camera"
    capability = "cameras.view_camera_source"
    capability_holders = {Role.ADMIN}

    def make_object(self):
        return CameraFactory(source_url="rtsp://10.20.30.40:554/yard?token=s3cr3t")

    def grant(self, user, obj):
        assign_perm("cameras.view_site", user, obj.site)

    def capability_url(self, pk):
        return source_url(pk)


# --- scope ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_guard_cannot_reach_another_sites_camera_in_any_way():
    own, other = CameraFactory(), CameraFactory()
    client, _ = logged_in(Role.GUARD, sites=[own.site])
    missing = Camera.objects.order_by("-pk").first().pk + 1000
    before = Camera.objects.get(pk=other.pk)

    assert ids(client.get(reverse(CAMERAS))) == {own.pk}
    assert ids(client.get(reverse(CAMERAS), {"search": other.name})) == set()
    for method, url, data in [
        ("get", camera_url, None),
        ("patch", camera_url, {"name": "renamed"}),
        ("put", camera_url, {"name": "renamed"}),
        ("post", disable_url, None),
    ]:
        call = getattr(client, method)
        hidden = call(url(other.pk), data, format="json")
        absent = call(url(missing), data, format="json")
        assert hidden.status_code == 404, (method, hidden.content)
        assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json())
    # Filtering by the hidden site says no more than filtering by a missing one.
    by_hidden_site = client.get(reverse(CAMERAS), {"site": other.site.pk})
    by_missing_site = client.get(reverse(CAMERAS), {"site": missing})
    assert by_hidden_site.status_code == by_missing_site.status_code
    after = Camera.objects.get(pk=other.pk)
    assert (after.name, after.enabled) == (before.name, before.enabled)


@pytest.mark.django_db
def test_guard_granted_one_camera_sees_exactly_that_camera():
    granted = CameraFactory()
    sibling = CameraFactory(site=granted.site)
    client, _ = logged_in(Role.GUARD, cameras=[granted])
    assert ids(client.get(reverse(CAMERAS))) == {granted.pk}
    assert client.get(camera_url(sibling.pk)).status_code == 404
    assert client.get(camera_url(granted.pk)).status_code == 200
    # The camera, not its site: the site stays hidden.
    assert client.get(reverse("cameras-api:site-detail", args=[granted.site.pk])).status_code == 404


@pytest.mark.django_db
def test_guard_cannot_register_a_camera():
    site = SiteFactory()
    client, _ = logged_in(Role.GUARD, sites=[site])
    response = client.post(
        reverse(CAMERAS),
        {
            "name": "x",
            "site": site.pk,
            "source_url": "rtsp://h/s",
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "consent",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not Camera.objects.exists()


# --- disable ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_disables_a_camera_and_it_is_audited():
    camera = CameraFactory()
    client, admin = logged_in(Role.ADMIN)
    response = client.post(disable_url(camera.pk))
    assert response.status_code == 200
    assert response.json() == {"id": camera.pk, "enabled": False, "status": camera.status}
    camera.refresh_from_db()
    assert camera.enabled is False
    entry = LogEntry.objects.get_for_object(camera).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == admin
    assert entry.changes["enabled"] == ["True", "False"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.GUARD, Role.DPO])
def test_a_camera_that_is_visible_but_not_changeable_cannot_be_disabled(role):
    camera = CameraFactory()
    client, _ = logged_in(role, sites=[camera.site])
    assert client.post(disable_url(camera.pk)).status_code == 403
    camera.refresh_from_db()
    assert camera.enabled is True


# --- credentials ------------------------------------------------------------------------


@pytest.mark.django_db
def test_credentials_never_appear_in_any_response():
    client, _ = logged_in(Role.ADMIN)
    site = SiteFactory()
    created = client.post(
        reverse(CAMERAS),
        {
            "name": "Yard",
            "site": site.pk,
            "source_url": "rtsp://user:secret@cam.example/s",
            "purpose": SPECIFIC_PURPOSE,
            "lawful_basis": "legitimate_interests",
            "lawful_basis_note": BALANCING_NOTE,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    camera = Camera.objects.get(pk=pk)
    assert (camera.source_url, camera.source_username, camera.source_password) == (
        "rtsp://cam.example/s",
        "user",
        "secret",
    )
    # The camera resource never carries the source; the admin reads it where it lives.
    assert "source_url" not in created.json()
    source = client.get(source_url(pk))
    assert source.json() == {
        "id": pk,
        "source_url": "rtsp://cam.example/s",
        "has_credentials": True,
    }
    updated = client.patch(
        camera_url(pk), {"name": "Yard north", "source_password": "secret2"}, format="json"
    )
    assert updated.status_code == 200
    responses = [
        created,
        updated,
        source,
        client.get(reverse(CAMERAS)),
        client.get(camera_url(pk)),
        client.get(reverse("compliance-api:changelog-list"), {"limit": 1000}),
        client.get(reverse("compliance-api:access-event-list"), {"limit": 1000}),
    ]
    change_log = results(responses[5])
    assert {"cameras.camera"} <= {row["object_type"] for row in change_log}
    for response in responses:
        assert response.status_code in (200, 201)
        text = response_text(response)
        assert "secret" not in text
        assert "user:" not in text and "user@" not in text


@pytest.mark.django_db
def test_update_with_credentials_in_url_keeps_them_out_of_responses():
    camera = CameraFactory()
    client, _ = logged_in(Role.ADMIN)
    response = client.patch(
        camera_url(camera.pk), {"source_url": "rtsp://admin:hunter2@10.9.9.9/live"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert "hunter2" not in response_text(response) and "10.9.9.9" not in response_text(response)
    assert client.get(source_url(camera.pk)).json()["source_url"] == "rtsp://10.9.9.9/live"
    camera.refresh_from_db()
    assert camera.stream_url() == "rtsp://admin:hunter2@10.9.9.9/live"


@pytest.mark.django_db
def test_put_of_what_was_shown_keeps_secret_query_values():
    camera = CameraFactory(source_url="http://cam.example/mjpeg?token=abc123")
    client, _ = logged_in(Role.ADMIN)
    shown = {**client.get(camera_url(camera.pk)).json(), **client.get(source_url(camera.pk)).json()}
    assert shown["source_url"] == "http://cam.example/mjpeg?token=***"
    writable = {
        k: v
        for k, v in shown.items()
        if k in {"name", "site", "source_url", "purpose", "lawful_basis"}
    }
    response = client.put(camera_url(camera.pk), {**writable, "name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    camera.refresh_from_db()
    assert (camera.name, camera.source_url) == ("Renamed", "http://cam.example/mjpeg?token=abc123")
    assert "abc123" not in response_text(response)


@pytest.mark.django_db
def test_put_without_a_source_keeps_the_stored_one():
    camera = CameraFactory(source_url="rtsp://10.1.2.3/keep")
    client, _ = logged_in(Role.ADMIN)
    shown = client.get(camera_url(camera.pk)).json()
    writable = {k: shown[k] for k in ("name", "site", "purpose", "lawful_basis")}
    response = client.put(camera_url(camera.pk), {**writable, "name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    camera.refresh_from_db()
    assert (camera.name, camera.source_url) == ("Renamed", "rtsp://10.1.2.3/keep")


@pytest.mark.django_db
def test_registering_needs_a_source():
    client, _ = logged_in(Role.ADMIN)
    payload = _camera_payload()
    del payload["source_url"]
    response = client.post(reverse(CAMERAS), payload, format="json")
    assert response.status_code == 400 and "source_url" in response.json()


# --- source URLs: admins only -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.DPO])
def test_no_source_url_reaches_anyone_but_admins_through_the_api(role):
    camera = CameraFactory(source_url="rtsp://10.20.30.40:554/yard")
    client, user = logged_in(role, sites=[camera.site])
    events = AccessEvent.objects.filter(kind=AccessKind.CAMERA_VIEW, actor=user)
    responses = [
        client.get(reverse(CAMERAS)),
        client.get(camera_url(camera.pk)),
        client.get(reverse("cameras-api:site-detail", args=[camera.site.pk])),
        client.options(camera_url(camera.pk)),
    ]
    for response in responses:
        assert response.status_code == 200, response.content
        assert "10.20.30.40" not in response_text(response)
    for row in [*results(responses[0]), responses[1].json()]:
        assert "source_url" not in row and "has_credentials" not in row
    assert events.count() == 1  # the detail; the source endpoint below writes nothing
    hidden, missing = client.get(source_url(camera.pk)), client.get(source_url(99_999_999))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert events.count() == 1


@pytest.mark.django_db
def test_admin_reading_a_source_is_recorded():
    camera = CameraFactory(source_url="rtsp://10.20.30.40:554/yard")
    client, admin = logged_in(Role.ADMIN)
    assert client.get(source_url(camera.pk)).json()["source_url"] == "rtsp://10.20.30.40:554/yard"
    event = AccessEvent.objects.filter(actor=admin).order_by("-id").first()
    assert (event.kind, event.target_id, event.data) == (
        AccessKind.CAMERA_VIEW,
        str(camera.pk),
        {"part": "source"},
    )


@pytest.mark.django_db
def test_setting_a_source_needs_the_source_permission():
    """An editor without ``view_camera_source`` may change a camera but not its source."""
    camera = CameraFactory(source_url="rtsp://10.1.2.3/keep")
    client, editor = logged_in("")
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_camera", "change_camera"])
    )
    assert (
        client.patch(camera_url(camera.pk), {"name": "Renamed"}, format="json").status_code == 200
    )
    response = client.patch(
        camera_url(camera.pk), {"source_url": "rtsp://10.9.9.9/other"}, format="json"
    )
    assert response.status_code == 403, response.content
    camera.refresh_from_db()
    assert (camera.name, camera.source_url) == ("Renamed", "rtsp://10.1.2.3/keep")


# --- validation -------------------------------------------------------------------------


def _camera_payload(**overrides) -> dict:
    data = {
        "name": "Gate",
        "site": SiteFactory().pk,
        "source_url": "rtsp://10.1.1.1/stream",
        "purpose": SPECIFIC_PURPOSE,
        "lawful_basis": "legitimate_interests",
        "lawful_basis_note": BALANCING_NOTE,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_vague_purpose_is_400_with_a_clear_message():
    client, _ = logged_in(Role.ADMIN)
    response = client.post(
        reverse(CAMERAS), _camera_payload(purpose="For security purposes"), format="json"
    )
    assert response.status_code == 400
    assert "too vague" in response.json()["purpose"][0]
    assert not Camera.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["rtsp://host:99999/x", "ftp://x", "not a url", "rtsp:///nohost"])
def test_malformed_source_url_is_400(url):
    client, _ = logged_in(Role.ADMIN)
    response = client.post(reverse(CAMERAS), _camera_payload(source_url=url), format="json")
    assert response.status_code == 400
    assert "source_url" in response.json()
    assert not Camera.objects.exists()


@pytest.mark.django_db
def test_long_retention_without_justification_is_a_field_error_from_the_model():
    client, _ = logged_in(Role.ADMIN)
    response = client.post(reverse(CAMERAS), _camera_payload(retention_hours=200), format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["retention_justification"][0]


@pytest.mark.django_db
def test_measured_facts_are_read_only():
    camera = CameraFactory()
    client, _ = logged_in(Role.ADMIN)
    response = client.patch(
        camera_url(camera.pk), {"status": "online", "width": 9999, "codec": "h265"}, format="json"
    )
    assert response.status_code == 200
    camera.refresh_from_db()
    assert (camera.status, camera.width, camera.codec) == (CameraStatus.UNKNOWN, None, "")


@pytest.mark.django_db
def test_a_huge_body_is_refused_and_nothing_is_stored():
    client, _ = logged_in(Role.ADMIN)
    payload = _camera_payload(
        purpose=SPECIFIC_PURPOSE + " x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    response = client.post(reverse(CAMERAS), payload, format="json")
    assert response.status_code == 413
    assert not Camera.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_400():
    client, _ = logged_in(Role.ADMIN)
    response = client.post(reverse(CAMERAS), '{"name": "x",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not Camera.objects.exists()


# --- lists --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filters_search_and_ordering():
    site = SiteFactory(name="Harbour")
    online = CameraFactory(site=site, name="B gate", status=CameraStatus.ONLINE)
    offline = CameraFactory(site=site, name="A dock", status=CameraStatus.OFFLINE, enabled=False)
    elsewhere = CameraFactory(name="C yard")
    client, _ = logged_in(Role.DPO)
    url = reverse(CAMERAS)
    assert ids(client.get(url, {"site": site.pk})) == {online.pk, offline.pk}
    assert ids(client.get(url, {"status": "online"})) == {online.pk}
    assert ids(client.get(url, {"enabled": "false"})) == {offline.pk}
    assert ids(client.get(url, {"search": "harb"})) == {online.pk, offline.pk}
    assert ids(client.get(url, {"q": "yard"})) == {elsewhere.pk}
    ordered = [row["id"] for row in results(client.get(url, {"ordering": "name"}))]
    assert ordered == [offline.pk, online.pk, elsewhere.pk]


# --- CSRF with a real session ---------------------------------------------------------------


@pytest.mark.django_db
def test_session_write_without_csrf_token_is_refused():
    UserFactory(username="ada", role=Role.ADMIN)
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="ada", password=DEFAULT_PASSWORD)
    payload = _camera_payload()

    refused = client.post(reverse(CAMERAS), payload, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Camera.objects.exists()

    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = client.post(reverse(CAMERAS), payload, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
