"""Alert lists that stay fast at a million alerts: keyset pages (every row once, forwards and
back, however deep), a bounded count, and a page whose query count does not grow with its
size (what is asserted here; speed itself is measured by bench/scale_web.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics.models import Alert, AlertDecision, Rule, Zone
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


def make_alerts(n: int, *, cameras, decided_by=None) -> list[Alert]:
    """``n`` alerts over ``cameras``, three per timestamp (ties the cursor must break), each
    with a rule and zone, half with a decision: everything a list row shows."""
    now = timezone.now()
    rules = []
    for camera in cameras:
        zone = Zone.objects.create(camera=camera, name=f"z{camera.pk}", points=SQUARE)
        rules.append(
            Rule.objects.create(camera=camera, name="r", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
        )
    alerts = Alert.objects.bulk_create(
        Alert(
            camera=cameras[i % len(cameras)],
            rule=rules[i % len(cameras)],
            kind=Rule.Kind.PERSON_IN_ZONE,
            occurred_at=now - timedelta(minutes=i // 3),
            dedupe_key=f"scale-{now.timestamp()}-{i}",
            status=Alert.Status.OPEN if i % 2 else Alert.Status.ACKNOWLEDGED,
        )
        for i in range(n)
    )
    if decided_by is not None:
        AlertDecision.objects.bulk_create(
            AlertDecision(alert=alert, actor=decided_by, action="acknowledge")
            for alert in alerts[::2]
        )
    return alerts


def newest_first(alerts) -> list[int]:
    return [a.pk for a in sorted(alerts, key=lambda a: (a.occurred_at, a.pk), reverse=True)]


@pytest.fixture
def guard_world():
    north, south = SiteFactory(), SiteFactory()
    mine = [CameraFactory(site=north), CameraFactory(site=north)]
    other = CameraFactory(site=south)
    guard = UserFactory(role=Role.GUARD, sites=[north])
    return guard, mine, other


def walk_api(client, url, params) -> tuple[list[int], list[dict]]:
    seen, bodies = [], []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            return seen, bodies
        response = client.get(body["next"])


def test_api_pages_by_cursor_every_visible_alert_once_and_back(guard_world):
    guard, mine, other = guard_world
    visible = make_alerts(130, cameras=mine)
    make_alerts(20, cameras=[other])
    client = APIClient()
    client.force_login(guard)
    url = reverse("analytics-api:alert-list")

    seen, bodies = walk_api(client, url, {"limit": 50})
    assert seen == newest_first(visible)
    assert [len(body["results"]) for body in bodies] == [50, 50, 30]
    assert "count" not in bodies[0] and bodies[0]["previous"] is None
    assert "offset" not in bodies[0]["next"]

    # Back from the last page: the same pages, in reverse.
    back = client.get(bodies[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == seen[50:100]
    first = client.get(back["previous"]).json()
    assert [row["id"] for row in first["results"]] == seen[:50]
    assert first["previous"] is None


def test_api_cursor_keeps_the_filter_and_refuses_a_forged_cursor(guard_world):
    guard, mine, _ = guard_world
    alerts = make_alerts(60, cameras=mine)
    client = APIClient()
    client.force_login(guard)
    url = reverse("analytics-api:alert-list")
    seen, _ = walk_api(client, url, {"limit": 7, "status": "open", "camera": mine[0].pk})
    expected = [a for a in alerts if a.status == "open" and a.camera_id == mine[0].pk]
    assert seen == newest_first(expected)
    assert client.get(url, {"cursor": "not-a-cursor"}).status_code == 400


def test_html_list_pages_by_cursor_and_counts_no_further_than_the_cap(guard_world, settings):
    guard, mine, _ = guard_world
    alerts = make_alerts(75, cameras=mine)
    client = Client()
    client.force_login(guard)
    url = reverse("analytics:alert-list")
    first = client.get(url)
    page = first.context["page"]
    assert [a.pk for a in page] == newest_first(alerts)[:50]
    assert page.count == 75 and not page.count_capped
    assert "75 in all" in first.content.decode()
    second = client.get(url, {"cursor": page.next_cursor})
    assert [a.pk for a in second.context["page"]] == newest_first(alerts)[50:]
    assert not second.context["page"].has_next
    # A cursor the page did not issue shows the first page, not an error.
    assert client.get(url, {"cursor": "%%%"}).context["page"].object_list == page.object_list


def test_count_is_capped(guard_world, monkeypatch):
    from vms import pagination

    guard, mine, _ = guard_world
    make_alerts(12, cameras=mine)
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    monkeypatch.setattr(pagination.count_capped, "__defaults__", (10,))
    client = Client()
    client.force_login(guard)
    response = client.get(reverse("analytics:alert-list"))
    assert response.context["page"].count_label == "10+"
    assert "10+ in all" in response.content.decode()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.GUARD, Role.ADMIN])
def test_a_page_costs_the_same_queries_whatever_its_size(guard_world, role):
    guard, mine, _ = guard_world
    user = guard if role == Role.GUARD else UserFactory(role=role)
    make_alerts(60, cameras=mine, decided_by=guard)
    api, html = APIClient(), Client()
    api.force_login(user)
    html.force_login(user)
    url = reverse("analytics-api:alert-list")
    _queries(api, url, {"limit": 2})  # warm: session, permission caches
    assert _queries(api, url, {"limit": 2}) == _queries(api, url, {"limit": 50})

    html_url = reverse("analytics:alert-list")
    _queries(html, html_url)
    empty = _queries(html, html_url, {"status": "escalated"})  # no rows
    # 0 rows, 30 rows, a full page of 50 with more after it: the same cost.
    assert empty == _queries(html, html_url, {"status": "open"}) == _queries(html, html_url)


def test_thousands_of_cameras_make_the_camera_filter_a_number_field(guard_world, monkeypatch):
    from analytics import filters

    guard, mine, other = guard_world
    alerts = make_alerts(6, cameras=mine)
    make_alerts(2, cameras=[other])
    client = Client()
    client.force_login(guard)
    url = reverse("analytics:alert-list")
    assert re.search(r'<select[^>]*name="camera"', client.get(url).content.decode())
    monkeypatch.setattr(filters, "CAMERA_CHOICE_LIMIT", 1)
    page = client.get(url, {"camera": mine[0].pk})
    body = page.content.decode()
    assert 'type="number" name="camera"' in body
    assert not re.search(r'<select[^>]*name="camera"', body)
    assert [a.pk for a in page.context["page"]] == newest_first(
        [a for a in alerts if a.camera_id == mine[0].pk]
    )
    # Typing another site's camera is refused as a choice and shows nothing of it.
    refused = client.get(url, {"camera": other.pk})
    assert "camera" in refused.context["filter"].form.errors
    assert all(alert.camera_id != other.pk for alert in refused.context["page"])
