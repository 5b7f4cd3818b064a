"""The one permission gate: ``Model.objects.restrict(user, action)``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from analytics.models import Alert
from cameras.models import Camera, Site
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.permissions import get_restricted_or_404

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    north, south = SiteFactory(name="North"), SiteFactory(name="South")
    return {
        "north": north,
        "south": south,
        "north_cam": CameraFactory(site=north, name="N1"),
        "south_cam": CameraFactory(site=south, name="S1"),
        "south_cam2": CameraFactory(site=south, name="S2"),
    }


def names(queryset):
    return sorted(obj.name for obj in queryset)


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not Camera.objects.restrict(AnonymousUser(), "view").exists()
    assert not Camera.objects.restrict(None, "view").exists()
    inactive = UserFactory(role=Role.ADMIN, is_active=False)
    assert not Camera.objects.restrict(inactive, "view").exists()


def test_guard_sees_only_assigned_site_and_granted_cameras(world):
    guard = UserFactory(role=Role.GUARD, sites=[world["north"]], cameras=[world["south_cam"]])
    assert names(Camera.objects.restrict(guard, "view")) == ["N1", "S1"]
    assert names(Site.objects.restrict(guard, "view")) == ["North"]
    # A guard changes nothing, even where they can look.
    assert not Camera.objects.restrict(guard, "change").exists()


def test_guard_without_assignment_sees_nothing(world):
    guard = UserFactory(role=Role.GUARD)
    assert not Camera.objects.restrict(guard, "view").exists()


def test_dpo_sees_all_but_changes_nothing(world):
    dpo = UserFactory(role=Role.DPO)
    assert names(Camera.objects.restrict(dpo, "view")) == ["N1", "S1", "S2"]
    assert not Camera.objects.restrict(dpo, "change").exists()


def test_admin_sees_and_changes_all(world):
    admin = UserFactory(role=Role.ADMIN)
    assert Camera.objects.restrict(admin, "change").count() == 3


def test_object_permission_through_a_group(world):
    from django.contrib.auth.models import Group

    team = Group.objects.create(name="Night shift south")
    assign_perm("cameras.view_site", team, world["south"])
    guard = UserFactory(role=Role.GUARD)
    guard.groups.add(team)
    assert names(Camera.objects.restrict(guard, "view")) == ["S1", "S2"]


def test_alerts_follow_their_camera(world):
    from django.utils import timezone

    for camera in (world["north_cam"], world["south_cam"]):
        Alert.objects.create(
            camera=camera,
            kind="person_in_zone",
            occurred_at=timezone.now(),
            dedupe_key=f"k{camera.pk}",
        )
    guard = UserFactory(role=Role.GUARD, sites=[world["north"]])
    assert [a.camera_id for a in Alert.objects.restrict(guard, "view")] == [world["north_cam"].pk]
    assert Alert.objects.restrict(UserFactory(role=Role.DPO), "view").count() == 2


def test_hidden_and_missing_answer_the_same_404(world):
    guard = UserFactory(role=Role.GUARD, sites=[world["north"]])
    with pytest.raises(Http404) as hidden:
        get_restricted_or_404(Camera.objects.all(), guard, "view", pk=world["south_cam"].pk)
    with pytest.raises(Http404) as missing:
        get_restricted_or_404(Camera.objects.all(), guard, "view", pk=999_999)
    assert str(hidden.value) == str(missing.value)
    assert get_restricted_or_404(Camera.objects.all(), guard, "view", pk=world["north_cam"].pk)


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(ValueError):
        Camera.objects.restrict(UserFactory(role=Role.ADMIN), "approve")
