"""Subject-access requests: intake by staff and by the public, the clock by jurisdiction,
identity and extension steps, the legal hold that keeps the footage from retention until the
request closes, the DPO-only pages and the API."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from analytics.models import Alert
from compliance.models import AccessEvent, AccessKind
from privacy.models import LegalHold, RequestStatus, SubjectAccessRequest
from privacy.selectors import subject_requests_for_dashboard
from privacy.services.requests import (
    subject_request_close,
    subject_request_extend,
    subject_request_receive,
    subject_request_start,
    subject_request_verify,
)
from privacy.services.retention import retention_purge
from tests.api_base import ListTests, NoDeleteTests, RetrieveTests, ids
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + os.urandom(2000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)


@pytest.fixture
def dpo():
    return UserFactory(role=Role.DPO)


@pytest.fixture
def camera():
    return CameraFactory(retention_hours=72)


def receive(actor, camera, **overrides):
    now = timezone.now()
    fields = {
        "site_id": camera.site_id,
        "kind": "access",
        "requester_name": "Ada Requester",
        "requester_contact": "ada@example.org",
        "window_start": now - timedelta(days=5, hours=1),
        "window_end": now - timedelta(days=5) + timedelta(hours=1),
        "description": "Red coat, came in by the north door",
    }
    fields.update(overrides)
    return subject_request_receive(actor=actor, **fields)


def alert_at(camera, when):
    alert = Alert.objects.create(
        camera=camera, kind="person_in_zone", occurred_at=when, dedupe_key=f"{camera.pk}-{when}"
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(JPEG), save=True)
    return alert


# --- the hold against retention -----------------------------------------------------------
def test_a_request_holds_its_footage_against_retention_until_it_closes(dpo, camera):
    now = timezone.now()
    wanted = alert_at(camera, now - timedelta(days=5))
    other = alert_at(camera, now - timedelta(days=6))

    item = receive(dpo, camera)

    hold = item.legal_hold
    assert hold.is_active() and list(hold.cameras.all()) == [camera]
    assert hold.reference == item.reference and hold.created_by == dpo
    retention_purge(now=timezone.now())
    wanted.refresh_from_db(), other.refresh_from_db()
    assert wanted.snapshot and not other.snapshot  # only what the request names is kept

    subject_request_verify(actor=dpo, request_id=item.pk, method="Passport seen at the desk")
    subject_request_close(
        actor=dpo, request_id=item.pk, status="answered", outcome="Copy sent on 2 Dec"
    )
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == dpo
    retention_purge(now=timezone.now())
    wanted.refresh_from_db()
    assert not wanted.snapshot
    kinds = list(
        AccessEvent.objects.order_by("id")
        .filter(
            kind__in=[
                "subject_request_receive",
                "subject_request_update",
                "legal_hold_place",
                "legal_hold_release",
            ]
        )
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "legal_hold_place",
        "subject_request_receive",
        "subject_request_update",
        "legal_hold_release",
        "subject_request_update",
    ]


def test_named_cameras_only_and_only_of_the_site(dpo, camera):
    second = CameraFactory(site=camera.site)
    elsewhere = CameraFactory()
    item = receive(dpo, camera, camera_ids=[second.pk])
    assert list(item.legal_hold.cameras.all()) == [second]
    with pytest.raises(ValidationError) as error:
        receive(dpo, camera, camera_ids=[elsewhere.pk])
    assert "cameras" in error.value.message_dict


def test_bad_input_is_refused_with_clear_errors(dpo, camera):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        receive(
            dpo,
            camera,
            kind="everything",
            requester_name=" ",
            requester_contact="",
            window_start=now - timedelta(hours=1),
            window_end=now - timedelta(hours=2),
        )
    assert set(error.value.message_dict) == {
        "kind",
        "requester_name",
        "requester_contact",
        "window_end",
    }
    with pytest.raises(ValidationError, match="at most 31 days"):
        receive(dpo, camera, window_start=now - timedelta(days=40), window_end=now)
    with pytest.raises(ValidationError, match="start in the past"):
        receive(dpo, camera, window_start=now + timedelta(hours=1), window_end=now + timedelta(2))
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        receive(dpo, camera, photo=SimpleUploadedFile("me.gif", b"GIF89a" + b"0" * 100))
    assert not SubjectAccessRequest.objects.exists() and not LegalHold.objects.exists()


def test_only_the_dpo_logs_and_advances_requests(dpo, camera):
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[camera.site])
    with pytest.raises(PermissionDenied):
        receive(supervisor, camera)
    item = receive(dpo, camera)
    with pytest.raises(PermissionDenied):
        subject_request_verify(actor=supervisor, request_id=item.pk, method="ID")


# --- the clock -------------------------------------------------------------------------------
def test_gdpr_clock_from_the_sites_calendar_and_month_end(dpo):
    camera = CameraFactory(site=SiteFactory(country="DE", time_zone="Europe/Berlin"))
    # 31 Oct 23:30 UTC is already 1 Nov in Berlin: the month runs from 1 Nov to 1 Dec.
    item = receive(dpo, camera, received_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert item.jurisdiction == "gdpr"
    assert item.clock.received_on == date(2026, 11, 1) and item.clock.due == date(2026, 12, 1)
    item = receive(dpo, camera, received_at=datetime(2026, 10, 31, 10, 0, tzinfo=UTC))
    assert item.clock.due == date(2026, 11, 30)  # no 31 November
    assert item.overdue and item.days_remaining < 0
    rows = subject_requests_for_dashboard(user=dpo)
    assert rows[0].reference == item.reference and rows[0].overdue


def test_ccpa_clock_acknowledge_in_business_days(dpo):
    site = SiteFactory(country="US", region="CA", time_zone="America/Los_Angeles")
    camera = CameraFactory(site=site)
    # Friday 20 Nov 2026, 10:00 in Los Angeles.
    item = receive(dpo, camera, received_at=datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    assert item.jurisdiction == "ccpa"
    assert item.clock.acknowledge_by == date(2026, 12, 4)  # 10 business days, two weekends
    assert item.clock.due == date(2027, 1, 4)  # 45 calendar days
    subject_request_extend(actor=dpo, request_id=item.pk, extension=45, reason="Many cameras")
    item.refresh_from_db()
    assert item.clock.due == date(2027, 2, 18)
    assert item.legal_hold.expires_at > datetime(2027, 2, 19, tzinfo=UTC)


def test_extension_needs_reasons_a_limit_and_the_first_month(dpo, camera):
    item = receive(dpo, camera)
    with pytest.raises(ValidationError) as error:
        subject_request_extend(actor=dpo, request_id=item.pk, extension=3, reason="")
    assert set(error.value.message_dict) == {"extension", "reason"}
    subject_request_extend(
        actor=dpo, request_id=item.pk, extension=2, reason="Footage from 14 cameras to review"
    )
    item.refresh_from_db()
    assert item.clock.due == item.clock.max_answer_by and item.extension_notified_at
    with pytest.raises(ValidationError, match="already extended"):
        subject_request_extend(actor=dpo, request_id=item.pk, extension=1, reason="More")
    late = receive(dpo, camera, received_at=timezone.now() - timedelta(days=40))
    with pytest.raises(ValidationError, match="Too late"):
        subject_request_extend(actor=dpo, request_id=late.pk, extension=1, reason="Busy")
    event = AccessEvent.objects.filter(kind=AccessKind.SUBJECT_REQUEST_UPDATE).get()
    assert event.data["step"] == "extend" and event.reason == "Footage from 14 cameras to review"


def test_status_flow_identity_before_answer(dpo, camera):
    item = receive(dpo, camera)
    with pytest.raises(ValidationError, match="Verify"):
        subject_request_start(actor=dpo, request_id=item.pk)
    with pytest.raises(ValidationError, match="Verify"):
        subject_request_close(actor=dpo, request_id=item.pk, status="answered", outcome="x")
    item = subject_request_verify(actor=dpo, request_id=item.pk, method="Photo ID matched")
    assert item.status == RequestStatus.VERIFIED and item.verified_by == dpo
    item = subject_request_start(actor=dpo, request_id=item.pk)
    assert item.status == RequestStatus.IN_PROGRESS
    item = subject_request_close(
        actor=dpo, request_id=item.pk, status="refused", outcome="Not in the footage"
    )
    assert item.days_remaining is None and not item.overdue
    with pytest.raises(ValidationError, match="closed"):
        subject_request_close(actor=dpo, request_id=item.pk, status="withdrawn", outcome="x")


# --- the public form --------------------------------------------------------------------------
def public_data(**overrides):
    now = timezone.localtime(timezone.now())
    data = {
        "kind": "access",
        "requester_name": "Bo Visitor",
        "requester_contact": "bo@example.org",
        "window_start": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "window_end": (now - timedelta(days=2, hours=-1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Blue hat",
        "website": "",
    }
    data.update(overrides)
    return data


def test_public_form_files_a_request_with_a_photo_and_acknowledges_it(camera, dpo):
    url = f"/privacy/sites/{camera.site_id}/request-access/"
    client = Client()
    assert client.get(url).status_code == 200
    photo = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    response = client.post(url, {**public_data(), "photo": photo})
    assert response.status_code == 302
    page = client.get(response.url)
    item = SubjectAccessRequest.objects.get()
    assert item.received_via == "public" and item.created_by is None
    assert item.reference in page.content.decode()
    assert item.legal_hold.is_active() and item.legal_hold.created_by is None
    assert "me" not in item.photo.name and item.photo.open("rb").read() == PNG
    event = AccessEvent.objects.get(kind=AccessKind.SUBJECT_REQUEST_RECEIVE)
    assert event.actor is None and event.actor_username == "(public form)"
    # The DPO downloads the photo (audited); a guard of the site cannot.
    dpo_client = Client()
    dpo_client.force_login(dpo)
    assert b"".join(dpo_client.get(f"/privacy/requests/{item.pk}/photo/").streaming_content) == PNG
    assert AccessEvent.objects.filter(kind=AccessKind.SUBJECT_REQUEST_PHOTO).count() == 1
    guard = Client()
    guard.force_login(UserFactory(role=Role.GUARD, sites=[camera.site]))
    assert guard.get(f"/privacy/requests/{item.pk}/photo/").status_code == 404


def test_public_form_errors_honeypot_csrf_and_rate_limit(camera):
    url = f"/privacy/sites/{camera.site_id}/request-access/"
    client = Client()
    response = client.post(url, public_data(requester_name="", window_end="yesterday"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required" in body and "Enter a valid date/time" in body
    client.post(url, public_data(website="http://spam.example"))
    assert not SubjectAccessRequest.objects.exists()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url, public_data()).status_code == 403
    for _ in range(3):  # five submissions an hour from one address, valid or not
        client.post(url, public_data())
    refused = client.post(url, public_data())
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert SubjectAccessRequest.objects.count() == 3
    assert Client().get("/privacy/sites/999999/request-access/").status_code == 404


# --- DPO pages --------------------------------------------------------------------------------
def test_dpo_pages_show_the_clock_and_take_each_step(camera, dpo):
    client = Client()
    client.force_login(dpo)
    now = timezone.localtime(timezone.now(), timezone.get_current_timezone())
    response = client.post(
        "/privacy/requests/",
        {
            "site": camera.site_id,
            "kind": "erasure",
            "requester_name": "Cy",
            "requester_contact": "cy@example.org",
            "window_start": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "window_end": (now - timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    item = SubjectAccessRequest.objects.get()
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    listing = client.get("/privacy/requests/").content.decode()
    assert item.reference in listing and 'data-days-remaining="' in listing
    url = item.get_absolute_url()
    client.post(url, {"step": "verify", "verify-method": "Driving licence checked"})
    client.post(url, {"step": "close", "close-status": "answered", "close-outcome": "Erased"})
    item.refresh_from_db()
    assert item.status == "answered" and item.verification_method == "Driving licence checked"
    page = client.get(url).content.decode()
    assert "Driving licence checked" in page and "Answered" in page
    bad = client.post("/privacy/requests/", {"site": camera.site_id, "kind": "access"})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.ADMIN])
def test_request_pages_are_hidden_from_other_roles(camera, dpo, role):
    item = receive(dpo, camera)
    client = Client()
    client.force_login(UserFactory(role=role, sites=[camera.site]))
    assert client.get("/privacy/requests/").status_code == 404
    assert client.get(item.get_absolute_url()).status_code == 404


# --- API --------------------------------------------------------------------------------------
class TestSubjectRequestAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = SubjectAccessRequest
    namespace, basename = "privacy-api", "subject-request"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return receive(UserFactory(role=Role.DPO), CameraFactory())

    def test_create_and_steps_through_the_api(self):
        camera = CameraFactory()
        client, user = self.client_for(Role.DPO)
        now = timezone.now()
        response = client.post(
            self.list_url(),
            {
                "site": camera.site_id,
                "kind": "objection",
                "requester_name": "Di",
                "requester_contact": "di@example.org",
                "window_start": (now - timedelta(hours=5)).isoformat(),
                "window_end": (now - timedelta(hours=4)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["jurisdiction"] == "gdpr" and body["days_remaining"] >= 27
        assert body["legal_hold"] and body["overdue"] is False
        pk = body["id"]
        step = f"/api/v1/subject-requests/{pk}/"
        bad = client.post(step + "extend/", {"extension": 5, "reason": "x"}, format="json")
        assert bad.status_code == 400 and "extension" in bad.json()
        ok = client.post(step + "verify/", {"method": "Video call"}, format="json")
        assert ok.status_code == 200 and ok.json()["status"] == "verified"
        guard, _ = self.client_for(Role.GUARD, sites=[camera.site])
        assert guard.post(step + "verify/", {"method": "x"}, format="json").status_code == 404
        assert pk in ids(client.get(self.list_url()))


def test_the_requests_hold_is_released_only_by_closing_the_request(dpo, camera):
    from privacy.services.holds import legal_hold_release

    item = receive(dpo, camera)
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[camera.site])
    with pytest.raises(ValidationError, match="released when the request closes"):
        legal_hold_release(actor=supervisor, hold_id=item.legal_hold_id, note="Tidy up")
    item.legal_hold.refresh_from_db()
    assert item.legal_hold.released_at is None


def test_the_request_shows_the_footage_recorded_in_its_window(dpo, camera):
    from privacy.models import RecordingSegment, RecordingTrack

    request = receive(dpo, camera)
    inside = request.window_start + timedelta(minutes=10)
    for n, track in enumerate((RecordingTrack.ANONYMISED, RecordingTrack.ORIGINAL)):
        RecordingSegment.objects.create(
            camera=camera,
            track=track,
            started_at=inside,
            ended_at=inside + timedelta(seconds=30),
            name=f"recordings/{camera.pk}/x/{n}.mp4",
        )
    RecordingSegment.objects.create(  # outside the window: not the requester's
        camera=camera,
        track=RecordingTrack.ANONYMISED,
        started_at=request.window_end + timedelta(hours=1),
        ended_at=request.window_end + timedelta(hours=1, seconds=30),
        name=f"recordings/{camera.pk}/x/late.mp4",
    )
    client = Client()
    client.force_login(dpo)
    page = client.get(request.get_absolute_url()).content.decode()
    footage = page[page.index('id="request-footage"') :]
    assert camera.name in footage and "30 s" in footage  # the anonymised stretch, once
    assert f"/analytics/cameras/{camera.pk}/recordings/?at={int(inside.timestamp())}" in footage
