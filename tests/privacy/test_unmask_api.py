"""The four-eyes un-mask over the API: who may request, decide and revoke; every refusal; every
step audited; and the original track, which exists for nobody but the requester of an active
grant, inside its scope (404 everywhere else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from compliance.models import AccessEvent, AccessKind
from privacy.models import UnmaskGrant, UnmaskPolicy
from privacy.services.unmask import unmask_grants_expire, unmask_revoke
from tests.privacy.unmask_helpers import REASON, World, save_segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def command(user, grant, name, note=""):
    url = reverse(f"privacy-api:unmask-grant-{name}", args=[grant.pk])
    return client_for(user).post(url, {"note": note}, format="json")


def events(kind, grant=None):
    rows = AccessEvent.objects.filter(kind=kind)
    if grant is not None:
        rows = rows.filter(data__grant=grant.pk)
    return rows


def original_paths(grant, camera, segment) -> list[str]:
    return [
        reverse("privacy-api:unmask-grant-segments", args=[grant.pk, camera.pk]),
        reverse("privacy:unmask-segment", args=[grant.pk, camera.pk, segment.pk]),
        reverse("privacy:unmask-watch", args=[grant.pk, camera.pk]),
    ]


def assert_no_original(user, grant, camera, segment):
    client = client_for(user)
    for path in original_paths(grant, camera, segment):
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert b"ftyp" not in response.content


def test_request_approve_and_watch_each_step_audited(world):
    guard = client_for(world.guard)
    response = guard.post(
        reverse("privacy-api:unmask-grant-request"),
        {
            "cameras": [world.camera.pk],
            "starts_at": (world.start + timedelta(seconds=1)).isoformat(),
            "ends_at": (world.start + timedelta(minutes=1)).isoformat(),
            "reason": REASON,
            "alert_id": 42,
            "case_reference": "INC-7",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["requester"], body["alert_id"]) == (
        "pending",
        world.guard.username,
        42,
    )
    grant = UnmaskGrant.objects.get(pk=body["id"])
    assert events(AccessKind.UNMASK_REQUEST, grant).get().actor == world.guard
    # Pending opens nothing.
    assert_no_original(world.guard, grant, world.camera, world.segment)

    response = command(world.supervisor, grant, "approve", "Alert confirms the incident.")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == world.supervisor.username
    grant.refresh_from_db()
    assert timedelta(minutes=59) < grant.expires_at - timezone.now() <= timedelta(minutes=60)
    assert events(AccessKind.UNMASK_APPROVE, grant).get().actor == world.supervisor

    listed = guard.get(original_paths(grant, world.camera, world.segment)[0]).json()
    assert [row["id"] for row in listed] == [world.segment.pk]
    video = guard.get(listed[0]["url"])
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    watched = events(AccessKind.UNMASK, grant).get()
    assert watched.actor == world.guard
    assert watched.data["camera"] == world.camera.pk and watched.data["segment"] == world.segment.pk
    assert watched.data["seconds"] == pytest.approx(1.0)  # clipped: the grant starts 1 s in

    # Everyone sees the grant they should, nobody else.
    assert guard.get(reverse("privacy-api:unmask-grant-detail", args=[grant.pk])).status_code == 200
    listing = client_for(world.foreign_supervisor).get(reverse("privacy-api:unmask-grant-list"))
    assert listing.json()["results"] == []


def test_self_approval_is_refused(world):
    grant = world.request(user=world.supervisor)
    response = command(world.supervisor, grant, "approve")
    assert response.status_code == 403
    assert "another person" in response.json()["detail"]
    grant.refresh_from_db()
    assert grant.status == "pending" and not events(AccessKind.UNMASK_APPROVE).exists()


@pytest.mark.parametrize("who", ["other_guard", "foreign_supervisor", "guard"])
def test_deciding_without_the_right_or_the_camera_answers_404(world, who):
    grant = world.request()
    for name in ("approve", "refuse"):
        response = command(getattr(world, who), grant, name, "no")
        assert response.status_code == 404, (who, name, response.content)
    grant.refresh_from_db()
    assert grant.status == "pending"


def test_refusal_needs_a_note_and_opens_nothing(world):
    grant = world.request()
    assert command(world.supervisor, grant, "refuse").status_code == 400
    response = command(world.supervisor, grant, "refuse", "Not an incident.")
    assert response.json()["status"] == "refused"
    assert events(AccessKind.UNMASK_REFUSE, grant).get().reason == "Not an incident."
    assert command(world.dpo, grant, "approve").status_code == 400  # decided already
    assert_no_original(world.guard, grant, world.camera, world.segment)


def test_vague_reason_and_over_long_grants_are_refused(world):
    with pytest.raises(Exception, match="reason"):
        world.request(reason="check")
    policy = UnmaskPolicy.current()
    policy.max_grant_minutes = 30
    policy.save()
    response = client_for(world.guard).post(
        reverse("privacy-api:unmask-grant-request"),
        {
            "cameras": [world.camera.pk],
            "starts_at": world.start.isoformat(),
            "ends_at": (world.start + timedelta(minutes=1)).isoformat(),
            "reason": REASON,
            "valid_minutes": 45,
        },
        format="json",
    )
    assert response.status_code == 400 and "valid_minutes" in response.json()


def test_only_the_requester_in_scope_sees_the_original(world):
    grant = world.approved()
    assert (
        client_for(world.guard)
        .get(original_paths(grant, world.camera, world.segment)[1])
        .status_code
        == 200
    )
    # Nobody else: not another guard of the site, not the approver, not the DPO.
    for user in (world.other_guard, world.supervisor, world.dpo):
        assert_no_original(user, grant, world.camera, world.segment)
    # Not another camera of the site, nor its segment under the granted camera's path.
    assert_no_original(world.guard, grant, world.office, world.office_segment)
    # Not the anonymised track through the original's door, nor footage outside the range.
    later = save_segment(world.camera, world.start + timedelta(minutes=5))
    for segment in (world.anonymised, later, world.office_segment):
        response = client_for(world.guard).get(original_paths(grant, world.camera, segment)[1])
        assert response.status_code == 404
    assert (
        not events(AccessKind.UNMASK)
        .filter(actor=world.guard)
        .exclude(data__segment=world.segment.pk)
        .exists()
    )


def test_after_expiry_the_original_is_gone(world):
    grant = world.approved()
    UnmaskGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_no_original(world.guard, grant, world.camera, world.segment)
    assert unmask_grants_expire() == 1
    assert UnmaskGrant.objects.get(pk=grant.pk).status == "expired"


def test_revocation_is_for_the_dpo_and_ends_the_grant_at_once(
    world, django_capture_on_commit_callbacks
):
    grant = world.approved()
    assert command(world.supervisor, grant, "revoke", "Enough").status_code == 404
    assert command(world.dpo, grant, "revoke").status_code == 400  # a note is required
    with django_capture_on_commit_callbacks() as pushes:
        response = command(world.dpo, grant, "revoke", "Purpose met; the case is closed.")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert len(pushes) == 2  # unmask.ended and access.changed to the requester's sockets
    assert events(AccessKind.UNMASK_REVOKE, grant).get().actor == world.dpo
    assert_no_original(world.guard, grant, world.camera, world.segment)
    with pytest.raises(Exception, match="already"):
        unmask_revoke(actor=world.dpo, grant_id=grant.pk, note="again")


def test_a_guard_without_any_grant_meets_404_on_every_original_path(world):
    client = client_for(world.guard)
    for grant_id in (1, 999_999):
        for path in (
            f"/api/v1/unmask-grants/{grant_id}/cameras/{world.camera.pk}/segments/",
            f"/privacy/unmask/{grant_id}/cameras/{world.camera.pk}/",
            f"/privacy/unmask/{grant_id}/cameras/{world.camera.pk}/segments/{world.segment.pk}.mp4",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert b"ftyp" not in response.content
    assert not events(AccessKind.UNMASK).exists()
