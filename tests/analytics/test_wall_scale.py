"""The wall at thousands of cameras: the server pages it (only one page of tiles, and their
open alerts, in the page) and filters it by site, camera status, "with open alerts" and a
search; totals still count every camera in scope, and a page costs the same queries however
many tiles it holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from analytics.views import wall as wall_view
from tests.analytics.test_wall import WALL, _alert, _config, _page, _tile_ids
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(monkeypatch):
    monkeypatch.setattr(wall_view, "WALL_PAGE_SIZE", 4)
    north, south = SiteFactory(name="North gate"), SiteFactory(name="South quay")
    cameras = [
        CameraFactory(name=f"N{i}", site=north, status="online" if i % 2 else "offline")
        for i in range(6)
    ] + [CameraFactory(name="S0", site=south, status="online")]
    _alert(cameras[5], "open", minutes=1)
    _alert(cameras[1], "open", minutes=2)
    _alert(cameras[6], "open", minutes=3)
    guard = UserFactory(role=Role.GUARD, sites=[north])
    return guard, cameras


def test_the_server_pages_the_wall_and_counts_every_camera(client, many):
    guard, cameras = many
    first = _page(client, guard)
    assert _tile_ids(first) == {c.pk for c in cameras[:4]}
    config = _config(first)
    assert config["cameraIds"] == [c.pk for c in cameras[:4]]
    # Only this page's open alerts travel; the totals count the guard's whole scope.
    assert config["openAlertIds"] == {str(cameras[1].pk): [cameras[1].alerts.get().pk]}
    assert config["openCount"] == 2
    assert "<title>(2) Live wall · Veil</title>" in first
    assert "Cameras 1–4 of 6" in first and 'rel="next"' in first
    second = _page(client, guard, f"{WALL}?page=2")
    assert _tile_ids(second) == {c.pk for c in cameras[4:6]}
    assert cameras[6].name not in second  # the other site's camera, on no page


def test_filters_by_status_open_alerts_and_search(client, many):
    guard, cameras = many
    online = _page(client, guard, f"{WALL}?status=online")
    assert _tile_ids(online) == {cameras[1].pk, cameras[3].pk, cameras[5].pk}
    with_open = _page(client, guard, f"{WALL}?open=on")
    assert _tile_ids(with_open) == {cameras[1].pk, cameras[5].pk}
    assert _tile_ids(_page(client, guard, f"{WALL}?q=n3")) == {cameras[3].pk}
    assert _tile_ids(_page(client, guard, f"{WALL}?q=south")) == set()  # not the guard's
    empty = _page(client, guard, f"{WALL}?q=nothing-like-this")
    assert "with these filters" in empty


def test_a_wall_page_costs_the_same_queries_whatever_it_holds(client, many):
    guard, cameras = many
    client.force_login(guard)
    client.get(WALL)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(f"{WALL}?q=n3") == queries(WALL) == queries(f"{WALL}?page=2")
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    client.get(WALL)
    assert queries(f"{WALL}?q=n3") == queries(WALL)
