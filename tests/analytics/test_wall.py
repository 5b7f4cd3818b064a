"""The live wall page, its alert panel, role navigation and the landing redirect, through HTTP.

Browser behaviour (feeds, toasts, reconnects) is driven in headless Chromium elsewhere; here
the server-rendered page is checked for scope: what one site's guard must never receive.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.roles import Role
from analytics.models import Alert, Rule
from compliance.models import AccessEvent, AccessKind
from tests.factories import DEFAULT_PASSWORD, CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

WALL = reverse("analytics:wall")


@pytest.fixture
def world():
    harbour = SiteFactory(name="Harbour depot")
    airport = SiteFactory(name="Airport cargo")
    dock = CameraFactory(name="Dock gate", site=harbour, status="online")
    yard = CameraFactory(name="Yard east", site=harbour, status="offline")
    unused = CameraFactory(name="Old shed", site=harbour, enabled=False)
    apron = CameraFactory(name="Apron fence", site=airport, status="online")
    secret_rule = Rule.objects.create(camera=apron, name="Apron after hours", kind="crowd")
    alerts = {
        "dock_open_1": _alert(dock, "open", minutes=3),
        "dock_open_2": _alert(dock, "open", minutes=2),
        "dock_dismissed": _alert(dock, "dismissed", minutes=1),
        "yard_open": _alert(yard, "open", minutes=4),
        "apron_open": _alert(apron, "open", minutes=1, rule=secret_rule),
    }
    return {
        "harbour": harbour,
        "airport": airport,
        "dock": dock,
        "yard": yard,
        "unused": unused,
        "apron": apron,
        "alerts": alerts,
    }


def _alert(camera, status: str, *, minutes: int, rule=None) -> Alert:
    return Alert.objects.create(
        camera=camera,
        rule=rule,
        kind=rule.kind if rule else "person_in_zone",
        occurred_at=timezone.now() - timedelta(minutes=minutes),
        confidence=0.83,
        status=status,
        dedupe_key=f"{camera.pk}:{status}:{minutes}",
    )


def _page(client, user, url: str = WALL) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _tile_ids(body: str) -> set[int]:
    return {int(i) for i in re.findall(r'<li class="tile" data-camera-id="(\d+)"', body)}


def _alert_ids(body: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="alert-item" data-alert-id="(\d+)"', body)]


def _config(body: str) -> dict:
    match = re.search(r'<script id="wall-config" type="application/json">(.*?)</script>', body)
    return json.loads(match.group(1))


def _guard(world, role=Role.GUARD):
    return UserFactory(role=role, sites=[world["harbour"]])


# --- Scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR])
def test_site_staff_see_exactly_their_sites_enabled_cameras(client, world, role):
    body = _page(client, _guard(world, role))
    assert _tile_ids(body) == {world["dock"].pk, world["yard"].pk}
    apron = world["apron"]
    # Nothing of the other site reaches the browser: not its name, id, feed or site.
    assert apron.name not in body
    assert f"/ws/live/{apron.pk}/" not in body
    assert f'data-camera-id="{apron.pk}"' not in body
    assert "Airport cargo" not in body
    assert "Apron after hours" not in body
    assert apron.pk not in _config(body)["cameraIds"]
    # The disabled camera has no live feed to show.
    assert world["unused"].name not in body


def test_admin_sees_every_enabled_camera(client, world):
    body = _page(client, UserFactory(role=Role.ADMIN))
    assert _tile_ids(body) == {world["dock"].pk, world["yard"].pk, world["apron"].pk}
    assert f"/ws/live/{world['apron'].pk}/" in body


def test_live_video_is_a_capability_not_a_scope(client, world):
    """The DPO sees every camera but watches none: the wall, a live frame and the MJPEG feed
    answer the 404 of a missing page, and no live-view event is written."""
    dpo = UserFactory(role=Role.DPO)
    client.force_login(dpo)
    apron = world["apron"].pk
    urls = [
        WALL,
        f"{WALL}?site={world['airport'].pk}",
        reverse("analytics:live-frame", args=[apron]),
        reverse("analytics:live-mjpeg", args=[apron]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert not AccessEvent.objects.filter(kind=AccessKind.LIVE_VIEW, actor=dpo).exists()


def test_live_video_follows_the_permission_not_the_role(client, world):
    """Taken from a guard, live video is gone; given to a user without a role, it opens."""
    guard = _guard(world)
    guard.groups.get(name=Role.GUARD.value).permissions.remove(
        Permission.objects.get(codename="view_live_video")
    )
    client.force_login(guard)
    assert client.get(WALL).status_code == 404
    nobody = UserFactory(role="", sites=[world["harbour"]])
    nobody.user_permissions.add(Permission.objects.get(codename="view_live_video"))
    assert _tile_ids(_page(client, nobody)) == {world["dock"].pk, world["yard"].pk}


# The live views record through channels' database_sync_to_async, which closes a connection
# held in a test transaction: this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_live_frame_opens_for_a_guard_in_scope_only(client, world):
    guard = _guard(world)
    client.force_login(guard)
    # Past the gate: no worker publishes frames here, so "no live frame" (503), recorded.
    response = client.get(reverse("analytics:live-frame", args=[world["dock"].pk]))
    assert response.status_code == 503
    assert AccessEvent.objects.filter(kind=AccessKind.LIVE_VIEW, actor=guard).count() == 1
    response = client.get(reverse("analytics:live-frame", args=[world["apron"].pk]))
    assert response.status_code == 404


def test_a_single_granted_camera_brings_only_itself_and_its_site_into_the_filter(client, world):
    guard = UserFactory(role=Role.GUARD, cameras=[world["apron"]])
    body = _page(client, guard)
    assert _tile_ids(body) == {world["apron"].pk}
    assert "Airport cargo" in body and "Harbour depot" not in body
    assert _alert_ids(body) == [world["alerts"]["apron_open"].pk]


def test_user_without_a_site_sees_an_empty_wall(client, world):
    body = _page(client, UserFactory(role=Role.GUARD))
    assert _tile_ids(body) == set()
    assert _alert_ids(body) == []
    assert "No cameras to show" in body


def test_anonymous_user_is_sent_to_log_in(client, world):
    response = client.get(WALL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_site_filter_narrows_to_one_permitted_site(client, world):
    admin = UserFactory(role=Role.ADMIN)
    body = _page(client, admin, f"{WALL}?site={world['airport'].pk}")
    assert _tile_ids(body) == {world["apron"].pk}
    assert _alert_ids(body) == [world["alerts"]["apron_open"].pk]
    config = _config(body)
    assert config["siteFiltered"] is True
    assert config["cameraIds"] == [world["apron"].pk]


@pytest.mark.parametrize("site", ["other", "999999", "junk"])
def test_site_filter_outside_scope_answers_404(client, world, site):
    client.force_login(_guard(world))
    site_id = world["airport"].pk if site == "other" else site
    assert client.get(f"{WALL}?site={site_id}").status_code == 404


def test_site_options_are_only_permitted_sites(client, world):
    body = _page(client, _guard(world))
    options = re.findall(r'<option value="(\d+)"', body)
    assert options == [str(world["harbour"].pk)]


# --- Open alerts ------------------------------------------------------------------------------


def test_open_alert_counts_and_panel_are_scoped(client, world):
    alerts = world["alerts"]
    body = _page(client, _guard(world))
    tiles = dict(re.findall(r'data-camera-id="(\d+)"[^>]*data-open-alerts="(\d+)"', body))
    assert tiles == {str(world["dock"].pk): "2", str(world["yard"].pk): "1"}
    # Newest (last raised) first, open only, none of the other site's.
    assert _alert_ids(body) == [
        alerts["yard_open"].pk,
        alerts["dock_open_2"].pk,
        alerts["dock_open_1"].pk,
    ]
    assert "<title>(3) Live wall · Veil</title>" in body
    config = _config(body)
    assert config["openAlertIds"] == {
        str(world["dock"].pk): [alerts["dock_open_2"].pk, alerts["dock_open_1"].pk],
        str(world["yard"].pk): [alerts["yard_open"].pk],
    }
    # The socket resumes after the newest alert the guard may see, never another site's.
    assert config["lastAlertId"] == alerts["yard_open"].pk
    assert f'data-alert-id="{alerts["apron_open"].pk}"' not in body


def test_admin_panel_lists_every_open_alert(client, world):
    body = _page(client, UserFactory(role=Role.ADMIN))
    assert len(_alert_ids(body)) == 4
    assert "<title>(4) Live wall · Veil</title>" in body
    assert _config(body)["lastAlertId"] == world["alerts"]["apron_open"].pk


def test_no_open_alerts_means_a_plain_title(client, world):
    Alert.objects.update(status=Alert.Status.ACKNOWLEDGED)
    body = _page(client, _guard(world))
    assert "<title>Live wall · Veil</title>" in body
    assert _alert_ids(body) == []


def test_header_shows_open_count_to_guards_and_supervisors_only(client, world):
    body = _page(client, _guard(world), reverse("cameras:camera-list"))
    match = re.search(r'id="header-alert-count"[^>]*data-count="(\d+)"', body)
    assert match and match.group(1) == "3"
    body = _page(client, UserFactory(role=Role.DPO), reverse("cameras:camera-list"))
    assert 'id="header-alert-count"' not in body


def test_page_carries_the_hooks_the_browser_tests_use(client, world):
    body = _page(client, _guard(world))
    for hook in (
        'id="alert-panel"',
        'id="connection-state"',
        'id="toasts"',
        'role="status"',
        'id="camera-dialog"',
        'id="sound-toggle"',
        "js/console/wall.js",
        "css/console.css",
    ):
        assert hook in body, hook
    assert f'data-camera-id="{world["yard"].pk}" data-camera-name="Yard east"' in body
    assert 'data-status="offline"' in body


# --- Navigation and landing -------------------------------------------------------------------

# Derived from permissions (accounts.context_processors.MENU), in one order for everyone.
NAVIGATION = {
    Role.GUARD: [
        ("analytics:wall", "Live wall"),
        ("analytics:alert-list", "Alerts"),
        ("cameras:camera-list", "Cameras"),
        ("privacy:unmask-home", "Un-masks"),
    ],
    Role.SUPERVISOR: [
        ("analytics:wall", "Live wall"),
        ("analytics:alert-list", "Alerts"),
        ("analytics:review", "Review"),
        ("cameras:camera-list", "Cameras"),
        ("privacy:hold-list", "Legal holds"),
        ("privacy:unmask-home", "Un-masks"),
    ],
    Role.DPO: [
        ("compliance:dashboard", "Dashboard"),
        ("analytics:alert-list", "Alerts"),
        ("analytics:review", "Review"),
        ("cameras:camera-list", "Cameras"),
        ("cameras:site-list", "Sites"),
        ("compliance:access-event-list", "Audit trail"),
        ("compliance:report-list", "Reports"),
        ("privacy:hold-list", "Legal holds"),
        ("privacy:unmask-home", "Un-masks"),
        ("privacy:request-list", "Access requests"),
        ("privacy:register-index", "Registers"),
        ("privacy:records", "Records"),
        ("privacy:sign-list", "Signs"),
        ("api-docs", "API"),
    ],
    Role.ADMIN: [
        ("analytics:wall", "Live wall"),
        ("analytics:alert-list", "Alerts"),
        ("analytics:review", "Review"),
        ("cameras:camera-list", "Cameras"),
        ("cameras:site-list", "Sites"),
        ("accounts:user-list", "Users"),
        ("compliance:access-event-list", "Audit trail"),
        ("privacy:sign-list", "Signs"),
        ("api-docs", "API"),
    ],
}


def _routed(url_name: str) -> str | None:
    # Pages built by other changes appear in the navigation once they are routed.
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_navigation_per_role(client, world, role):
    body = _page(
        client, UserFactory(role=role, sites=[world["harbour"]]), reverse("cameras:camera-list")
    )
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    items = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    expected = [(_routed(name), label) for name, label in NAVIGATION[role] if _routed(name)]
    assert items == expected
    assert ("/analytics/wall/", "Live wall") in items or role == Role.DPO
    # Every item opens for the user who sees it.
    for url, _ in items:
        assert client.get(url).status_code == 200, url


def test_navigation_follows_permissions_not_role_names(client, world):
    """A user with no role but given the audit permission gets the audit trail in the menu
    and nothing else beyond cameras; a guard stripped of live video loses the wall."""
    auditor = UserFactory(role="")
    auditor.user_permissions.add(Permission.objects.get(codename="view_accessevent"))
    body = _page(client, auditor, reverse("cameras:camera-list"))
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    assert re.findall(r">([^<]+)</a>", nav) == ["Cameras", "Audit trail"]
    assert client.get(reverse("home")).url == reverse("cameras:camera-list")

    guard = _guard(world)
    guard.groups.get().permissions.remove(Permission.objects.get(codename="view_live_video"))
    body = _page(client, guard, reverse("cameras:camera-list"))
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    assert re.findall(r">([^<]+)</a>", nav) == ["Alerts", "Cameras", "Un-masks"]
    assert client.get(reverse("home")).url == reverse("cameras:camera-list")
    # Still triaging: the open-alert count stays, and leads to the alert list instead.
    assert f'href="{reverse("analytics:alert-list")}" data-count="3"' in body


def test_wall_is_the_current_section_on_the_wall(client, world):
    body = _page(client, _guard(world))
    assert '<a href="/analytics/wall/" aria-current="page">Live wall</a>' in body


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.GUARD, "analytics:wall"),
        (Role.SUPERVISOR, "analytics:wall"),
        (Role.DPO, "compliance:dashboard"),  # the DPO's desk
        (Role.ADMIN, "cameras:camera-list"),
    ],
)
def test_home_lands_by_role(client, world, role, landing):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(landing)


def test_guard_lands_on_the_wall_after_log_in(client, world):
    guard = _guard(world)
    response = client.post(
        reverse("accounts:login"),
        {"username": guard.username, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == WALL
    assert _tile_ids(response.content.decode()) == {world["dock"].pk, world["yard"].pk}


def test_home_asks_anonymous_users_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
