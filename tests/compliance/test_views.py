"""The audit trail pages: DPO and Admin only, read-only, filters and masked changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from compliance.services import access_event_record
from tests.factories import BALANCING_NOTE, CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT_PAGES = ["compliance:access-event-list", "compliance:change-log-list"]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR])
@pytest.mark.parametrize("name", AUDIT_PAGES)
def test_audit_pages_are_404_for_guard_and_supervisor(role, name):
    site = SiteFactory()
    client = client_for(UserFactory(role=role, sites=[site]))
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", AUDIT_PAGES)
def test_audit_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.DPO, Role.ADMIN])
@pytest.mark.parametrize("name", AUDIT_PAGES)
def test_audit_pages_are_read_only_for_dpo_and_admin(role, name):
    client = client_for(UserFactory(role=role))
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    # The only form that posts is the log-out button in the header.
    assert body.count('method="post"') == 1
    assert reverse("accounts:logout") in body
    assert client.post(reverse(name), {"kind": "login"}).status_code == 405


def test_access_event_list_shows_and_filters_events():
    dpo = client_for(UserFactory(username="dee-pee-oh", role=Role.DPO))
    guard = UserFactory(username="gina")
    camera = CameraFactory(name="Loading Dock")

    class FakeRequest:
        META = {"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "pytest"}

    access_event_record(
        kind=AccessKind.CAMERA_VIEW, actor=guard, target=camera, request=FakeRequest()
    )
    access_event_record(kind=AccessKind.LOGIN_FAILED, actor_username="mallory")
    url = reverse("compliance:access-event-list")

    body = dpo.get(url).content.decode()
    for text in ("Viewed camera detail", "gina", "Loading Dock", "192.0.2.10", "mallory"):
        assert text in body, text

    body = dpo.get(url, {"kind": "camera_view"}).content.decode()
    assert "gina" in body and "mallory" not in body
    body = dpo.get(url, {"actor": "mallory"}).content.decode()
    assert "mallory" in body and "Loading Dock" not in body

    today = timezone.localdate()
    body = dpo.get(url, {"date_from": str(today + dt.timedelta(days=1))}).content.decode()
    assert "No access events match." in body
    body = dpo.get(
        url, {"date_from": str(today - dt.timedelta(days=1)), "date_to": str(today)}
    ).content.decode()
    assert "Loading Dock" in body


def test_access_event_list_is_paginated():
    dpo = client_for(UserFactory(role=Role.DPO))
    for number in range(55):
        access_event_record(kind=AccessKind.LOGIN_FAILED, actor_username=f"probe{number:02d}")
    url = reverse("compliance:access-event-list")
    first = dpo.get(url, {"kind": "login_failed"}).content.decode()
    assert "55 in all" in first and "probe54" in first and "probe00" not in first
    # Keyset pages: the "Older" link carries a cursor, never a page number to OFFSET by.
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "cursor=" in older and "page=" not in older
    second = dpo.get(url + older).content.decode()
    assert "probe00" in second and "probe54" not in second
    assert "kind=login_failed" in first  # the filter is kept in the page links


def test_change_log_renders_changes_with_masked_secrets_and_actor():
    admin = client_for(UserFactory(username="ada", role=Role.ADMIN))
    site = SiteFactory(name="Harbour")
    response = admin.post(
        reverse("cameras:camera-create"),
        {
            "name": "Quay Cam",
            "site": site.pk,
            "source_url": "rtsp://viewer:topsecret@quay.example/live?token=abc123",
            "purpose": (
                "Detect unauthorised boarding of moored vessels at the quay overnight and keep "
                "evidence for the harbour master"
            ),
            "lawful_basis": "legitimate_interests",
            "lawful_basis_note": BALANCING_NOTE,
            "retention_hours": "48",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    dpo = client_for(UserFactory(role=Role.DPO))
    url = reverse("compliance:change-log-list")
    body = dpo.get(url).content.decode()
    assert "Quay Cam" in body
    assert "ada" in body
    assert "topsecret" not in body and "abc123" not in body
    assert "********" in body  # the masked password field is listed, masked
    assert "Legitimate interests" in body  # choices shown by their label

    body = dpo.get(url, {"action": "2"}).content.decode()  # deletions only
    assert "Quay Cam" not in body
    body = dpo.get(url, {"actor": "ada", "action": "0"}).content.decode()
    assert "Quay Cam" in body


def test_access_events_cannot_be_changed_through_any_page():
    dpo = client_for(UserFactory(role=Role.DPO))
    event = access_event_record(kind=AccessKind.LOGIN_FAILED, actor_username="x")
    for name in AUDIT_PAGES:
        dpo.post(reverse(name), {"id": event.pk, "kind": "login"})
    assert AccessEvent.objects.get(pk=event.pk).kind == AccessKind.LOGIN_FAILED


def test_access_events_filter_by_site_camera_and_object_and_export_as_csv():
    dpo = client_for(UserFactory(role=Role.DPO))
    north, south = SiteFactory(name="North depot"), SiteFactory(name="South depot")
    dock, gate = CameraFactory(site=north, name="Dock"), CameraFactory(site=south, name="Gate")
    guard = UserFactory(username="gina")
    for camera in (dock, gate, dock):
        access_event_record(kind=AccessKind.LIVE_VIEW, actor=guard, target=camera)
    access_event_record(kind=AccessKind.ACCESS_GRANT, actor=dpo.user, target=north)
    event = AccessEvent.objects.filter(camera_id=gate.pk).get()
    assert (event.site_id, event.camera_id) == (south.pk, gate.pk)
    url = reverse("compliance:access-event-list")

    def targets(params) -> list[str]:
        body = dpo.get(url, params).content.decode()
        return re.findall(r'title="Only events on this object">([^<]+)<', body)

    docks = [str(dock)] * 2
    assert sorted(targets({"site": north.pk})) == sorted([*docks, "North depot"])
    assert targets({"camera": gate.pk}) == [str(gate)]
    assert targets({"target_type": event.target_type_id, "target_id": dock.pk}) == docks

    response = dpo.get(url, {"site": north.pk, "kind": "live_view", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["kind"], r["target"], r["camera_id"]) for r in rows] == [
        ("live_view", str(dock), str(dock.pk))
    ] * 2
    export = AccessEvent.objects.get(kind=AccessKind.EXPORT)
    assert export.actor == dpo.user
    assert export.data["filters"] == {"kind": "live_view", "site": str(north.pk)}


def test_a_csv_export_cannot_smuggle_a_formula_into_a_spreadsheet():
    dpo = client_for(UserFactory(role=Role.DPO))
    access_event_record(kind=AccessKind.LOGIN_FAILED, actor_username="=HYPERLINK(1)")
    response = dpo.get(reverse("compliance:access-event-list"), {"export": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def test_change_log_filters_by_record_and_exports_csv():
    dpo = client_for(UserFactory(role=Role.DPO))
    first, second = CameraFactory(name="First"), CameraFactory(name="Second")
    url = reverse("compliance:change-log-list")
    body = dpo.get(url, {"object_pk": second.pk, "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(body.streaming_content).decode())))
    assert rows and {row["record_id"] for row in rows} == {str(second.pk)}
    assert all(row["record"] != str(first) for row in rows)


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR])
def test_csv_exports_are_404_for_guard_and_supervisor(role):
    user = client_for(UserFactory(role=role))
    for name in AUDIT_PAGES:
        assert user.get(reverse(name), {"export": "csv"}).status_code == 404
