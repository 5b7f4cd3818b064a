"""The one permission gate: scope (``Model.objects.restrict(user, action)``) and capabilities
(``Perm``, ``has_permission``, ``require_permission``, ``permission_required``)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from analytics.models import Alert
from cameras.models import Camera, Site
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.permissions import (
    Perm,
    get_restricted_or_404,
    has_permission,
    permission_required,
    require_model_permission,
    require_permission,
    users_with_permission,
)

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


# --- Capabilities: what each role may do --------------------------------------------------------

CAPABILITIES = [value for name, value in vars(Perm).items() if name.isupper()]
AUDIT = ["compliance.view_accessevent", "auditlog.view_logentry"]
CONFIGURATION = [
    "accounts.add_user",
    "accounts.change_user",
    "cameras.add_site",
    "cameras.change_site",
    "cameras.add_camera",
    "cameras.change_camera",
    "analytics.change_rule",
    "analytics.change_zone",
]

# The product's policy, stated on its own (not read from accounts.roles): guards watch and
# triage; supervisors also overrule and tune; the DPO oversees (reports, audit) and watches
# nothing live nor learns a source; the admin configures, watches, and alone sees sources.
# Both see the whole estate, so both must verify a second factor at log-in. Supervisors and
# the DPO keep footage from retention (legal holds); only the DPO lets a longer retention apply.
# Un-masking takes four eyes: guards and supervisors ask, supervisors and the DPO decide (never
# their own), only the DPO revokes a grant and sets the limits; the admin has no part in it.
# The DPO publishes privacy-policy versions an admin drafted, decides DPIAs and approves the
# assessments that let an AI model run.
POLICY = {
    Role.GUARD: {Perm.VIEW_LIVE_VIDEO, Perm.TRIAGE_ALERT, Perm.REQUEST_UNMASK},
    Role.SUPERVISOR: {
        Perm.VIEW_LIVE_VIDEO,
        Perm.TRIAGE_ALERT,
        Perm.OVERRULE_ALERT,
        Perm.TUNE_RULE,
        Perm.PLACE_LEGAL_HOLD,
        Perm.REQUEST_UNMASK,
        Perm.APPROVE_UNMASK,
    },
    Role.DPO: {
        Perm.RUN_REPORT,
        Perm.REQUIRE_MFA,
        Perm.PLACE_LEGAL_HOLD,
        Perm.APPROVE_RETENTION,
        Perm.APPROVE_UNMASK,
        Perm.REVOKE_UNMASK,
        Perm.SET_UNMASK_POLICY,
        Perm.PUBLISH_POLICY,
        Perm.DECIDE_DPIA,
        Perm.APPROVE_MODEL_ASSESSMENT,
        *AUDIT,
    },
    Role.ADMIN: {
        Perm.VIEW_LIVE_VIDEO,
        Perm.VIEW_CAMERA_SOURCE,
        Perm.REQUIRE_MFA,
        *AUDIT,
        *CONFIGURATION,
    },
}


def test_every_named_capability_is_a_real_permission():
    assert len(CAPABILITIES) == len(set(CAPABILITIES)) >= 13  # one name, one permission
    for perm in CAPABILITIES:
        app_label, codename = perm.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), perm


@pytest.mark.parametrize("role", list(Role))
def test_role_capability_matrix(role):
    user = UserFactory(role=role)
    held = {perm for perm in [*CAPABILITIES, *AUDIT, *CONFIGURATION] if has_permission(user, perm)}
    assert held == POLICY[role]


def test_inactive_anonymous_and_missing_users_hold_nothing():
    inactive = UserFactory(role=Role.ADMIN, is_active=False)
    for user in (inactive, AnonymousUser(), None):
        assert not any(has_permission(user, perm) for perm in CAPABILITIES)
        with pytest.raises(PermissionDenied):
            require_permission(user, Perm.VIEW_LIVE_VIDEO)


def test_a_capability_given_directly_counts_and_one_taken_from_the_role_does_not():
    nobody = UserFactory(role="")
    nobody.user_permissions.add(Permission.objects.get(codename="overrule_alert"))
    assert has_permission(nobody, Perm.OVERRULE_ALERT)
    supervisor = UserFactory(role=Role.SUPERVISOR)
    Group.objects.get(name=Role.SUPERVISOR.value).permissions.remove(
        Permission.objects.get(codename="overrule_alert")
    )
    assert not has_permission(supervisor, Perm.OVERRULE_ALERT)


def test_users_with_permission_are_those_holding_it_as_granted():
    supervisor = UserFactory(role=Role.SUPERVISOR)
    direct = UserFactory(role=Role.GUARD)
    direct.user_permissions.add(Permission.objects.get(codename="overrule_alert"))
    UserFactory(role=Role.SUPERVISOR, is_active=False)
    UserFactory(role="", is_superuser=True)  # holds everything implicitly, is nobody's supervisor
    UserFactory(role=Role.GUARD)
    assert set(users_with_permission(Perm.OVERRULE_ALERT)) == {supervisor, direct}


def test_require_model_permission():
    admin, guard = UserFactory(role=Role.ADMIN), UserFactory(role=Role.GUARD)
    require_model_permission(admin, Camera, "add")
    with pytest.raises(PermissionDenied, match="You may not add cameras."):
        require_model_permission(guard, Camera, "add")
    with pytest.raises(PermissionDenied, match="No."):
        require_model_permission(guard, Site, "change", "No.")
    with pytest.raises(ValueError):
        require_model_permission(admin, Camera, "approve")


# --- The view decorator, sync and async ---------------------------------------------------------


def _views(**options):
    @permission_required(Perm.VIEW_LIVE_VIDEO, **options)
    def sync_view(request):
        return HttpResponse("sync")

    @permission_required(Perm.VIEW_LIVE_VIDEO, **options)
    async def async_view(request):
        return HttpResponse("async")

    return sync_view, async_view


def _request(user):
    request = RequestFactory().get("/somewhere/?x=1")
    request.user = user

    async def auser():
        return user

    request.auser = auser
    return request


def _answer(view, user):
    if asyncio.iscoroutinefunction(view):
        return async_to_sync(view)(_request(user))
    return view(_request(user))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_permission_required_decorator(kind):
    sync_view, async_view = _views()
    view = sync_view if kind == "sync" else async_view
    assert asyncio.iscoroutinefunction(view) == (kind == "async")
    assert _answer(view, UserFactory(role=Role.GUARD)).content == kind.encode()
    with pytest.raises(Http404):
        _answer(view, UserFactory(role=Role.DPO))
    anonymous = _answer(view, AnonymousUser())
    assert anonymous.status_code == 302 and "next=/somewhere/%3Fx%3D1" in anonymous.url


def test_permission_required_403_and_one_of():
    sync_view, _ = _views(hidden=False)
    with pytest.raises(PermissionDenied):
        _answer(sync_view, UserFactory(role=Role.DPO))

    @permission_required(Perm.TUNE_RULE, Perm.RUN_REPORT, one_of=True)
    def either(request):
        return HttpResponse("ok")

    for role in (Role.SUPERVISOR, Role.DPO):
        assert _answer(either, UserFactory(role=role)).content == b"ok"
    with pytest.raises(Http404):
        _answer(either, UserFactory(role=Role.GUARD))


# --- No second interface --------------------------------------------------------------------------


def test_django_admin_is_gone(client):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    superuser = UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    for url in ("/django-admin/", "/django-admin/login/", "/django-admin/auth/user/"):
        assert client.get(url).status_code == 404, url
